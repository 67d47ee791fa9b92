"""Recurring meetings: a follow-up after the first occurrence, later ones only with
something new (notes, topics of their own, a long gap); prep briefs likewise; and
regular meetings count as being in touch for check-ins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaffe.model import DONE, DUE, SKIPPED, WAITING, Action, Event, Topic
from kaffe.rules.plan import evaluate
from kaffe.rules.series import LONG_GAP, previous_slot, series_id

from .factories import ANA_EMAIL, ledger_entry, make_config, make_event, make_snapshot

FIRST = datetime(2026, 2, 27, 15, 0, tzinfo=UTC)  # a Friday, fortnightly from here
UID = "mentor@google.com"


def occurrence(n: int, *, every: timedelta = timedelta(days=14), **overrides) -> Event:
    """The ``n``-th occurrence (from 0) of a recurring coffee with Ana."""
    start = FIRST + n * every
    fields = {"id": f"mentor_{start:%Y%m%dT%H%M%SZ}", "uid": UID, "recurring_event_id": "mentor",
              "original_start": start, "start": start, "minutes": 45}
    return make_event(**{**fields, **overrides})


def series(count: int, **overrides) -> tuple[Event, ...]:
    return tuple(occurrence(n, **overrides) for n in range(count))


def actions(now: datetime, events, kind: str, config=None, **snapshot) -> dict[str, Action]:
    plan = evaluate(make_snapshot(*events, **snapshot), now, config or make_config())
    return {a.key: a for a in plan.actions if a.kind == kind}


def key(kind: str, n: int, every: timedelta = timedelta(days=14)) -> str:
    return f"{kind}:{UID}@{FIRST + n * every:%Y%m%dT%H%M%SZ}"


def after(n: int, every: timedelta = timedelta(days=14)) -> datetime:
    """Three hours after occurrence ``n`` began: its follow-up is due."""
    return FIRST + n * every + timedelta(hours=3)


def note(text: str, at: datetime, source: str = "notes:ana.md") -> Topic:
    return Topic(ANA_EMAIL, text, source, at)


# --- follow-ups ----------------------------------------------------------------------

def test_the_first_occurrence_gets_its_followup() -> None:
    found = actions(after(0), series(4), "followup")
    assert found[key("followup", 0)].state == DUE


def test_a_later_occurrence_waits_for_something_new_and_then_goes_stale() -> None:
    ledger = {key("followup", 0): ledger_entry(key("followup", 0), DONE, contact=ANA_EMAIL)}
    later = actions(after(1), series(4), "followup", ledger=ledger)[key("followup", 1)]
    assert later.state == WAITING
    assert "a later occurrence of a recurring meeting (previous 2026-02-27)" in later.reason
    stale = actions(after(1) + timedelta(days=8), series(4), "followup", ledger=ledger)
    assert stale[key("followup", 1)].state == SKIPPED
    assert stale[key("followup", 1)].reason.endswith("nothing new came before it went stale")


@pytest.mark.parametrize(
    ("topics", "why"),
    [
        ([note("hiring a data lead", FIRST + timedelta(days=10))], "notes on ana@partner.example"),
        ([note("pricing", FIRST + timedelta(days=10), source="note")], "notes on"),
    ],
)
def test_notes_since_the_previous_occurrence_bring_the_followup_back(topics, why) -> None:
    found = actions(after(1), series(4), "followup", topics={ANA_EMAIL: tuple(topics)})
    assert found[key("followup", 1)].state == DUE
    assert why in found[key("followup", 1)].reason


def test_notes_from_before_the_previous_occurrence_are_not_new() -> None:
    old = {ANA_EMAIL: (note("hiring a data lead", FIRST - timedelta(days=3)),)}
    assert actions(after(1), series(4), "followup", topics=old)[key("followup", 1)].state == WAITING


def test_topics_of_its_own_count_but_the_series_description_does_not() -> None:
    events = series(4)
    shared = tuple(Topic(ANA_EMAIL, "data mesh", f"event:{e.key}", e.start) for e in events)
    agenda = Topic(ANA_EMAIL, "board seat", f"event:{events[1].key}", events[1].start)
    plain = actions(after(1), events, "followup", topics={ANA_EMAIL: shared})
    assert plain[key("followup", 1)].state == WAITING
    own = actions(after(1), events, "followup", topics={ANA_EMAIL: (*shared, agenda)})
    assert own[key("followup", 1)].state == DUE
    assert 'topics of its own ("board seat")' in own[key("followup", 1)].reason


def test_a_long_gap_since_the_previous_occurrence_is_something_new() -> None:
    quarterly = timedelta(days=91)
    found = actions(after(1, quarterly), series(3, every=quarterly), "followup")
    assert found[key("followup", 1, quarterly)].state == DUE
    assert "91 days since the previous occurrence" in found[key("followup", 1, quarterly)].reason
    assert LONG_GAP == timedelta(days=60)


def test_the_ledger_knows_earlier_occurrences_beyond_the_sync_window() -> None:
    """Only occurrence 3 is in the window; the ledger holds a skipped follow-up for 2."""
    ledger = {key("followup", 2): ledger_entry(key("followup", 2), SKIPPED)}
    only = (occurrence(3),)
    assert actions(after(3), only, "followup")[key("followup", 3)].state == DUE
    assert actions(after(3), only, "followup", ledger=ledger)[key("followup", 3)].state == WAITING


def test_cancelled_and_declined_occurrences_are_not_the_previous_one() -> None:
    from .factories import guest, me_attendee

    first = occurrence(0, status="cancelled")
    snap = make_snapshot(first, occurrence(1))
    assert previous_slot(occurrence(1), snap) is None
    declined = occurrence(0, attendees=(me_attendee(response="declined"), guest()))
    assert previous_slot(occurrence(1), make_snapshot(declined, occurrence(1))) is None
    assert previous_slot(occurrence(1), make_snapshot(occurrence(0), occurrence(1))) == FIRST


def test_a_one_off_has_no_series() -> None:
    assert series_id(make_event()) == ""
    assert previous_slot(make_event(), make_snapshot(make_event())) is None


@settings(deadline=None, max_examples=25)
@given(st.integers(min_value=2, max_value=20), st.integers(min_value=1, max_value=59))
def test_a_regular_series_without_notes_gets_one_followup_in_total(count: int, days: int) -> None:
    """Walk a series with any interval under the long gap, drafting what is due each
    time: exactly one follow-up, whatever the number of occurrences."""
    every = timedelta(days=days)
    events = series(count, every=every)
    ledger: dict = {}
    for n in range(count):
        now = after(n, every)
        for action in actions(now, events, "followup", ledger=ledger).values():
            if action.state == DUE:
                ledger[action.key] = ledger_entry(action.key, DONE, updated=now,
                                                  contact=ANA_EMAIL)
    assert list(ledger) == [key("followup", 0, every)]


# --- prep briefs ---------------------------------------------------------------------

def test_prep_brief_before_the_first_occurrence_only() -> None:
    before = FIRST - timedelta(hours=2)
    assert actions(before, series(3), "prep")[key("prep", 0)].state == DUE
    later = actions(FIRST + timedelta(days=14) - timedelta(hours=2), series(3), "prep")
    assert later[key("prep", 1)].state == WAITING
    assert "a later occurrence of a recurring meeting" in later[key("prep", 1)].reason


def test_prep_brief_for_a_later_occurrence_with_new_notes() -> None:
    now = FIRST + timedelta(days=14) - timedelta(hours=2)
    topics = {ANA_EMAIL: (note("hiring a data lead", FIRST + timedelta(days=3)),)}
    assert actions(now, series(3), "prep", topics=topics)[key("prep", 1)].state == DUE


# --- check-ins -----------------------------------------------------------------------

def test_regular_meetings_count_as_being_in_touch_for_checkins() -> None:
    """A year of fortnightly coffees and no mail: no check-in after 'long silence'."""
    every = timedelta(days=14)
    events = series(27, every=every)
    for now in (after(n, every) + timedelta(days=1) for n in (10, 20, 26)):
        assert actions(now, events, "checkin") == {}
    quiet = after(26, every) + timedelta(days=130)  # the series ended: silence is real
    assert len(actions(quiet, events, "checkin")) == 1
