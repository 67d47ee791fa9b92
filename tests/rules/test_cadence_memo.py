"""The rules' caches across cycles give what a computation from scratch gives.

A steady daemon asks the same questions with the same snapshot objects and a later
``now`` every cycle; the caches keep answers until the next moment they could change.
These tests walk the clock over random histories, across every such moment, and
compare each cached answer with a fresh one.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from kaffe.config.schema import DripConfig
from kaffe.model import DONE, PENDING, SKIPPED, Snapshot
from kaffe.rules import cadence
from kaffe.rules.cadence import hold, met_contacts
from kaffe.rules.reuse import Reuse

from .factories import (
    ANA_EMAIL,
    START,
    guest,
    ledger_entry,
    mail,
    mailbox,
    make_config,
    make_event,
    me_attendee,
)

DAY = timedelta(days=1)


def history(rng: random.Random) -> Snapshot:
    """Mail both ways and kaffe drafts of every kind and state over ~2 years."""
    def when() -> timedelta:
        return timedelta(hours=rng.randrange(0, 2 * 365 * 24))

    messages = [mail(rng.choice(("sent", "received")), START + when(), n=n)
                for n in range(rng.randrange(0, 8))]
    entries = {}
    for n in range(rng.randrange(0, 8)):
        kind = rng.choice(("followup", "drip", "checkin"))
        key = f"{kind}:{ANA_EMAIL}:{n}"
        entries[key] = ledger_entry(key, rng.choice((DONE, DONE, PENDING, SKIPPED)), kind=kind,
                                    contact=ANA_EMAIL, updated=START + when())
    return Snapshot(interactions=mailbox(*messages), ledger=entries)


def moments(snapshot: Snapshot, config, rng: random.Random) -> list:
    """Random moments plus every boundary the hold could change at, and just before."""
    times = [START + timedelta(hours=rng.randrange(0, 3 * 365 * 24)) for _ in range(30)]
    gap = timedelta(days=config.drip.min_gap_days)
    for entry in snapshot.ledger.values():
        times += [entry.updated, entry.updated + gap, entry.updated + cadence.YEAR]
    for item in snapshot.interactions.get(ANA_EMAIL, ()):
        times += [item.at, item.at + gap]
    times += [t - timedelta(seconds=1) for t in list(times)]
    return sorted(times)


@pytest.mark.parametrize("seed", range(60))
def test_hold_kept_across_cycles_equals_hold_from_scratch(seed: int) -> None:
    rng = random.Random(seed)
    snapshot = history(rng)
    config = make_config(drip=replace(DripConfig(), min_gap_days=rng.choice((1, 7, 30)),
                                      max_per_year=rng.choice((0, 1, 2, 6)),
                                      max_unanswered=rng.choice((1, 2, 3))))  # fmt: skip
    reuse = Reuse()
    for now in moments(snapshot, config, rng):
        kept = hold(snapshot, ANA_EMAIL, now, config, reuse)
        assert kept == cadence._hold(snapshot, ANA_EMAIL, now, config), now


def test_hold_is_asked_again_when_the_ledger_changes() -> None:
    snapshot = Snapshot(ledger={})
    config, reuse = make_config(), Reuse()
    now = START + 10 * DAY
    assert hold(snapshot, ANA_EMAIL, now, config, reuse) is None
    key = f"drip:{ANA_EMAIL}:a1"
    drafted = Snapshot(ledger={key: ledger_entry(key, DONE, kind="drip", contact=ANA_EMAIL,
                                                 updated=now - DAY)})  # fmt: skip
    held = hold(drafted, ANA_EMAIL, now + timedelta(minutes=15), config, reuse)
    assert held is not None and "next one possible from" in held.reason


def test_hold_going_back_in_time_is_computed_afresh() -> None:
    key = f"drip:{ANA_EMAIL}:a1"
    snapshot = Snapshot(ledger={key: ledger_entry(key, DONE, kind="drip", contact=ANA_EMAIL,
                                                  updated=START + 5 * DAY)})  # fmt: skip
    config, reuse = make_config(), Reuse()
    assert hold(snapshot, ANA_EMAIL, START + 6 * DAY, config, reuse) is not None
    assert hold(snapshot, ANA_EMAIL, START + 4 * DAY, config, reuse) is None  # before the drip


def test_met_contacts_follows_the_clock_and_the_meetings() -> None:
    people = [f"p{i}@other.example" for i in range(5)]
    meetings = [make_event(id=f"e{i}", uid=f"e{i}@x", start=START + i * DAY,
                           attendees=(me_attendee(), guest(p, "P")))
                for i, p in enumerate(people)]  # fmt: skip
    config, reuse = make_config(), Reuse()
    for hours in range(0, 6 * 24, 7):
        now = START + timedelta(hours=hours)
        expected = {p for p, e in zip(people, meetings, strict=True) if e.end <= now}
        assert set(met_contacts(meetings, now, config, reuse)) == expected
    cancelled = [*meetings[:2], replace(meetings[2], status="cancelled")]
    assert set(met_contacts(cancelled, START + 9 * DAY, config, reuse)) == set(people[:2])
