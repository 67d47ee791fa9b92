"""Small capability Protocols that sources and sinks implement."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from kaffe.model import CalendarBatch, Draft


class CalendarSource(Protocol):
    """Pulls what changed in one calendar since a stored cursor.

    With ``cursor=None`` it lists the whole window and returns ``full=True``.
    When the cursor has expired (Calendar's 410) it resyncs the window by
    itself and returns ``full=True``. Raises AuthError, TransientError or
    ConnectorError from :mod:`kaffe.errors`.
    """

    name: str  # calendar key used in Event.calendar and cursor names

    def sync(
        self, cursor: str | None, *, window_start: datetime, window_end: datetime
    ) -> CalendarBatch: ...


class DraftSink(Protocol):
    """Creates drafts. Never sends: kaffe only ever creates drafts."""

    name: str

    def create_draft(self, draft: Draft) -> str:
        """Create ``draft`` stamped with ``X-Kaffe-Key``; return the draft id."""
        ...

    def find_draft(self, key: str) -> str | None:
        """Return the id of an existing draft whose ``X-Kaffe-Key`` is ``key``."""
        ...
