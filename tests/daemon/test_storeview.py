"""The store view as the clock moves its event window on: what a fresh read gives,
from the objects it already read (no second copy of the events table in memory)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kaffe.daemon.storeview import RELOAD_AHEAD, StoreView, read_snapshot
from kaffe.model import CalendarBatch, Event
from kaffe.store import Store
from tests.rules.factories import START, make_config, make_event

NOW = START - timedelta(days=1)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


def put_events(store: Store, *events: Event) -> None:
    store.apply_calendar_batch(CalendarBatch("google:primary", events, "tok", full=False),
                               window_start=NOW - timedelta(days=400),
                               window_end=NOW + timedelta(days=90))


def every_day() -> list[Event]:
    """An event a day, some spanning midnight, so that window edges cut through them."""
    return [make_event(id=f"e{n}", uid=f"e{n}@x", start=NOW + timedelta(days=n, hours=n % 30),
                       end=NOW + timedelta(days=n, hours=n % 30 + 1 + n % 3))
            for n in range(-200, 60)]


def test_a_moving_window_reads_what_a_fresh_read_gives(store: Store) -> None:
    config = make_config()
    put_events(store, *every_day())
    view = StoreView(store)
    for quarter in range(0, 4 * 24 * 5, 7):  # five days in uneven steps
        now = NOW + timedelta(minutes=15 * quarter)
        assert view.snapshot(now, config).events == read_snapshot(store, now, config).events


def test_an_event_still_in_the_window_stays_the_same_object(store: Store) -> None:
    config = make_config()
    put_events(store, *every_day())
    view = StoreView(store)
    first = {e.key: e for e in view.snapshot(NOW, config).events}
    later = view.snapshot(NOW + RELOAD_AHEAD * 3, config).events
    kept = [e for e in later if e.key in first]
    assert kept and all(e is first[e.key] for e in kept)
    assert view.snapshot(NOW + RELOAD_AHEAD * 3, config).events is later


def test_a_changed_table_is_read_again(store: Store) -> None:
    config = make_config()
    put_events(store, *every_day())
    view = StoreView(store)
    view.snapshot(NOW, config)
    put_events(store, make_event(id="new", uid="new@x", start=NOW + timedelta(days=2, hours=3)))
    now = NOW + RELOAD_AHEAD * 2
    assert view.snapshot(now, config).events == read_snapshot(store, now, config).events
