"""kaffe's own pace under Gmail's per-user quota: a token bucket in quota units.

Gmail refuses a user's calls past a limit of quota units per minute (6,000 for
projects created from May 2026, 15,000 before), counted per user *and project*
but shared with nothing else of kaffe's; other apps of the same user spend their
own. Retrying after a refusal works but wastes the attempt and, when many parts
of a batch are refused, a whole chunk's retries: kaffe rather waits *before* a
call until its units fit. The bucket refills at ``share × limit`` per minute
and holds at most ``burst`` units, so no sliding minute ever sees more than
``share × limit + burst`` — under the limit while ``burst`` stays below the
margin. The clock and the sleep are injected: tests and the bench never wait
on a real clock.

Every Gmail call kaffe makes draws from one bucket per account per process
(:func:`shared_bucket`): the mail source's reads, the draft sink's look-ups and
drafts, the profile look-up. Google counts them all against the same limit, so a
draft made right after a first sync must wait its turn like the sync's reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]  # seconds, monotonic
Sleep = Callable[[float], None]

# Gmail quota units per call (developers.google.com/gmail/api/reference/quota).
QUOTA_UNITS = {
    "users.getProfile": 1, "users.history.list": 2, "users.messages.list": 5,
    "users.messages.get": 5, "users.drafts.list": 5, "users.drafts.get": 5,
    "users.drafts.create": 10, "users.threads.get": 10,
}

GOOGLE_LIMIT = 6000  # quota units per user per minute (Google's quota page, 2026)
DEFAULT_SHARE = 0.8  # the rest is left to other apps the user runs on the same project


class QuotaBucket:
    """Waits before each call until its quota units are available."""

    def __init__(
        self, per_minute: float = GOOGLE_LIMIT * DEFAULT_SHARE, *, burst: float | None = None,
        clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("the quota per minute must be positive")
        self.rate = per_minute / 60.0  # units a second
        # One batch of 50 metadata reads is 250 units; half the margin is plenty.
        self.burst = burst if burst is not None else max(per_minute * 0.05, 500.0)
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._at = clock()
        self.waited = 0.0  # seconds slept so far, for the logs and the bench

    @property
    def per_minute(self) -> float:
        """The refill rate in units a minute."""
        return self.rate * 60.0

    def fits(self, units_per_call: int, most: int) -> int:
        """How many calls of ``units_per_call`` one request may carry (1..``most``): a
        batch never costs more than the bucket holds, so it can always be paid for."""
        if units_per_call <= 0:
            return most
        return max(1, min(most, int(self.burst // units_per_call)))

    def take(self, units: int) -> float:
        """Spend ``units``, first sleeping until they are there; returns the wait."""
        if units <= 0:
            return 0.0
        with self._lock:
            self._refill()
            self._tokens -= units  # may go below zero: a call larger than the burst
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self.waited += wait
            self.sleep(wait)
        return wait

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now


def bucket_for(
    limit: int, share: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
) -> QuotaBucket:
    """kaffe's bucket under Google's ``limit``: ``share`` of it a minute, and a burst of
    two batches of metadata reads (500 units; less under a small limit), the refill
    lowered where needed so that refill plus burst never pass ``limit`` in any minute."""
    burst = min(500.0, limit / 10)
    return QuotaBucket(min(limit * share, limit - burst), burst=burst, clock=clock, sleep=sleep)


_SHARED: dict[tuple[object, ...], QuotaBucket] = {}
_SHARED_LOCK = threading.Lock()


def shared_bucket(
    account: str, limit: int, share: float, *, clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> QuotaBucket:
    """The process's one bucket for ``account`` (:func:`bucket_for` on first use).

    Opened again (a reload, SIGHUP) with the same settings, the same bucket comes
    back, so what was spent just before still counts; changed settings get a new one."""
    key = (account, limit, share, clock, sleep)
    with _SHARED_LOCK:
        bucket = _SHARED.get(key)
        if bucket is None:
            bucket = _SHARED[key] = bucket_for(limit, share, clock=clock, sleep=sleep)
        return bucket

