"""Gmail as a :class:`~kaffe.connectors.base.MailSource`: messages.list, then historyId deltas.

A full sync reads the profile's ``historyId`` *before* listing, so nothing that
arrives during the listing is lost: the next incremental sync starts there.
Metadata (and, for possible invitations, raw MIME) is fetched through Google's
batch endpoint, 50 calls per request. A sync with nothing new costs exactly one
``history.list`` call.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kaffe.config.schema import GmailConfig
from kaffe.connectors.google.batching import Batcher
from kaffe.connectors.google.http import Sleep, execute
from kaffe.connectors.google.messages import (
    METADATA_HEADERS,
    UnreadableMessage,
    may_hold_invitation,
    normalize_message,
)
from kaffe.errors import ConnectorError, SyncTokenExpired
from kaffe.model import Event, MailBatch, Message

log = logging.getLogger(__name__)

# Gmail quota units per call (developers.google.com/gmail/api/reference/quota).
QUOTA_UNITS = {
    "users.getProfile": 1, "users.history.list": 2, "users.messages.list": 5,
    "users.messages.get": 5, "users.drafts.list": 5, "users.drafts.get": 5,
    "users.drafts.create": 10,
}
PAGE_SIZE = 500
MAX_PAGES = 1000  # a guard against a server that hands out page tokens forever
MAX_RAW_BYTES = 5 * 1024 * 1024  # larger messages are not fetched for invitations
HISTORY_TYPES = ["messageAdded", "messageDeleted"]
DEFAULT_LOOKAHEAD = timedelta(days=365)


@dataclass(frozen=True)
class SyncCost:
    """What one sync cost: HTTP requests, Gmail quota units and messages returned."""

    requests: int = 0
    units: int = 0
    messages: int = 0


class _Meter:
    """Counts requests and quota units while a sync runs."""

    def __init__(self) -> None:
        self.requests = 0
        self.units = 0

    def count(self, requests: int, units: int) -> None:
        self.requests += requests
        self.units += units


class _Counted:
    """An HttpRequest whose every attempt (retries included) is counted on a meter."""

    def __init__(self, request: Any, meter: _Meter, units: int) -> None:
        self.request, self.meter, self.units = request, meter, units

    def execute(self, num_retries: int = 0) -> Any:
        self.meter.count(1, self.units)
        return self.request.execute(num_retries=num_retries)


class GmailMailSource:
    """One Gmail mailbox: full listing since a date, then ``history.list`` deltas."""

    name = "gmail"

    def __init__(
        self, service: Any, *, config: GmailConfig, self_addresses: tuple[str, ...] = (),
        user_id: str = "me", batch_uri: str, num_retries: int = 3, sleep: Sleep = time.sleep,
        lookahead: timedelta = DEFAULT_LOOKAHEAD, profile_email: str | None = None,
    ) -> None:
        self.service = service
        self.config = config
        self.self_addresses = tuple(a.strip().lower() for a in self_addresses if a.strip())
        self.user_id = user_id
        self.num_retries = num_retries
        self.sleep = sleep
        self.lookahead = lookahead  # invitations: recurrences expanded up to now + this
        self.batcher = Batcher(batch_uri, num_retries=num_retries, sleep=sleep)
        self.last_cost = SyncCost()
        # known from an earlier run (the store keeps it): spares a getProfile per process
        self._profile_email = profile_email.strip().lower() if profile_email else None
        self._meter = _Meter()
        self.read_problems: list[str] = []  # invitations not read: MailBatch.problems

    # -- MailSource -------------------------------------------------------------------
    def own_addresses(self) -> tuple[str, ...]:
        """The configured addresses plus the profile's address (fetched once), lower-cased."""
        if self._profile_email is None:
            self._profile()
        found = (*self.self_addresses, self._profile_email or "")
        return tuple(dict.fromkeys(a for a in found if a))

    def sync(self, cursor: str | None, *, since: datetime, now: datetime) -> MailBatch:
        """Changes since ``cursor``; a full sync since ``since`` without one or when stale."""
        self._meter = meter = _Meter()
        self.read_problems = []
        batch: MailBatch | None = None
        try:
            batch = self._sync(cursor, since, now)
            return batch
        finally:
            count = len(batch.messages) if batch else 0
            self.last_cost = SyncCost(meter.requests, meter.units, count)
            kind = "failed" if batch is None else "full" if batch.full else "incremental"
            log.info("%s: %s sync: %d requests, %d quota units, %d messages", self.name, kind,
                     meter.requests, meter.units, count)

    def _sync(self, cursor: str | None, since: datetime, now: datetime) -> MailBatch:
        if cursor:
            try:
                added, removed, new_cursor = self._history(cursor)
            except SyncTokenExpired:
                log.info("%s: historyId %s is too old (404); doing a full sync", self.name, cursor)
            else:
                return self._collect(added, new_cursor, since, now, full=False, removed=removed)
        start = str(self._profile().get("historyId") or "")  # read first: see module doc
        if not start:
            raise ConnectorError("gmail users.getProfile: the response has no historyId")
        return self._collect(self._list_ids(since), start, since, now, full=True)

    # -- listing ---------------------------------------------------------------------------
    def _profile(self) -> dict[str, Any]:
        request = self._users().getProfile(userId=self.user_id)
        profile = self._run(request, "users.getProfile")
        self._profile_email = str(profile.get("emailAddress") or "").strip().lower()
        return profile

    def _list_ids(self, since: datetime) -> list[str]:
        query = f"after:{int(since.timestamp())} {self.config.query}".strip()
        params = {"userId": self.user_id, "q": query, "maxResults": PAGE_SIZE}
        ids: dict[str, None] = {}
        for page in self._pages(self._users().messages().list, params, "users.messages.list"):
            ids.update((str(m["id"]), None) for m in page.get("messages") or () if m.get("id"))
        return list(ids)

    def _history(self, start: str) -> tuple[list[str], tuple[str, ...], str]:
        """Ids added (drafts left out) and deleted since ``start``, and the new cursor."""
        params = {"userId": self.user_id, "startHistoryId": start,
                  "historyTypes": HISTORY_TYPES, "maxResults": PAGE_SIZE}
        added: dict[str, None] = {}
        deleted: dict[str, None] = {}
        cursor = start
        pages = self._pages(self._users().history().list, params, "users.history.list",
                            expired=(404,))
        for page in pages:
            for record in page.get("history") or ():
                added.update((i, None) for i in _ids(record.get("messagesAdded"), skip="DRAFT"))
                deleted.update((i, None) for i in _ids(record.get("messagesDeleted")))
            cursor = str(page.get("historyId") or cursor)
        return [i for i in added if i not in deleted], tuple(deleted), cursor

    def _pages(
        self, method: Callable[..., Any], params: dict[str, Any], what: str,
        expired: tuple[int, ...] = (410,),
    ) -> Iterator[dict[str, Any]]:
        """Every page of a list call, following nextPageToken."""
        token = None
        for _ in range(MAX_PAGES):
            page = self._run(method(pageToken=token, **params), what, expired=expired)
            yield page
            token = page.get("nextPageToken")
            if not token:
                return
        raise ConnectorError(f"gmail {what}: more than {MAX_PAGES} pages")

    # -- fetching and normalising -----------------------------------------------------------
    def _collect(
        self, ids: list[str], cursor: str, since: datetime, now: datetime, *, full: bool,
        removed: tuple[str, ...] = (),
    ) -> MailBatch:
        """Fetch and normalise ``ids`` one batch at a time: only the normalised messages
        are kept, never every metadata document of a first sync at once."""
        oldest = now - timedelta(days=self.config.invite_days)
        messages: list[Message] = []
        wanted: list[Message] = []  # may carry an invitation: their raw MIME is read
        for _chunk, docs in self._fetch(ids, "metadata"):
            own = self.own_addresses() if docs else ()
            for doc in docs.values():
                message = self._normalize(doc, own)
                if message is not None:
                    messages.append(message)
                    if self._wants_raw(doc, message, oldest):
                        wanted.append(message)
        invitations = self._invitations(wanted, (since, now + self.lookahead))
        return MailBatch(account=self.name, messages=tuple(messages), cursor=cursor, full=full,
                         removed=removed, invitations=tuple(invitations),
                         problems=tuple(self.read_problems))

    def _fetch(self, ids: list[str], fmt: str) -> Iterator[tuple[list[str], dict[str, Any]]]:
        """The ``fmt`` resources of ``ids``, one batch (ids, id -> resource) at a time."""
        if not ids:
            return iter(())
        extra = {"metadataHeaders": list(METADATA_HEADERS)} if fmt == "metadata" else {}
        # One resource for every call: the client builds each users()/messages() afresh
        # from the discovery document, which cost more CPU than the messages themselves.
        messages = self._users().messages()

        def make(msg_id: str) -> Any:
            return messages.get(userId=self.user_id, id=msg_id, format=fmt, **extra)

        units = QUOTA_UNITS["users.messages.get"]
        return self.batcher.chunks(ids, make, f"gmail users.messages.get ({fmt})",
                                   on_send=lambda n: self._meter.count(1, n * units))

    def _normalize(self, doc: Any, own: tuple[str, ...]) -> Message | None:
        """The message, or None for an unsent draft or a message that cannot be read."""
        if "DRAFT" in (doc.get("labelIds") or ()):
            return None  # an unsent draft is not an interaction with anyone
        try:
            return normalize_message(doc, account=self.name, own_addresses=own)
        except UnreadableMessage as exc:
            log.warning("%s: message %s skipped: %s", self.name, doc.get("id"), exc)
            self.read_problems.append(f"{self.name}: message {doc.get('id')} skipped: {exc}")
            return None

    # -- invitations ------------------------------------------------------------------------
    def _invitations(
        self, wanted: list[Message], window: tuple[datetime, datetime]
    ) -> list[Event]:
        """Invitations in the raw MIME of ``wanted``, read one batch at a time."""
        if not wanted:
            return []
        from kaffe.connectors.invites import invitations_from_mime  # a sibling part: import late

        by_id = {m.id: m for m in wanted}
        own = self.own_addresses()
        events: list[Event] = []
        for chunk, raws in self._fetch(list(by_id), "raw"):
            for message in (by_id[i] for i in chunk):
                raw = _raw_bytes(raws.get(message.id))
                if raw is None:
                    log.warning("%s: no raw MIME for message %s", self.name, message.id)
                    continue
                events += invitations_from_mime(
                    raw, account=self.name, thread_id=message.thread_id,
                    received=message.date, self_addresses=own, window=window,
                    problems=self.read_problems)
        return events

    def _wants_raw(self, doc: dict[str, Any], message: Message, oldest: datetime) -> bool:
        """Fetch raw MIME only for recent mail whose type can carry a calendar.

        Bulk mail too: iCloud and Google send invitations from robots
        (``noreply@insideicloud.icloud.com``, ``calendar-notification@google.com``).
        ``Message.bulk`` decides who is a contact, never whether an invitation is read."""
        if message.date < oldest or not may_hold_invitation(doc):
            return False
        size = int(doc.get("sizeEstimate") or 0)
        if size > MAX_RAW_BYTES:
            log.info("%s: message %s (%d bytes) too large to look for invitations",
                     self.name, message.id, size)
            return False
        return True

    # -- plumbing ---------------------------------------------------------------------------
    def _users(self) -> Any:
        return self.service.users()

    def _run(self, request: Any, method: str, expired: tuple[int, ...] = (410,)) -> Any:
        counted = _Counted(request, self._meter, QUOTA_UNITS[method])
        return execute(counted, f"gmail {method}", num_retries=self.num_retries,
                       sleep=self.sleep, expired=expired)


def _ids(entries: Any, *, skip: str = "") -> Iterator[str]:
    """Message ids from history entries, leaving out those that carry label ``skip``."""
    for entry in entries or ():
        message = entry.get("message") or {}
        if message.get("id") and not (skip and skip in (message.get("labelIds") or ())):
            yield str(message["id"])


def _raw_bytes(doc: Any) -> bytes | None:
    """The message bytes of a ``format=raw`` resource, or None when absent or not base64."""
    text = str((doc or {}).get("raw") or "")
    if not text:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
