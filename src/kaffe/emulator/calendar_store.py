"""Calendar state: calendars, events with change sequence numbers, sync and page tokens."""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kaffe.emulator.wire import ApiError

Clock = Callable[[], datetime]


def google_time(dt: datetime) -> str:
    """Google's timestamp style: UTC with milliseconds and ``Z``."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass
class StoredEvent:
    resource: dict[str, Any]
    seq: int
    deleted: bool = False  # deleted through the API: listed as a bare tombstone

    def public(self) -> dict[str, Any]:
        """The resource as the API shows it (tombstones shrink to id and status)."""
        if self.deleted:
            r = self.resource
            return {
                "kind": "calendar#event",
                "etag": r["etag"],
                "id": r["id"],
                "status": "cancelled",
            }
        return copy.deepcopy(self.resource)


@dataclass
class Calendar:
    id: str
    summary: str
    time_zone: str = "UTC"
    description: str = ""
    events: dict[str, StoredEvent] = field(default_factory=dict)


@dataclass
class PageState:
    items: list[dict[str, Any]]
    offset: int
    sync_token: str | None


class CalendarStore:
    """All calendars of the one emulated user. Callers hold ``lock`` across a request."""

    def __init__(self, user_email: str, clock: Clock) -> None:
        self.lock = threading.RLock()
        self.user_email = user_email
        self.clock = clock
        self.calendars: dict[str, Calendar] = {}
        self.list_entries: list[dict[str, Any]] = []
        self._seq = 0
        self._sync_tokens: dict[str, tuple[str, int]] = {}
        self._pages: dict[str, PageState] = {}
        self.calendar(user_email)

    # -- calendars -----------------------------------------------------------------
    def resolve(self, calendar_id: str) -> str:
        """Canonical id: ``primary`` is the user's own calendar."""
        return self.user_email if calendar_id in ("primary", "") else calendar_id

    def calendar(self, calendar_id: str, *, create: bool = True) -> Calendar:
        """The calendar with that id (created on first use when ``create``), else 404."""
        cid = self.resolve(calendar_id)
        if cid not in self.calendars:
            if not create:
                raise ApiError(404, "Not Found")
            self.calendars[cid] = Calendar(cid, summary=cid)
        return self.calendars[cid]

    def rename_user(self, email: str) -> None:
        """Move the primary calendar to a new owner address (profile.json)."""
        primary = self.calendars.pop(self.user_email)
        primary.id = email
        if primary.summary == self.user_email:
            primary.summary = email
        self.user_email = email
        self.calendars[email] = primary

    # -- events ----------------------------------------------------------------------
    def put(self, calendar_id: str, resource: dict[str, Any]) -> dict[str, Any]:
        """Store ``resource`` as given (seed data), assigning a change number."""
        cal = self.calendar(calendar_id)
        resource = copy.deepcopy(resource)
        resource.setdefault("kind", "calendar#event")
        resource.setdefault("id", secrets.token_hex(13))
        resource.setdefault("etag", _etag(resource))
        cal.events[resource["id"]] = StoredEvent(resource, self._next_seq())
        return copy.deepcopy(resource)

    def add(self, calendar_id: str, resource: dict[str, Any]) -> dict[str, Any]:
        """Insert a new event the way Google would (ids, timestamps, etag filled in)."""
        stamp = google_time(self.clock())
        event = {"kind": "calendar#event", "status": "confirmed", **copy.deepcopy(resource)}
        event.setdefault("id", secrets.token_hex(13))
        event.setdefault("iCalUID", f"{event['id']}@google.com")
        event.setdefault("created", stamp)
        event.setdefault("sequence", 0)
        event.setdefault("organizer", {"email": self.user_email, "self": True})
        event.setdefault("creator", {"email": self.user_email, "self": True})
        event["updated"] = stamp
        event["etag"] = _etag(event)
        return self.put(calendar_id, event)

    def update(self, calendar_id: str, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` (a patch) to a stored event and bump its change number."""
        stored = self._stored(calendar_id, event_id)
        resource = {**stored.resource, **copy.deepcopy(changes)}
        resource["updated"] = google_time(self.clock())
        resource["sequence"] = int(resource.get("sequence", 0)) + 1
        resource["etag"] = _etag(resource)
        stored.resource, stored.seq = resource, self._next_seq()
        # Un-cancelling a deleted event brings it back as a full resource.
        stored.deleted = stored.deleted and resource.get("status") == "cancelled"
        return copy.deepcopy(resource)

    def delete(self, calendar_id: str, event_id: str) -> None:
        """Delete an event; it stays behind as a cancelled tombstone for sync."""
        stored = self._stored(calendar_id, event_id)
        stored.resource["status"] = "cancelled"
        stored.resource["updated"] = google_time(self.clock())
        stored.resource["etag"] = _etag(stored.resource)
        stored.deleted, stored.seq = True, self._next_seq()

    def _stored(self, calendar_id: str, event_id: str) -> StoredEvent:
        stored = self.calendar(calendar_id, create=False).events.get(event_id)
        if stored is None:
            raise ApiError(404, "Not Found")
        return stored

    def events(self, calendar_id: str, since: int = -1) -> list[StoredEvent]:
        """Stored events changed after change number ``since`` (all by default)."""
        cal = self.calendar(calendar_id, create=False)
        return [e for e in cal.events.values() if e.seq > since]

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- tokens -----------------------------------------------------------------------
    def issue_sync_token(self, calendar_id: str) -> str:
        """An opaque token naming this calendar's current change number."""
        token = "CP" + secrets.token_urlsafe(18)
        self._sync_tokens[token] = (self.resolve(calendar_id), self._seq)
        return token

    def sync_point(self, calendar_id: str, token: str) -> int:
        """The change number behind ``token``; 410 ``fullSyncRequired`` if it is not valid."""
        entry = self._sync_tokens.get(token)
        if entry is None or entry[0] != self.resolve(calendar_id):
            raise ApiError(
                410,
                "Sync token is no longer valid, a full sync is required.",
                reason="fullSyncRequired",
            )
        return entry[1]

    def expire_sync_tokens(self) -> None:
        """Every token issued so far becomes invalid."""
        self._sync_tokens.clear()

    def save_page(self, state: PageState) -> str:
        """Remember the rest of a listing; the token fetches the next page."""
        token = "EA" + secrets.token_urlsafe(18)
        self._pages[token] = state
        return token

    def take_page(self, token: str) -> PageState:
        """The listing a page token continues, else 400 as Google answers."""
        state = self._pages.get(token)
        if state is None:
            raise ApiError(400, "Invalid page token value.", reason="invalid", location="pageToken")
        return state


def _etag(resource: dict[str, Any]) -> str:
    fields = sorted((k, repr(v)) for k, v in resource.items() if k != "etag")
    digest = hashlib.sha1(repr(fields).encode())
    return '"' + str(int(digest.hexdigest()[:13], 16)) + '"'
