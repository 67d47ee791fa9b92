"""Injected failures and slow replies, answered before any routing."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from kaffe.emulator.wire import ApiError

logger = logging.getLogger(__name__)

TOKEN_PATH = "/token"


@dataclass
class _Fault:
    remaining: int
    path_contains: str
    status: int = 0
    retry_after: float | None = None
    delay: float = 0.0

    def matches(self, path: str) -> bool:
        # A fault without a path filter targets the APIs, not the token endpoint:
        # otherwise "the next request fails" would hit the client's token refresh.
        if not self.path_contains:
            return path != TOKEN_PATH
        return self.path_contains in path


class Faults:
    """A thread-safe queue of pending errors and delays."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: list[_Fault] = []
        self._delays: list[_Fault] = []

    def inject(
        self,
        status: int,
        *,
        count: int = 1,
        retry_after: float | None = None,
        path_contains: str = "",
    ) -> None:
        """The next ``count`` requests matching ``path_contains`` fail with ``status``."""
        fault = _Fault(count, path_contains, status=status, retry_after=retry_after)
        with self._lock:
            self._errors.append(fault)
        logger.info("fault injected: %d x%d on %r", status, count, path_contains or "*")

    def inject_delay(self, seconds: float, *, count: int = 1, path_contains: str = "") -> None:
        """The next ``count`` matching requests are answered ``seconds`` late."""
        with self._lock:
            self._delays.append(_Fault(count, path_contains, delay=seconds))

    def take_delay(self, path: str) -> float:
        """Consume the first matching delay; 0.0 when none is pending."""
        fault = self._take(self._delays, path)
        return fault.delay if fault else 0.0

    def take_error(self, path: str) -> ApiError | None:
        """Consume the first matching error fault and return it as an ApiError."""
        fault = self._take(self._errors, path)
        if fault is None:
            return None
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = _format_seconds(fault.retry_after)
        return ApiError(fault.status, headers=headers)

    def _take(self, queue: list[_Fault], path: str) -> _Fault | None:
        with self._lock:
            for fault in queue:
                if fault.matches(path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.remove(fault)
                    return fault
        return None


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)
