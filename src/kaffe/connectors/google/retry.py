"""How long to wait before retrying a Google call: bounded and jittered.

Without ``Retry-After`` the waits follow *decorrelated jitter* (AWS
Architecture Blog, "Exponential Backoff And Jitter"): each wait is drawn
uniformly from ``[base, 3 × previous wait]`` and capped, so many clients that
failed together do not retry together, and the waits still grow. A server's
``Retry-After`` is honoured, stretched a little (never shortened) so clients
told the same second spread out, and capped; when the server asks for longer
than the cap the call gives up instead of coming back early. Every call also
has a total budget: the daemon is never parked for long on one request, and
what did not finish is picked up by the next cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Rand = Callable[[], float]  # uniform in [0, 1), like random.random


@dataclass(frozen=True)
class RetryPolicy:
    """The bounds on the waits between the attempts of one call, in seconds."""

    base: float = 1.0  # the shortest wait without Retry-After
    cap: float = 32.0  # the longest single wait without Retry-After
    retry_after_cap: float = 120.0  # the longest wait a Retry-After can ask for
    retry_after_stretch: float = 0.1  # Retry-After grows by up to this share ...
    retry_after_spread: float = 0.5  # ... plus up to this many seconds
    budget: float = 180.0  # the most one call waits in total

    def waits(self, rand: Rand) -> Waits:
        """A fresh wait schedule for one call."""
        return Waits(self, rand)


DEFAULT_POLICY = RetryPolicy()


class Waits:
    """The successive waits of one call; :meth:`next` returns None to give up."""

    def __init__(self, policy: RetryPolicy, rand: Rand) -> None:
        self.policy = policy
        self.rand = rand
        self.spent = 0.0
        self._previous = policy.base

    def next(self, retry_after: float | None = None) -> float | None:
        """The wait before the next attempt, or None when the call should give up."""
        if retry_after is None:
            wait: float | None = self._decorrelated()
        else:
            wait = self._honour(retry_after)
        if wait is None or self.spent + wait > self.policy.budget:
            return None
        self.spent += wait
        return wait

    def _decorrelated(self) -> float:
        policy = self.policy
        upper = max(policy.base, 3 * self._previous)
        self._previous = min(policy.cap, policy.base + self.rand() * (upper - policy.base))
        return self._previous

    def _honour(self, retry_after: float) -> float | None:
        policy = self.policy
        asked = max(retry_after, 0.0)
        if asked > policy.retry_after_cap:
            log.info("the server asked to wait %.0fs, above the %.0fs cap: giving up for now",
                     asked, policy.retry_after_cap)
            return None
        extra = self.rand() * (asked * policy.retry_after_stretch + policy.retry_after_spread)
        return min(asked + extra, policy.retry_after_cap)
