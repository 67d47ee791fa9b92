"""Calendar v3 through the real google-api-python-client."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, event


def _seed_three(emu: Emulator) -> list[dict]:
    return [
        emu.add_event(
            "primary", event(f"Coffee {d}", f"2026-03-1{d}T09:00:00Z", f"2026-03-1{d}T10:00:00Z")
        )
        for d in (1, 2, 3)
    ]


def _list_all(google: Google, **params) -> tuple[list[dict], list[dict]]:
    """Follow nextPageToken; return the items and every page."""
    pages, token = [], None
    while True:
        page = (
            google.calendar.events().list(calendarId="primary", pageToken=token, **params).execute()
        )
        pages.append(page)
        token = page.get("nextPageToken")
        if not token:
            return [i for p in pages for i in p["items"]], pages


def _reason(exc: HttpError) -> str:
    return exc.error_details[0]["reason"] if exc.error_details else ""


def test_pagination_puts_sync_token_on_last_page_only(emu: Emulator, google: Google) -> None:
    added = _seed_three(emu)
    items, pages = _list_all(google, maxResults=2)
    assert [i["id"] for i in items] == [e["id"] for e in added]
    assert len(pages) == 2
    assert "nextSyncToken" not in pages[0] and "nextPageToken" in pages[0]
    assert "nextSyncToken" in pages[1] and "nextPageToken" not in pages[1]
    assert pages[0]["kind"] == "calendar#events" and pages[0]["accessRole"] == "owner"


def test_incremental_sync_returns_only_changes(emu: Emulator, google: Google) -> None:
    first, second, third = _seed_three(emu)
    _, pages = _list_all(google)
    token = pages[-1]["nextSyncToken"]
    emu.update_event("primary", first["id"], {"summary": "Coffee (moved)"})
    emu.delete_event("primary", second["id"])
    fresh = emu.add_event("primary", event("New", "2026-03-20T09:00:00Z", "2026-03-20T10:00:00Z"))

    delta, pages = _list_all(google, syncToken=token)
    by_id = {i["id"]: i for i in delta}
    assert set(by_id) == {first["id"], second["id"], fresh["id"]}
    assert by_id[first["id"]]["summary"] == "Coffee (moved)"
    assert set(by_id[second["id"]]) == {"kind", "etag", "id", "status"}
    assert by_id[second["id"]]["status"] == "cancelled"
    quiet, _ = _list_all(google, syncToken=pages[-1]["nextSyncToken"])
    assert quiet == []


def test_deleted_events_hidden_from_full_sync_unless_show_deleted(
    emu: Emulator, google: Google
) -> None:
    first, second, _ = _seed_three(emu)
    emu.delete_event("primary", second["id"])
    visible, _ = _list_all(google)
    assert second["id"] not in {i["id"] for i in visible}
    everything, _ = _list_all(google, showDeleted=True)
    assert second["id"] in {i["id"] for i in everything}


def test_expired_sync_token_gets_410(emu: Emulator, google: Google) -> None:
    _seed_three(emu)
    _, pages = _list_all(google)
    emu.expire_sync_tokens()
    with pytest.raises(HttpError) as err:
        google.calendar.events().list(
            calendarId="primary", syncToken=pages[-1]["nextSyncToken"]
        ).execute()
    assert err.value.status_code == 410
    assert _reason(err.value) == "fullSyncRequired"


def test_unknown_sync_token_gets_410(google: Google) -> None:
    with pytest.raises(HttpError) as err:
        google.calendar.events().list(calendarId="primary", syncToken="bogus").execute()
    assert err.value.status_code == 410


@pytest.mark.parametrize(
    "params",
    [
        {"timeMin": "2026-03-01T00:00:00Z"},
        {"timeMax": "2026-03-01T00:00:00Z"},
        {"q": "coffee"},
        {"orderBy": "updated"},
        {"updatedMin": "2026-03-01T00:00:00Z"},
        {"iCalUID": "x@google.com"},
    ],
)
def test_sync_token_rejects_filters(emu: Emulator, google: Google, params: dict) -> None:
    _, pages = _list_all(google)
    with pytest.raises(HttpError) as err:
        google.calendar.events().list(
            calendarId="primary", syncToken=pages[-1]["nextSyncToken"], **params
        ).execute()
    assert err.value.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"orderBy": "startTime"},  # needs singleEvents=true
        {"timeMin": "2026-03-01"},
        {"timeMin": "2026-03-01T00:00:00"},  # no offset
        {"timeMax": "yesterday"},
        {"timeMin": "2026-03-02T00:00:00Z", "timeMax": "2026-03-01T00:00:00Z"},
    ],
)
def test_rejected_parameters(google: Google, params: dict) -> None:
    with pytest.raises(HttpError) as err:
        google.calendar.events().list(calendarId="primary", **params).execute()
    assert err.value.status_code == 400


def test_time_window_filters_by_overlap(emu: Emulator, google: Google) -> None:
    first, second, third = _seed_three(emu)
    items, _ = _list_all(google, timeMin="2026-03-12T09:30:00Z", timeMax="2026-03-13T09:00:00Z")
    assert [i["id"] for i in items] == [second["id"]]


def test_q_and_ical_uid_filters(emu: Emulator, google: Google) -> None:
    emu.add_event("primary", event("Standup", "2026-03-11T08:00:00Z", "2026-03-11T08:15:00Z"))
    coffee = emu.add_event(
        "primary",
        event(
            "Kaffe",
            "2026-03-11T09:00:00Z",
            "2026-03-11T10:00:00Z",
            attendees=[{"email": "ada@example.org"}],
        ),
    )
    by_q, _ = _list_all(google, q="ada@example.org")
    assert [i["id"] for i in by_q] == [coffee["id"]]
    by_uid, _ = _list_all(google, iCalUID=coffee["iCalUID"])
    assert [i["id"] for i in by_uid] == [coffee["id"]]


def test_single_events_expands_recurrence(emu: Emulator, google: Google) -> None:
    master = emu.add_event(
        "primary",
        {
            "summary": "Weekly coffee",
            "start": {"dateTime": "2026-03-02T09:00:00", "timeZone": "Europe/Copenhagen"},
            "end": {"dateTime": "2026-03-02T09:30:00", "timeZone": "Europe/Copenhagen"},
            "recurrence": [
                "RRULE:FREQ=WEEKLY;COUNT=5",
                "EXDATE;TZID=Europe/Copenhagen:20260309T090000",
            ],
        },
    )
    items, _ = _list_all(google, singleEvents=True, orderBy="startTime")
    ids = [i["id"] for i in items]
    # DST starts 29 March in Copenhagen: the wall clock stays at 09:00, UTC moves.
    assert ids == [
        f"{master['id']}_20260302T080000Z",
        f"{master['id']}_20260316T080000Z",
        f"{master['id']}_20260323T080000Z",
        f"{master['id']}_20260330T070000Z",
    ]
    last = items[-1]
    assert last["recurringEventId"] == master["id"]
    assert last["originalStartTime"] == last["start"]
    assert last["start"]["dateTime"] == "2026-03-30T09:00:00+02:00"
    assert "recurrence" not in last

    masters, _ = _list_all(google)
    assert [i["id"] for i in masters] == [master["id"]] and "recurrence" in masters[0]


def test_single_events_window_and_all_day_ids(emu: Emulator, google: Google) -> None:
    master = emu.add_event(
        "primary",
        {
            "summary": "Birthday",
            "start": {"date": "2020-03-15"},
            "end": {"date": "2020-03-16"},
            "recurrence": ["RRULE:FREQ=YEARLY"],
        },
    )
    items, _ = _list_all(
        google, singleEvents=True, timeMin="2026-01-01T00:00:00Z", timeMax="2028-01-01T00:00:00Z"
    )
    assert [i["id"] for i in items] == [f"{master['id']}_20260315", f"{master['id']}_20270315"]
    assert items[0]["start"] == {"date": "2026-03-15"} and items[0]["end"] == {"date": "2026-03-16"}


def test_unbounded_recurrence_stops_about_a_year_ahead(emu: Emulator, google: Google) -> None:
    emu.add_event(
        "primary",
        {
            "summary": "Daily",
            "start": {"dateTime": "2026-03-10T08:00:00Z"},
            "end": {"dateTime": "2026-03-10T08:10:00Z"},
            "recurrence": ["RRULE:FREQ=DAILY"],
        },
    )
    items, _ = _list_all(google, singleEvents=True, maxResults=2500)
    assert 360 <= len(items) <= 370


def test_other_calendars_and_calendar_list(emu: Emulator, google: Google) -> None:
    emu.add_event(
        "team@group.calendar.google.com",
        event("Retro", "2026-03-11T09:00:00Z", "2026-03-11T10:00:00Z"),
    )
    listing = google.calendar.calendarList().list().execute()
    ids = {e["id"]: e for e in listing["items"]}
    assert ids["me@example.com"]["primary"] is True
    assert "team@group.calendar.google.com" in ids
    items = (
        google.calendar.events()
        .list(calendarId="team@group.calendar.google.com")
        .execute()["items"]
    )
    assert [i["summary"] for i in items] == ["Retro"]
    with pytest.raises(HttpError) as err:
        google.calendar.events().list(calendarId="nobody@example.com").execute()
    assert err.value.status_code == 404


def test_primary_is_an_alias(emu: Emulator, google: Google) -> None:
    added = emu.add_event("primary", event("Kaffe", "2026-03-11T09:00:00Z", "2026-03-11T10:00:00Z"))
    items = google.calendar.events().list(calendarId="me@example.com").execute()["items"]
    assert [i["id"] for i in items] == [added["id"]]


def test_deleted_series_is_one_cancellation_per_instance_with_single_events(
    emu: Emulator, google: Google
) -> None:
    """Google documents it so for singleEvents=true: never one tombstone for the series."""
    master = emu.add_event("primary", {
        "summary": "Weekly coffee",
        "start": {"dateTime": "2026-03-02T09:00:00Z"}, "end": {"dateTime": "2026-03-02T09:30:00Z"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
    })
    _, pages = _list_all(google, singleEvents=True)
    emu.delete_event("primary", master["id"])
    delta, _ = _list_all(google, singleEvents=True, syncToken=pages[-1]["nextSyncToken"])
    assert [i["id"] for i in delta] == [
        f"{master['id']}_2026030{d}T090000Z" for d in (2,)
    ] + [f"{master['id']}_202603{d}T090000Z" for d in ("09", "16")]
    assert {i["status"] for i in delta} == {"cancelled"}
    assert all(i["recurringEventId"] == master["id"] and "start" not in i for i in delta)
    assert delta[0]["originalStartTime"] == {"dateTime": "2026-03-02T09:00:00+00:00"}
    masters, _ = _list_all(google, syncToken=pages[-1]["nextSyncToken"])
    assert [i["id"] for i in masters] == [master["id"]]  # without singleEvents: the series


def test_max_attendees_trims_to_the_participant_and_sets_attendees_omitted(
    emu: Emulator, google: Google
) -> None:
    people = [{"email": "me@example.com", "self": True, "responseStatus": "accepted"},
              {"email": "ana@example.org"}, {"email": "bo@example.org"}]
    added = emu.add_event("primary", event("Meetup", "2026-03-11T17:00:00Z",
                                           "2026-03-11T19:00:00Z", attendees=people))
    trimmed, _ = _list_all(google, maxAttendees=2)
    assert trimmed[0]["attendees"] == people[:1] and trimmed[0]["attendeesOmitted"] is True
    whole, _ = _list_all(google, maxAttendees=3)
    assert whole[0]["attendees"] == people and "attendeesOmitted" not in whole[0]
    one = google.calendar.events().get(calendarId="primary", eventId=added["id"],
                                       maxAttendees=1).execute()
    assert one["attendeesOmitted"] is True and len(one["attendees"]) == 1
