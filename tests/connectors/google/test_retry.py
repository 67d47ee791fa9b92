"""The retry policy: bounded, jittered waits; Retry-After honoured; a budget per call.

Every test injects ``rand`` and ``sleep``: nothing here waits on a real clock.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator

import httplib2
import pytest
from googleapiclient.errors import HttpError
from hypothesis import given
from hypothesis import strategies as st

from kaffe.connectors.google.http import execute
from kaffe.connectors.google.retry import DEFAULT_POLICY, RetryPolicy
from kaffe.errors import TransientError

POLICY = RetryPolicy(base=1.0, cap=32.0, retry_after_cap=120.0, retry_after_stretch=0.1,
                     retry_after_spread=0.5, budget=180.0)
unit = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


def rand_of(values: Iterator[float]) -> Callable[[], float]:
    """A ``rand`` that returns ``values`` in turn."""
    return lambda: next(values)


def test_waits_grow_with_the_highest_rand_and_stop_at_the_cap() -> None:
    waits = POLICY.waits(lambda: 0.999999)
    seen = [waits.next() for _ in range(5)]
    assert seen == pytest.approx([3.0, 9.0, 27.0, 32.0, 32.0], abs=1e-3)


def test_lowest_rand_waits_the_base_every_time() -> None:
    waits = POLICY.waits(lambda: 0.0)
    assert [waits.next() for _ in range(4)] == [1.0, 1.0, 1.0, 1.0]


@given(st.lists(unit, min_size=1, max_size=40))
def test_every_wait_is_between_base_and_cap_and_the_total_within_budget(
    rands: list[float],
) -> None:
    waits = POLICY.waits(rand_of(iter(rands + [0.5] * 40)))
    seen = []
    for _ in rands:
        wait = waits.next()
        if wait is None:
            break
        seen.append(wait)
    assert all(POLICY.base <= w <= POLICY.cap for w in seen)
    assert sum(seen) <= POLICY.budget


def test_jitter_spreads_clients_that_failed_together() -> None:
    firsts = {round(POLICY.waits(random.Random(seed).random).next() or 0, 6)
              for seed in range(20)}
    assert len(firsts) == 20


@given(st.floats(min_value=0.0, max_value=120.0), unit)
def test_retry_after_is_honoured_stretched_a_little_and_capped(asked: float, r: float) -> None:
    wait = POLICY.waits(lambda: r).next(asked)
    assert wait is not None
    assert asked <= wait <= min(asked * 1.1 + 0.5, POLICY.retry_after_cap)


def test_retry_after_zero_still_gets_a_little_spread() -> None:
    assert POLICY.waits(lambda: 0.999999).next(0.0) == pytest.approx(0.5, abs=1e-3)
    assert POLICY.waits(lambda: 0.0).next(0.0) == 0.0


def test_retry_after_beyond_the_cap_gives_up_instead_of_coming_back_early() -> None:
    assert POLICY.waits(lambda: 0.0).next(3600.0) is None


def test_negative_retry_after_counts_as_zero() -> None:
    assert POLICY.waits(lambda: 0.0).next(-5.0) == 0.0


def test_the_budget_ends_a_call_that_keeps_being_told_to_wait() -> None:
    waits = POLICY.waits(lambda: 0.0)
    assert [waits.next(60.0) for _ in range(4)] == [60.0, 60.0, 60.0, None]
    assert waits.spent == 180.0


class _Failing:
    """A request that fails ``times`` times with ``status``, then succeeds."""

    def __init__(self, times: int, status: int = 503, retry_after: str | None = None) -> None:
        self.times, self.status, self.retry_after, self.calls = times, status, retry_after, 0

    def execute(self, num_retries: int = 0) -> dict[str, bool]:
        self.calls += 1
        if self.calls <= self.times:
            headers = {"status": str(self.status)}
            if self.retry_after is not None:
                headers["retry-after"] = self.retry_after
            body = json.dumps({"error": {"code": self.status, "message": "x"}}).encode()
            raise HttpError(httplib2.Response(headers), body, uri="https://example.invalid/")
        return {"ok": True}


def test_execute_sleeps_the_policys_waits_and_succeeds() -> None:
    sleeps: list[float] = []
    request = _Failing(2)
    result = execute(request, "x", num_retries=3, sleep=sleeps.append, rand=lambda: 0.5,
                     policy=POLICY)
    assert result == {"ok": True} and request.calls == 3
    assert sleeps == [2.0, 3.5]  # 1 + 0.5 × (3 − 1), then 1 + 0.5 × (3 × 2 − 1)


def test_execute_gives_up_when_the_budget_is_spent_before_num_retries() -> None:
    sleeps: list[float] = []
    request = _Failing(100)
    policy = RetryPolicy(budget=20.0)
    with pytest.raises(TransientError, match="HTTP 503"):
        execute(request, "x", num_retries=20, sleep=sleeps.append, rand=lambda: 0.999999,
                policy=policy)
    assert sum(sleeps) <= 20.0 and len(sleeps) < 20
    assert request.calls == len(sleeps) + 1


def test_execute_honours_retry_after_from_the_header() -> None:
    sleeps: list[float] = []
    execute(_Failing(1, 429, retry_after="7"), "x", sleep=sleeps.append, rand=lambda: 0.5,
            policy=POLICY)
    assert sleeps == [pytest.approx(7.0 + 0.5 * (0.7 + 0.5))]


def test_execute_does_not_come_back_early_on_a_long_retry_after() -> None:
    sleeps: list[float] = []
    request = _Failing(1, 429, retry_after="3600")
    with pytest.raises(TransientError):
        execute(request, "x", sleep=sleeps.append, policy=POLICY)
    assert sleeps == [] and request.calls == 1


def test_default_policy_keeps_one_call_under_three_minutes() -> None:
    assert DEFAULT_POLICY.budget <= 180.0 and DEFAULT_POLICY.cap <= DEFAULT_POLICY.budget
    assert DEFAULT_POLICY.retry_after_cap <= DEFAULT_POLICY.budget
