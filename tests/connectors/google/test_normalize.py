"""Event resources → kaffe.model.Event, on hand-made resources and on the real-world corpus."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kaffe.connectors.google.calendar import GoogleCalendarSource
from kaffe.connectors.google.normalize import UnreadableEvent, is_removal, normalize_event
from kaffe.model import DECLINED, NEEDS_ACTION

CAL = "google:primary"


def _timed(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "ev1", "status": "confirmed", "summary": "Coffee with Ana",
        "start": {"dateTime": "2026-03-10T10:00:00+01:00", "timeZone": "Europe/Copenhagen"},
        "end": {"dateTime": "2026-03-10T10:45:00+01:00", "timeZone": "Europe/Copenhagen"},
    }
    return {**base, **extra}


def test_timed_event_is_converted_to_utc() -> None:
    resource = _timed(iCalUID="abc@google.com", updated="2026-03-01T09:00:00.123Z")
    event = normalize_event(resource, CAL)
    assert event.start == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert event.minutes == 45
    assert (event.uid, event.all_day, event.event_type) == ("abc@google.com", False, "default")
    assert event.updated == datetime(2026, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert event.key == "google:primary/ev1"


def test_a_time_without_offset_is_read_in_its_time_zone() -> None:
    """Found by the contract suite (tests/contract/): a floating 14:00 in Copenhagen was
    read as 14:00 UTC through Google while ICS and CalDAV read 13:00 UTC."""
    start = {"dateTime": "2026-03-10T10:00:00", "timeZone": "Europe/Copenhagen"}
    end = {"dateTime": "2026-03-10T10:45:00", "timeZone": "Europe/Copenhagen"}
    event = normalize_event(_timed(start=start, end=end), CAL)
    assert (event.start, event.minutes) == (datetime(2026, 3, 10, 9, 0, tzinfo=UTC), 45)
    odd = {"dateTime": "2026-03-10T10:00:00", "timeZone": "Mars/Olympus"}
    assert normalize_event(_timed(start=odd, end={"dateTime": "2026-03-10T11:00:00"}),
                           CAL).start == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def test_all_day_event_is_midnight_utc_with_exclusive_end() -> None:
    event = normalize_event(_timed(start={"date": "2026-03-10"}, end={"date": "2026-03-11"}), CAL)
    assert event.all_day
    assert event.start == datetime(2026, 3, 10, tzinfo=UTC)
    assert event.end == datetime(2026, 3, 11, tzinfo=UTC)


def test_attendees_are_lower_cased_with_flags() -> None:
    attendees = [
        {"email": " Ana@Example.DK ", "displayName": "Ana", "responseStatus": "accepted",
         "organizer": True},
        {"email": "me@example.com", "responseStatus": "declined"},
        {"email": "room-1@resource.calendar.google.com", "resource": True, "optional": True},
        {"displayName": "no address"},
    ]
    event = normalize_event(_timed(attendees=attendees, organizer={"email": "ANA@example.dk"}),
                            CAL, self_addresses=("ME@example.com",))
    ana, me, room = event.attendees
    assert (ana.email, ana.name) == ("ana@example.dk", "Ana")
    assert (ana.organizer, ana.is_self) == (True, False)
    assert (me.is_self, me.response) == (True, DECLINED)
    assert (room.resource, room.optional, room.response) == (True, True, NEEDS_ACTION)
    assert event.organizer == "ana@example.dk"


def test_recurring_instance_keeps_series_and_original_start() -> None:
    event = normalize_event(_timed(
        id="ser_20260310T090000Z", recurringEventId="ser",
        originalStartTime={"dateTime": "2026-03-10T09:00:00Z"}), CAL)
    assert event.recurring_event_id == "ser"
    assert event.original_start == datetime(2026, 3, 10, 9, tzinfo=UTC)


@pytest.mark.parametrize("resource, reason", [
    ({"id": "x", "summary": "no times"}, "no start"),
    (_timed(start={"timeZone": "UTC"}), "neither dateTime nor date"),
    (_timed(start={"dateTime": "yesterday-ish"}), "ValueError"),
    (_timed(end={"dateTime": "2026-03-10T08:00:00Z"}), "end is before start"),
    ({"summary": "no id"}, "no event id"),
])
def test_unreadable_resources_raise(resource: dict[str, object], reason: str) -> None:
    with pytest.raises(UnreadableEvent, match=reason):
        normalize_event(resource, CAL)


def test_cancelled_tombstone_is_a_removal_but_a_full_cancelled_event_is_not() -> None:
    assert is_removal({"id": "x", "status": "cancelled"})
    assert not is_removal(_timed(status="cancelled"))
    assert normalize_event(_timed(status="cancelled"), CAL).status == "cancelled"


def _event_lists(corpus: Path) -> list[tuple[str, list[object]]]:
    found = []
    for path in sorted((corpus / "calendar_json").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("kind") == "calendar#events":
            found.append((path.name, data.get("items", [])))
    return found


def test_every_corpus_event_normalises_or_is_logged(
    corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = GoogleCalendarSource(None, "primary")
    lists = _event_lists(corpus)
    assert lists, "the corpus has no events.list responses"
    for name, items in lists:
        events: list = []
        removed: list[str] = []
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            for item in items:
                source._take(item, events, removed)
        assert len(events) + len(removed) + len(caplog.records) == len(items), name
        for event in events:
            assert event.start.tzinfo is not None and event.end >= event.start


def test_corpus_details_survive(corpus: Path) -> None:
    items = dict(_event_lists(corpus))["nango__events_list_upcoming_with_ooo.json"]
    events = {e.id: e for e in (normalize_event(i, CAL) for i in items)}
    ooo = events["5231uj6fm5ks9lcn8dklsnsu5f"]
    assert ooo.event_type == "outOfOffice"
    assert ooo.start == datetime(2025, 12, 21, 23, 0, tzinfo=UTC)
    epw = events["0p1k7jjnqq3rhs2ipqpnehvaut_20251219T133000Z"]
    assert epw.recurring_event_id == "0p1k7jjnqq3rhs2ipqpnehvaut_R20251212T133000"
    assert len(epw.attendees) == 8
    assert [a.email for a in epw.attendees if a.is_self] == ["khaliq@nango.dev"]
    assert epw.organizer == "ross@nango.dev"


def test_attendees_omitted_is_kept_so_the_size_counts_as_unknown() -> None:
    hidden = _timed(attendees=[{"email": "me@example.com", "self": True}],
                    attendeesOmitted=True)
    assert normalize_event(hidden, CAL).attendees_omitted
    assert not normalize_event(_timed(), CAL).attendees_omitted
