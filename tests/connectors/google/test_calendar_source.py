"""GoogleCalendarSource against the live emulator, through the real google-api-python-client."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kaffe.connectors.google import GoogleConnection
from kaffe.connectors.google.calendar import PAGE_SIZE
from kaffe.errors import TransientError
from kaffe.model import ACCEPTED, DECLINED, CalendarBatch

from .conftest import ME

CAL = "primary"


def _resource(event_id: str, start: datetime, minutes: int = 45, **extra: Any) -> dict[str, Any]:
    end = start + timedelta(minutes=minutes)
    return {
        "id": event_id, "summary": f"Coffee {event_id}", "status": "confirmed",
        "start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()},
        **extra,
    }


def _sync(google: GoogleConnection, now: datetime, cursor: str | None = None) -> CalendarBatch:
    source = google.calendars[0]
    return source.sync(cursor, window_start=now - timedelta(days=30),
                       window_end=now + timedelta(days=14))


def _list_calls(emu: Any) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["path"].endswith(f"/calendars/{CAL}/events")]


def test_full_sync_follows_every_page(emu: Any, google: GoogleConnection, now: datetime) -> None:
    count = PAGE_SIZE + 12
    for i in range(count):
        emu.add_event(CAL, _resource(f"ev{i:04d}", now - timedelta(days=20, hours=-i)))
    emu.add_event(CAL, _resource("outside", now + timedelta(days=60)))
    batch = _sync(google, now)
    assert batch.full and batch.cursor
    assert batch.calendar == "google:primary"
    assert len(batch.events) == count and "outside" not in {e.id for e in batch.events}
    calls = _list_calls(emu)
    assert len(calls) == 2 and "pageToken" in calls[1]["query"]
    assert calls[0]["query"]["singleEvents"] == ["true"]


def test_incremental_sync_sees_add_update_and_delete(
    emu: Any, google: GoogleConnection, now: datetime
) -> None:
    emu.add_event(CAL, _resource("keep", now - timedelta(days=1)))
    emu.add_event(CAL, _resource("gone", now - timedelta(days=2)))
    first = _sync(google, now)
    emu.add_event(CAL, _resource("new", now + timedelta(days=1)))
    emu.update_event(CAL, "keep", {"summary": "Coffee, moved", "location": "Café Norden"})
    emu.delete_event(CAL, "gone")
    emu.clear_requests()
    delta = _sync(google, now, first.cursor)
    assert not delta.full and delta.cursor and delta.cursor != first.cursor
    changed = {e.id: e for e in delta.events if e.status != "cancelled"}
    assert set(changed) == {"new", "keep"}
    assert changed["keep"].location == "Café Norden"
    cancelled = {e.id for e in delta.events if e.status == "cancelled"}
    assert "gone" in set(delta.removed) | cancelled
    query = _list_calls(emu)[0]["query"]
    assert query["syncToken"] == [first.cursor] and "timeMin" not in query


def test_expired_sync_token_gives_a_clean_full_resync(
    emu: Any, google: GoogleConnection, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    emu.add_event(CAL, _resource("a", now))
    first = _sync(google, now)
    emu.add_event(CAL, _resource("b", now + timedelta(hours=3)))
    emu.expire_sync_tokens()
    with caplog.at_level(logging.WARNING):
        batch = _sync(google, now, first.cursor)
    assert batch.full and batch.cursor
    assert {e.id for e in batch.events} == {"a", "b"}
    assert any("410" in r.getMessage() for r in caplog.records)


def test_recurring_series_arrives_as_instances(
    emu: Any, google: GoogleConnection, now: datetime
) -> None:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    emu.add_event(CAL, _resource("weekly", start, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"]))
    events = sorted(_sync(google, now).events, key=lambda e: e.start)
    assert [e.start for e in events] == [start + timedelta(weeks=w) for w in range(3)]
    assert {e.recurring_event_id for e in events} == {"weekly"}
    assert len({e.id for e in events}) == 3
    assert [e.original_start for e in events] == [e.start for e in events]


def test_all_day_and_declined_events(emu: Any, google: GoogleConnection, now: datetime) -> None:
    emu.add_event(CAL, {"id": "holiday", "summary": "Holiday", "start": {"date": "2026-03-12"},
                        "end": {"date": "2026-03-13"}})
    emu.add_event(CAL, _resource("declined", now, attendees=[
        {"email": "Ana@Example.DK", "responseStatus": "accepted", "organizer": True},
        {"email": ME, "responseStatus": "declined"},
    ], organizer={"email": "ana@example.dk"}))
    events = {e.id: e for e in _sync(google, now).events}
    holiday = events["holiday"]
    assert holiday.all_day and holiday.start == datetime(2026, 3, 12, tzinfo=UTC)
    assert holiday.end == datetime(2026, 3, 13, tzinfo=UTC)
    ana, me = events["declined"].attendees
    assert (ana.email, ana.response, ana.organizer) == ("ana@example.dk", ACCEPTED, True)
    assert (me.email, me.response, me.is_self) == (ME, DECLINED, True)


def test_malformed_event_is_skipped_and_logged(
    emu: Any, google: GoogleConnection, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    emu.add_event(CAL, _resource("good", now))
    emu.add_event(CAL, _resource("bad", now, end={"dateTime": "not a time"}))
    with caplog.at_level(logging.WARNING):
        batch = _sync(google, now)
    assert [e.id for e in batch.events] == ["good"]
    assert any("bad" in r.getMessage() for r in caplog.records)


def test_429_with_retry_after_is_retried_without_sleeping(
    emu: Any, google: GoogleConnection, now: datetime, sleeps: list[float]
) -> None:
    emu.add_event(CAL, _resource("a", now))
    emu.inject(429, retry_after=7, path_contains="/events")
    batch = _sync(google, now)
    assert [e.id for e in batch.events] == ["a"]
    assert len(sleeps) == 1 and 7.0 <= sleeps[0] <= 7.0 * 1.1 + 0.5  # stretched a little
    assert [r["status"] for r in _list_calls(emu)] == [429, 200]


def test_persistent_5xx_becomes_transient_error(
    emu: Any, google: GoogleConnection, now: datetime, sleeps: list[float]
) -> None:
    emu.inject(503, count=10, path_contains="/events")
    with pytest.raises(TransientError, match="events.list"):
        _sync(google, now)
    assert len(sleeps) == 3 and all(1.0 <= s <= 32.0 for s in sleeps)  # jittered, capped
    assert len(_list_calls(emu)) == 4


def test_deleted_series_cancels_every_stored_instance(
    emu: Any, google: GoogleConnection, now: datetime, tmp_path: Any
) -> None:
    from kaffe.store import Store

    start = (now + timedelta(days=1)).replace(microsecond=0)
    series = _resource("weekly", start, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])
    emu.add_event(CAL, series)
    window = {"window_start": now - timedelta(days=30), "window_end": now + timedelta(days=30)}
    with Store.open(tmp_path / "kaffe.db") as store:
        first = _sync(google, now)
        store.apply_calendar_batch(first, **window)
        assert len(first.events) == 2  # the third is past the sync window
        emu.delete_event(CAL, "weekly")
        delta = _sync(google, now, first.cursor)
        assert "weekly" not in delta.removed
        assert {e.id for e in first.events} <= set(delta.removed)
        store.apply_calendar_batch(delta, **window)
        assert {e.status for e in store.events()} == {"cancelled"}


def test_hidden_guest_list_is_no_one_to_one_for_detection(
    emu: Any, google: GoogleConnection, now: datetime
) -> None:
    """A meetup whose guest list is hidden shows only you and its organiser."""
    from kaffe.config.schema import DetectConfig, MeConfig
    from kaffe.rules.detect import detect

    emu.add_event(CAL, _resource(
        "meetup", now + timedelta(days=1), location="Café Central",
        organizer={"email": "host@meetup.example"}, attendeesOmitted=True,
        attendees=[{"email": ME, "self": True, "responseStatus": "accepted"}],
    ))
    (found,) = _sync(google, now).events
    assert found.attendees_omitted
    verdict = detect(found, MeConfig(addresses=(ME,)), DetectConfig())
    assert not verdict.is_coffee and "attendeesOmitted" in verdict.veto
