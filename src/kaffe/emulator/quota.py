"""Gmail's per-user quota: units per minute, refused with Google's own error bodies.

Google's quota page (developers.google.com/workspace/gmail/api/reference/quota)
lists 6,000 quota units per minute per user per project for projects created
from May 2026 (15,000 before; older still "250 units per user per second,
moving average (allows short bursts)"). A batch costs the sum of its parts, and
each part is refused on its own. How Google counts the minute is not published;
the old "moving average" wording and the errors seen in the field (a refusal
names the moment the window reopens) fit a sliding window, which is also the
stricter reading: a client paced under a sliding window passes a fixed one.

When the user is over the limit a call is refused, costs nothing, and is
answered in one of the forms Google uses (``form``):

* ``"429"`` (default): what Gmail answers in the field: 429 ``RESOURCE_EXHAUSTED``,
  reason ``rateLimitExceeded`` in domain ``usageLimits``, message
  "User-rate limit exceeded.  Retry after <RFC 3339 time>", no Retry-After header;
* ``"403-user"``: the documented 403 ``userRateLimitExceeded`` ("User Rate Limit
  Exceeded", domain ``usageLimits``);
* ``"403-rate"``: 403 ``rateLimitExceeded`` ("Rate Limit Exceeded", domain
  ``usageLimits``), as Gmail also sends for the per-user limit.

``retry_after_header`` adds a ``Retry-After`` header (Google sends none for
Gmail quota errors; some proxies do). Off (limit 0) by default: the other tests
measure other things.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from kaffe.emulator.wire import JSON_TYPE, ApiError, Response, json_response
from kaffe.timeutil import now_utc

WINDOW = 60.0  # seconds: "per minute"
FORMS = ("429", "403-user", "403-rate")

Clock = Callable[[], float]  # seconds, monotonic (time.monotonic or a simulated clock)


class QuotaExceeded(ApiError):
    """A call refused for quota: rendered with Google's exact body, not wire's default."""

    def __init__(self, form: str, wait: float, wall: datetime, header: bool) -> None:
        super().__init__(429 if form == "429" else 403, "quota")
        self.form, self.wait, self.wall, self.header = form, wait, wall, header

    def response(self) -> Response:
        """Google's body for this form (see the module doc)."""
        headers = {"Content-Type": JSON_TYPE}
        if self.header:
            headers["Retry-After"] = str(max(1, math.ceil(self.wait)))
        if self.form == "403-user":
            detail, message, grpc = "User Rate Limit Exceeded", "User Rate Limit Exceeded", ""
            reason = "userRateLimitExceeded"
        elif self.form == "403-rate":
            detail, message, grpc = "Rate Limit Exceeded", "Rate Limit Exceeded", ""
            reason = "rateLimitExceeded"
        else:
            until = (self.wall + timedelta(seconds=self.wait)).strftime("%Y-%m-%dT%H:%M:%S.%f")
            message = f"User-rate limit exceeded.  Retry after {until[:-3]}Z"
            detail, reason, grpc = "User-rate limit exceeded.", "rateLimitExceeded", \
                "RESOURCE_EXHAUSTED"
        error: dict[str, object] = {
            "code": self.status, "message": message,
            "errors": [{"message": detail, "domain": "usageLimits", "reason": reason}],
        }
        if grpc:
            error["status"] = grpc
        return json_response({"error": error}, self.status, headers)


class Quota:
    """Units spent per user in a sliding minute; :meth:`charge` refuses what does not fit."""

    def __init__(
        self, per_minute: int = 0, *, form: str = "429", retry_after_header: bool = False,
        clock: Clock = time.monotonic, wall: Callable[[], datetime] = now_utc,
    ) -> None:
        self.lock = threading.Lock()
        self.clock, self.wall = clock, wall
        self.configure(per_minute, form=form, retry_after_header=retry_after_header)

    def configure(
        self, per_minute: int, *, form: str = "429", retry_after_header: bool = False
    ) -> None:
        """Set the limit (0 = off) and the error form; forgets what was spent."""
        if form not in FORMS:
            raise ValueError(f"quota form must be one of {', '.join(FORMS)}, not {form!r}")
        if per_minute < 0:
            raise ValueError("the quota per minute cannot be negative")
        with self.lock:
            self.per_minute, self.form, self.header = per_minute, form, retry_after_header
            self._spent: deque[tuple[float, int]] = deque()  # (at, units), oldest first
            self._in_window = 0
            self.refused = 0
            self.total = 0
            self.peak = 0  # the most units inside any one window, as seen at a charge

    def charge(self, units: int) -> None:
        """Spend ``units`` now, or raise :class:`QuotaExceeded` (nothing spent)."""
        if units <= 0:
            return
        with self.lock:
            now = self.clock()
            self._expire(now)
            if self.per_minute and self._in_window + units > self.per_minute:
                self.refused += 1
                raise QuotaExceeded(self.form, self._wait(now, units), self.wall(), self.header)
            self._spent.append((now, units))
            self._in_window += units
            self.total += units
            self.peak = max(self.peak, self._in_window)

    def stats(self) -> dict[str, int]:
        """Limit, units spent in all, the window's peak and the calls refused."""
        with self.lock:
            return {"per_minute": self.per_minute, "total": self.total, "peak": self.peak,
                    "refused": self.refused}

    def _expire(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - WINDOW:
            self._in_window -= self._spent.popleft()[1]

    def _wait(self, now: float, units: int) -> float:
        """Seconds until ``units`` more fit in the window."""
        room = self.per_minute - self._in_window
        for at, spent in self._spent:
            room += spent
            if room >= units:
                return max(at + WINDOW - now, 0.0)
        return WINDOW  # more than a whole minute's worth: never fits; say a minute
