"""Injected failures and slow replies, answered before any routing.

Three kinds, all thread-safe:

- a *scripted* queue: "the next N requests matching a path fail with 503";
- a *random* mode (:class:`Chaos`) from a seeded RNG: a share of requests fail
  with 429/500/503 (with and without ``Retry-After``), a share are answered
  late, and a share of writes are carried out but answered 5xx (the lost reply
  that makes a client look before it retries);
- a fixed *latency* added to every request, as a far-away server would.

Neither mode touches the OAuth token endpoint unless asked: otherwise "the
next request fails" would hit the client's token refresh instead of the API.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kaffe.emulator.wire import ApiError

logger = logging.getLogger(__name__)

TOKEN_PATH = "/token"
RetryAfter = float | None


@dataclass
class _Fault:
    remaining: int
    path_contains: str
    status: int = 0
    retry_after: float | None = None
    delay: float = 0.0
    method: str = ""  # "" matches every method

    def matches(self, path: str, method: str) -> bool:
        if self.method and method and self.method != method:
            return False
        return _targets(path, self.path_contains, include_token=False)


@dataclass(frozen=True)
class Chaos:
    """Random faults: each request fails with probability ``rate`` and is answered
    late (by ``slow[0]``..``slow[1]`` seconds) with probability ``slow_rate``; a
    write fails *after* being carried out with probability ``lost_rate``."""

    rate: float
    statuses: tuple[int, ...] = (429, 500, 503)
    retry_after: tuple[RetryAfter, ...] = (None, 0.0, 1.0)
    slow_rate: float = 0.0
    slow: tuple[float, float] = (0.02, 0.05)
    lost_rate: float = 0.0
    path_contains: str = ""
    include_token: bool = False

    def __post_init__(self) -> None:
        for name in ("rate", "slow_rate", "lost_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if not self.statuses or not self.retry_after:
            raise ValueError("statuses and retry_after need at least one value each")
        if not 0.0 <= self.slow[0] <= self.slow[1]:
            raise ValueError(f"slow must be (low, high) seconds with low <= high: {self.slow}")

    def targets(self, path: str) -> bool:
        """True when random faults may hit ``path``."""
        return _targets(path, self.path_contains, include_token=self.include_token)


@dataclass
class FaultStats:
    """How many faults were injected so far (scripted and random)."""

    errors: int = 0
    delays: int = 0
    lost_replies: int = 0
    by_status: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly counts (status keys as strings)."""
        by_status = {str(k): v for k, v in sorted(self.by_status.items())}
        return {"errors": self.errors, "delays": self.delays,
                "lost_replies": self.lost_replies, "by_status": by_status}


