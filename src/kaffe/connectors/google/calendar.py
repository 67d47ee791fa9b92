"""Google Calendar as a :class:`~kaffe.connectors.base.CalendarSource` (events.list + syncToken)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kaffe.connectors.google.http import Sleep, execute
from kaffe.connectors.google.normalize import UnreadableEvent, is_removal, normalize_event
from kaffe.errors import ConnectorError, SyncTokenExpired
from kaffe.model import CalendarBatch, Event
from kaffe.timeutil import rfc3339

log = logging.getLogger(__name__)

PAGE_SIZE = 250
MAX_PAGES = 1000  # a guard against a server that hands out page tokens forever


class GoogleCalendarSource:
    """One Google calendar. Full sync lists the window; later syncs use Google's syncToken."""

    def __init__(
        self, service: Any, calendar_id: str, *, self_addresses: tuple[str, ...] = (),
        num_retries: int = 3, sleep: Sleep = time.sleep,
    ) -> None:
        self.service = service
        self.calendar_id = calendar_id
        self.name = "google:" + calendar_id
        self.self_addresses = tuple(a.lower() for a in self_addresses)
        self.num_retries = num_retries
        self.sleep = sleep
        self.read_problems: list[str] = []  # events not read, named: CalendarBatch.problems
        self.unread: set[str] = set()  # their iCalUIDs: a full batch keeps what is stored
        self.incomplete = False  # one without an iCalUID: a full batch deletes nothing

    def sync(
        self, cursor: str | None, *, window_start: datetime, window_end: datetime
    ) -> CalendarBatch:
        """Changes since ``cursor``, or the whole window when there is none or it expired."""
        if cursor:
            try:
                return self._batch(self._pages({"syncToken": cursor}), full=False)
            except SyncTokenExpired:
                log.warning("%s: sync token expired (410); doing a full resync", self.name)
        window = {"timeMin": rfc3339(window_start), "timeMax": rfc3339(window_end),
                  "showDeleted": False}
        return self._batch(self._pages(window), full=True)

    def _pages(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every page of events.list, following nextPageToken."""
        token = None
        for _ in range(MAX_PAGES):
            request = self.service.events().list(
                calendarId=self.calendar_id, singleEvents=True, maxResults=PAGE_SIZE,
                pageToken=token, **params,
            )
            page = execute(request, f"calendar events.list ({self.calendar_id})",
                           num_retries=self.num_retries, sleep=self.sleep)
            yield page
            token = page.get("nextPageToken")
            if not token:
                return
        raise ConnectorError(f"{self.name}: more than {MAX_PAGES} pages from events.list")

    def _batch(self, pages: Iterator[dict[str, Any]], *, full: bool) -> CalendarBatch:
        events: list[Event] = []
        removed: list[str] = []
        cursor = None
        self.read_problems, self.unread, self.incomplete = [], set(), False
        for page in pages:
            for item in page.get("items") or []:
                self._take(item, events, removed)
            cursor = page.get("nextSyncToken") or cursor
        log.info("%s: %s sync: %d events, %d removed", self.name,
                 "full" if full else "incremental", len(events), len(removed))
        return CalendarBatch(calendar=self.name, events=tuple(events), cursor=cursor,
                             full=full, removed=tuple(removed),
                             problems=tuple(self.read_problems),
                             unread=tuple(sorted(self.unread)), incomplete=self.incomplete)

    def _take(self, item: Any, events: list[Event], removed: list[str]) -> None:
        """Sort one resource into ``events`` or ``removed``; log and skip unreadable ones."""
        if isinstance(item, dict) and item.get("id") and is_removal(item):
            removed.append(str(item["id"]))
            return
        try:
            events.append(normalize_event(item, self.name, self.self_addresses))
        except UnreadableEvent as exc:
            event_id = item.get("id", "?") if isinstance(item, dict) else "?"
            log.warning("%s: skipping unreadable event %s: %s", self.name, event_id, exc)
            uid = str(item.get("iCalUID") or "") if isinstance(item, dict) else ""
            summary = str(item.get("summary") or "")[:60] if isinstance(item, dict) else ""
            self.read_problems.append(f"{self.name}: event {summary!r} id {event_id} "
                                      f"skipped: {exc}")
            if uid:
                self.unread.add(uid)
            else:
                self.incomplete = True
