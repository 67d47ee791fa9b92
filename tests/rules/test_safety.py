"""The [safety] draft caps: per cycle and per 24 hours, every kind together; what is
held back waits (not recorded), the draft lost soonest goes first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaffe.config.schema import SafetyConfig
from kaffe.model import DONE, DUE, PENDING, SKIPPED, WAITING, Action, LedgerEntry, Snapshot
from kaffe.rules.safety import apply_caps

from .factories import make_config

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def action(kind: str, n: int, *, state: str = DUE, due: timedelta = timedelta(hours=-1),
           score: float = 0.0) -> Action:
    return Action(kind=kind, key=f"{kind}:{n}", state=state, reason=f"{kind} {n} is due",
                  due_at=NOW + due, context={"score": score})


def drafted(n: int, *, ago: timedelta, state: str = DONE) -> dict[str, LedgerEntry]:
    return {f"old:{i}": LedgerEntry(f"old:{i}", "followup", state, NOW - ago) for i in range(n)}


def cap(actions, ledger=None, *, cycle: int = 10, day: int = 25):
    config = make_config(safety=SafetyConfig(max_drafts_per_cycle=cycle, max_drafts_per_day=day))
    return apply_caps(actions, Snapshot(ledger=ledger or {}), NOW, config)


def states(actions) -> dict[str, str]:
    return {a.key: a.state for a in actions}


def test_under_the_caps_nothing_changes() -> None:
    plan = [action("followup", n) for n in range(10)]
    assert cap(plan) == (tuple(plan), None)


@pytest.mark.parametrize(
    ("due", "ledger", "cycle", "day", "kept", "warning"),
    [
        (14, {}, 10, 25, 10, "cap reached: 4 drafts held back until the next cycle "
                             "(max_drafts_per_cycle = 10)"),
        (14, drafted(20, ago=timedelta(hours=3)), 10, 25, 5,
         "cap reached: 9 drafts held back until 2026-03-10 09:00 UTC (max_drafts_per_day = 25)"),
        (3, drafted(25, ago=timedelta(hours=23)), 10, 25, 0,
         "cap reached: 3 drafts held back until 2026-03-09 13:00 UTC (max_drafts_per_day = 25)"),
        # a day ago no longer counts; skipped entries never do
        (3, drafted(25, ago=timedelta(hours=24)), 10, 25, 3, None),
        (3, drafted(25, ago=timedelta(hours=1), state=SKIPPED), 10, 25, 3, None),
        (3, {}, 1, 25, 1, "cap reached: 2 drafts held back until the next cycle "
                          "(max_drafts_per_cycle = 1)"),
    ],
)
def test_caps(due, ledger, cycle, day, kept, warning) -> None:
    plan = [action("followup", n, due=timedelta(hours=-n)) for n in range(due)]
    capped, found = cap(plan, ledger, cycle=cycle, day=day)
    assert sum(1 for a in capped if a.state == DUE) == kept
    assert (found.warning() if found else None) == warning
    for held in (a for a in capped if a.state == WAITING):
        assert held.reason.startswith(f"held back: {warning}; would draft: followup ")


def test_the_draft_lost_soonest_goes_first() -> None:
    """A prep brief (its meeting starts in 23 h) before a follow-up going stale in six
    days, before a fresh one, before check-ins and drips; among those the best first."""
    plan = [
        action("drip", 1, score=5.0),
        action("checkin", 1),
        action("drip", 2, score=9.0),
        action("followup", 1, due=timedelta(hours=-1)),
        action("followup", 2, due=timedelta(days=-1)),
        action("prep", 1),
    ]
    for room, first in enumerate(
        ["prep:1", "followup:2", "followup:1", "checkin:1", "drip:2", "drip:1"], start=1
    ):
        capped, _ = cap(plan, cycle=room)
        assert states(capped)[first] == DUE
        assert sum(1 for a in capped if a.state == DUE) == room


def test_a_pending_draft_is_never_held_back_but_takes_its_place() -> None:
    plan = [action("followup", n) for n in range(3)]
    entry = LedgerEntry("followup:2", "followup", PENDING, NOW - timedelta(hours=1))
    pending = {entry.key: entry}
    capped, found = cap(plan, pending, cycle=2)
    assert states(capped)["followup:2"] == DUE
    assert sum(1 for a in capped if a.state == DUE) == 2
    assert found is not None and found.held == 1


def test_waiting_skipped_and_done_actions_are_left_alone() -> None:
    plan = [action("followup", 0, state=WAITING), action("followup", 1, state=SKIPPED),
            action("followup", 2, state=DONE), *(action("drip", n) for n in range(3))]
    capped, found = cap(plan, cycle=1)
    assert [a.state for a in capped[:3]] == [WAITING, SKIPPED, DONE]
    assert found is not None and found.held == 2


@given(
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=1, max_value=40),
)
def test_never_more_than_either_cap(due: int, today: int, cycle: int, day: int) -> None:
    plan = [action(("followup", "prep", "drip", "checkin")[n % 4], n) for n in range(due)]
    capped, found = cap(plan, drafted(today, ago=timedelta(hours=2)), cycle=cycle, day=day)
    new = sum(1 for a in capped if a.state == DUE)
    assert new <= cycle and new <= max(0, day - today)
    assert (found is None) == (new == due)
    assert found is None or found.held == due - new
    assert [a.key for a in capped] == [a.key for a in plan]
