"""Calendar batches: full replace, incremental upserts and cancellations."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

import pytest

from kaffe.model import CalendarBatch, Event
from kaffe.store import Store
from tests.store.factories import CAL, at, make_event

WINDOW = {"window_start": at(-24), "window_end": at(24)}


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "kaffe.db") as store:
        yield store


def batch(*events: Event, full: bool = False, removed: tuple[str, ...] = (),
          calendar: str = CAL) -> CalendarBatch:
    return CalendarBatch(calendar, tuple(events), "cursor", full, removed)


def ids(store: Store, **query) -> list[str]:
    return [event.id for event in store.events(**query)]


def test_events_read_together_share_equal_values(store: Store) -> None:
    """A window's events hold one object per equal attendee and repeated string (memory:
    bench/memory.py), and read back equal to what was stored."""
    first, second = make_event("e1"), make_event("e2", hours=2)
    store.apply_calendar_batch(batch(first, second), **WINDOW)
    one, two = store.events()
    assert (one, two) == (first, second)
    assert one.attendees[0] is two.attendees[0] and one.attendees[1] is two.attendees[1]
    assert one.location is two.location and one.calendar is two.calendar


def test_events_round_trip_through_the_database(store: Store) -> None:
    event = make_event()
    assert store.apply_calendar_batch(batch(event), **WINDOW) == 1
    assert store.event(event.key) == event
    assert store.events() == [event]
    assert store.event(f"{CAL}/nope") is None


def test_reapplying_the_same_batch_changes_nothing(store: Store) -> None:
    events = (make_event("a"), make_event("b", hours=2))
    assert store.apply_calendar_batch(batch(*events, full=True), **WINDOW) == 2
    assert store.apply_calendar_batch(batch(*events, full=True), **WINDOW) == 0
    changed = dataclasses.replace(events[0], summary="Coffee, moved")
    assert store.apply_calendar_batch(batch(changed), **WINDOW) == 1
    assert store.event(changed.key) == changed


def test_full_batch_deletes_missing_events_inside_the_window_only(store: Store) -> None:
    old = make_event("old", hours=-48)  # outside the window: kept
    gone = make_event("gone", hours=1)
    other = make_event("other", hours=1, calendar="ics:work")
    store.apply_calendar_batch(batch(old, gone, make_event("kept", hours=3)), **WINDOW)
    store.apply_calendar_batch(batch(other, calendar="ics:work"), **WINDOW)
    fresh = make_event("new", hours=5)
    changed = store.apply_calendar_batch(batch(make_event("kept", hours=3), fresh, full=True),
                                         **WINDOW)
    assert changed == 2  # "gone" deleted, "new" inserted
    assert ids(store) == ["old", "other", "kept", "new"]


def test_full_batch_window_uses_strict_overlap(store: Store) -> None:
    ends_at_start = make_event("edge", hours=-25, minutes=60)  # ends exactly at window_start
    straddles = make_event("straddle", hours=-24.5, minutes=60)
    store.apply_calendar_batch(batch(ends_at_start, straddles), **WINDOW)
    store.apply_calendar_batch(batch(full=True), **WINDOW)
    assert ids(store) == ["edge"]


def test_incremental_batch_keeps_events_it_does_not_mention(store: Store) -> None:
    store.apply_calendar_batch(batch(make_event("a"), make_event("b", hours=1)), **WINDOW)
    store.apply_calendar_batch(batch(make_event("c", hours=2)), **WINDOW)
    assert ids(store) == ["a", "b", "c"]


def test_cancelled_delta_is_merged_onto_the_stored_event(store: Store) -> None:
    stored = make_event()
    store.apply_calendar_batch(batch(stored), **WINDOW)
    delta = Event(id=stored.id, calendar=CAL, summary="", start=stored.start, end=stored.end,
                  status="cancelled")
    assert store.apply_calendar_batch(batch(delta), **WINDOW) == 1
    assert store.event(stored.key) == dataclasses.replace(stored, status="cancelled")


def test_removed_ids_mark_stored_events_cancelled_and_unknown_ids_are_ignored(
    store: Store,
) -> None:
    stored = make_event()
    store.apply_calendar_batch(batch(stored), **WINDOW)
    assert store.apply_calendar_batch(batch(removed=("e1", "unknown")), **WINDOW) == 1
    assert store.event(stored.key) == dataclasses.replace(stored, status="cancelled")
    assert store.event(f"{CAL}/unknown") is None
    assert store.apply_calendar_batch(batch(removed=("e1",)), **WINDOW) == 0


def test_unknown_cancelled_event_is_stored_so_rules_can_see_it(store: Store) -> None:
    cancelled = make_event(status="cancelled")
    store.apply_calendar_batch(batch(cancelled), **WINDOW)
    assert store.event(cancelled.key) == cancelled


def test_a_failing_batch_changes_nothing(store: Store) -> None:
    store.apply_calendar_batch(batch(make_event("a")), **WINDOW)
    bad = make_event("b", hours=1, start=None)  # start=None cannot be stored
    with pytest.raises(AttributeError):
        store.apply_calendar_batch(batch(make_event("c", hours=2), bad, full=True), **WINDOW)
    assert ids(store) == ["a"]


def test_events_query_by_calendar_and_overlapping_window(store: Store) -> None:
    store.apply_calendar_batch(
        batch(make_event("late", hours=5), make_event("early", hours=0),
              make_event("mid", hours=2)), **WINDOW)
    work = make_event("w", hours=1, calendar="ics:work")
    store.apply_calendar_batch(batch(work, calendar="ics:work"), **WINDOW)
    assert ids(store) == ["early", "w", "mid", "late"]
    assert ids(store, calendar="ics:work") == ["w"]
    # "early" ends at 1 and "late" starts at 5: touching is not overlapping
    assert ids(store, start=at(1), end=at(5)) == ["w", "mid"]
    assert ids(store, start=at(1.5)) == ["w", "mid", "late"]
    assert ids(store, end=at(0.5)) == ["early"]


def test_a_batch_with_events_of_another_calendar_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="ics:work"):
        store.apply_calendar_batch(batch(make_event(calendar="ics:work")), **WINDOW)
    assert store.events() == []


def test_real_google_events_round_trip(corpus: Path, store: Store) -> None:
    """Events normalised from real events.list responses come back out unchanged."""
    from kaffe.connectors.google.normalize import UnreadableEvent, is_removal, normalize_event

    events = []
    for path in sorted((corpus / "calendar_json").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")).get("items", []):
            if isinstance(item, dict) and item.get("kind") == "calendar#event":
                with contextlib.suppress(UnreadableEvent):
                    if not is_removal(item):
                        events.append(normalize_event(item, CAL))
    assert events, "no readable events in the corpus"
    unique = {event.id: event for event in events}
    store.apply_calendar_batch(batch(*unique.values(), full=True), window_start=at(-1e6),
                               window_end=at(1e6))
    for event in unique.values():
        assert store.event(event.key) == event


def test_a_removed_series_id_cancels_every_stored_instance_of_it(store: Store) -> None:
    """Google sends one cancellation per instance; a server that sends one tombstone
    for the series id instead must not leave the stored instances standing."""
    weekly = [make_event(f"s1_2026031{d}T090000Z", hours=d, recurring_event_id="s1")
              for d in (1, 2, 3)]
    other = make_event("s2_20260311T090000Z", hours=1, recurring_event_id="s2")
    store.apply_calendar_batch(batch(*weekly, other, full=True), **WINDOW)
    assert store.apply_calendar_batch(batch(removed=("s1",)), **WINDOW) == 3
    status = {e.id: e.status for e in store.events()}
    assert [status[e.id] for e in weekly] == ["cancelled"] * 3
    assert status[other.id] == "confirmed"
    assert store.apply_calendar_batch(batch(removed=("s1",)), **WINDOW) == 0