class Faults:
    """Scripted faults, random faults and a fixed latency for the emulator's requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._chaos: Chaos | None = None
        self._rng = random.Random(0)
        self.latency = 0.0
        self.stats = FaultStats()

    # -- scripted ------------------------------------------------------------------------
    def inject(
        self,
        status: int,
        *,
        count: int = 1,
        retry_after: float | None = None,
        path_contains: str = "",
        method: str = "",
    ) -> None:
        """The next ``count`` requests matching ``path_contains`` (and ``method``, when
        given) fail with ``status``."""
        fault = _Fault(count, path_contains, status=status, retry_after=retry_after,
                       method=method.upper())
        with self._lock:
            self._errors.append(fault)
        logger.info("fault injected: %d x%d on %r", status, count, path_contains or "*")

    def inject_delay(self, seconds: float, *, count: int = 1, path_contains: str = "") -> None:
        """The next ``count`` matching requests are answered ``seconds`` late."""
        with self._lock:
            self._delays.append(_Fault(count, path_contains, delay=seconds))

    # -- random and latency ----------------------------------------------------------------
    def set_random(self, chaos: Chaos | None, *, seed: int | None = None) -> None:
        """Start random faults (``None`` stops them); ``seed`` makes them repeatable."""
        with self._lock:
            self._chaos = chaos
            self._rng = random.Random(seed)
        logger.info("random faults: %s", chaos if chaos else "off")

    def set_latency(self, seconds: float) -> None:
        """Answer every request (the token endpoint too) ``seconds`` late; 0 turns it off."""
        if seconds < 0:
            raise ValueError(f"latency must not be negative, got {seconds}")
        with self._lock:
            self.latency = seconds

    # -- consumed by the app -----------------------------------------------------------------
    def take_delay(self, path: str, *, latency: bool = True) -> float:
        """The latency (unless ``latency`` is False: a batch part rides on its batch's
        round trip) plus a scripted or random delay for this request; 0.0 for none."""
        fault = self._take(self._delays, path, "")
        with self._lock:
            extra = fault.delay if fault else self._random_delay(path)
            if extra > 0:
                self.stats.delays += 1
            return (self.latency if latency else 0.0) + extra

    def take_error(self, path: str, method: str = "") -> ApiError | None:
        """The scripted error due for this request, else maybe a random one."""
        fault = self._take(self._errors, path, method)
        with self._lock:
            if fault is not None:
                return self._error(fault.status, fault.retry_after)
            chaos = self._chaos
            if chaos is None or not chaos.targets(path) or self._rng.random() >= chaos.rate:
                return None
            status = self._rng.choice(chaos.statuses)
            return self._error(status, self._rng.choice(chaos.retry_after))

    def take_lost_reply(self, method: str, path: str) -> ApiError | None:
        """For a write already carried out: maybe answer 5xx anyway (a lost reply)."""
        with self._lock:
            chaos = self._chaos
            if chaos is None or method == "GET" or not chaos.targets(path):
                return None
            if self._rng.random() >= chaos.lost_rate:
                return None
            servers = [s for s in chaos.statuses if s >= 500] or [500]
            self.stats.lost_replies += 1
            return self._error(self._rng.choice(servers), None)

    def _random_delay(self, path: str) -> float:
        chaos = self._chaos
        if chaos is None or not chaos.targets(path) or self._rng.random() >= chaos.slow_rate:
            return 0.0
        return self._rng.uniform(*chaos.slow)

    def _error(self, status: int, retry_after: float | None) -> ApiError:
        self.stats.errors += 1
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = _format_seconds(retry_after)
        return ApiError(status, headers=headers)

    def _take(self, queue: list[_Fault], path: str, method: str) -> _Fault | None:
        with self._lock:
            for fault in queue:
                if fault.matches(path, method):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.remove(fault)
                    return fault
        return None


def _targets(path: str, path_contains: str, *, include_token: bool) -> bool:
    """A fault without a path filter targets the APIs, not the token endpoint."""
    if path_contains:
        return path_contains in path
    return include_token or path != TOKEN_PATH


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)



_CHAOS_KEYS = frozenset({"rate", "statuses", "retry_after", "slow_rate", "slow", "lost_rate",
                         "path_contains", "include_token"})


def chaos_from_json(spec: Mapping[str, Any]) -> Chaos:
    """A :class:`Chaos` from the control endpoint's JSON; ValueError/TypeError if malformed."""
    unknown = set(spec) - _CHAOS_KEYS
    if unknown or "rate" not in spec:
        raise ValueError(f'random faults need "rate"; unknown keys: {sorted(unknown)}')
    low, high = spec.get("slow", Chaos.slow)
    return Chaos(
        rate=float(spec["rate"]),
        statuses=tuple(int(s) for s in spec.get("statuses", Chaos.statuses)),
        retry_after=tuple(_seconds(v) for v in spec.get("retry_after", Chaos.retry_after)),
        slow_rate=float(spec.get("slow_rate", 0.0)),
        slow=(float(low), float(high)),
        lost_rate=float(spec.get("lost_rate", 0.0)),
        path_contains=str(spec.get("path_contains", "")),
        include_token=bool(spec.get("include_token", False)),
    )


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


def cli_chaos(rate: float, slow: float) -> Chaos | None:
    """``kaffe emulator --fault-rate --slow-ms``: ``rate`` of the requests fail and the
    same share is answered up to ``slow`` seconds late; None when both are off."""
    if not rate and not slow:
        return None
    if slow < 0:
        raise ValueError(f"the slow-reply delay must not be negative, got {slow:g}s")
    return Chaos(rate, slow_rate=rate if slow else 0.0, slow=(0.0, slow))


def check_latency(seconds: float) -> float:
    """``seconds`` when it is a usable latency; ValueError otherwise."""
    if seconds < 0:
        raise ValueError(f"the latency must not be negative, got {seconds:g}s")
    return seconds
