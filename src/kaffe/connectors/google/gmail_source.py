"""Gmail as a :class:`~kaffe.connectors.base.MailSource`: messages.list, then historyId deltas.

A full sync reads the profile's ``historyId`` *before* listing, so nothing that
arrives during the listing is lost: the next incremental sync starts there.
Metadata (and, for possible invitations, raw MIME) is fetched through Google's
batch endpoint, 50 calls per request. A sync with nothing new costs exactly one
``history.list`` call.

Every call first waits for its quota units in a :class:`~.pacing.QuotaBucket`
(Gmail refuses a user past 6,000 units a minute). A first sync spends fewer
units than one ``messages.get`` per message: a thread with three or more listed
messages is read with one ``threads.get`` (10 units, not 5 each), and mail in
the Promotions, Social, Updates and Forums tabs older than ``[mailboxes] invite_days`` is
not read unless its conversation has other listed mail (kaffe reads invitations
only in newer mail, and counts mail in those tabs as bulk, never as a contact:
``messages.BULK_LABELS``). With a :class:`Checkpoint` (the daemon's store) a first
sync is stored chunk by chunk with its progress, so a killed or rate-limited
first sync resumes where it stopped, and a chunk that still fails after its
retries is put back for the next cycle instead of failing the whole sync.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from kaffe.config.schema import GmailConfig
from kaffe.connectors import deadline
from kaffe.connectors.google.batching import Batcher
from kaffe.connectors.google.http import Sleep, execute
from kaffe.connectors.google.messages import normalize_message, top_mime_type
from kaffe.connectors.google.pacing import QUOTA_UNITS, QuotaBucket
from kaffe.connectors.mailheaders import (
    MAX_RAW_BYTES,
    METADATA_HEADERS,
    UnreadableMessage,
    may_hold_invitation,
)
from kaffe.errors import ConnectorError, SyncTokenExpired, TransientError
from kaffe.model import Event, MailBatch, Message

log = logging.getLogger(__name__)
progress_log = logging.getLogger("kaffe.progress")  # shown without -v (see cli.logs)

PAGE_SIZE = 500
MAX_PAGES = 1000  # a guard against a server that hands out page tokens forever
HISTORY_TYPES = ["messageAdded", "messageDeleted"]
DEFAULT_LOOKAHEAD = timedelta(days=365)
THREAD_MIN = 3  # listed messages from which one threads.get (10) beats messages.get (5 each)
PROGRESS_EVERY = 20  # chunks (of up to 50 messages) between two progress lines
MAX_FAILED_CHUNKS = 3  # in a row: the first sync pauses until the next cycle


class Checkpoint(Protocol):
    """Where a first sync keeps what it read and how far it got (the daemon's store)."""

    def load(self) -> dict[str, Any] | None:
        """The saved progress (with its plan), or None when no first sync is under way."""
        ...

    def begin(self, listed: list[str], progress: dict[str, Any]) -> None:
        """A new first sync listed ``listed``: forget stored mail it lacks, save the plan."""
        ...

    def save(self, part: MailBatch, progress: dict[str, Any]) -> None:
        """Store ``part`` (messages and invitations of one chunk) and ``progress`` at once."""
        ...


@dataclass(frozen=True)
class SyncCost:
    """What one sync cost: HTTP requests, Gmail quota units and messages returned."""

    requests: int = 0
    units: int = 0
    messages: int = 0


class _Meter:
    """Counts requests and quota units while a sync runs."""

    def __init__(self, bucket: QuotaBucket | None = None) -> None:
        self.requests = 0
        self.units = 0
        self.bucket = bucket

    def count(self, requests: int, units: int) -> None:
        """Count a request about to be sent, first waiting for its units in the bucket
        (a stop request, SIGTERM, ends a long first sync here: what is stored stays)."""
        if deadline.stop_requested():
            raise deadline.Cancelled("kaffe is stopping: the Gmail sync goes on next time")
        if self.bucket is not None:
            self.bucket.take(units)
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
        bucket: QuotaBucket | None = None, invite_days: int = 60,
    ) -> None:
        self.service = service
        self.config = config
        self.invite_days = invite_days  # [mailboxes] invite_days
        self.self_addresses = tuple(a.strip().lower() for a in self_addresses if a.strip())
        self.user_id = user_id
        self.num_retries = num_retries
        self.sleep = sleep
        self.lookahead = lookahead  # invitations: recurrences expanded up to now + this
        self.batcher = Batcher(batch_uri, num_retries=num_retries, sleep=sleep)
        self.last_cost = SyncCost()
        # known from an earlier run (the store keeps it): spares a getProfile per process
        self._profile_email = profile_email.strip().lower() if profile_email else None
        self.bucket = bucket
        self._meter = _Meter(bucket)
        self._resources: dict[str, Any] = {}  # users().messages() etc., built once a sync
        self.read_problems: list[str] = []  # invitations not read: MailBatch.problems

    # -- MailSource -------------------------------------------------------------------
    def own_addresses(self) -> tuple[str, ...]:
        """The configured addresses plus the profile's address (fetched once), lower-cased."""
        if self._profile_email is None:
            self._profile()
        found = (*self.self_addresses, self._profile_email or "")
        return tuple(dict.fromkeys(a for a in found if a))

    def sync(
        self, cursor: str | None, *, since: datetime, now: datetime,
        checkpoint: Checkpoint | None = None,
    ) -> MailBatch:
        """Changes since ``cursor``; a full sync since ``since`` without one or when stale.

        With ``checkpoint`` a full sync is stored chunk by chunk through it and the
        batch returned holds only the cursor (``full`` false: nothing is left to
        replace); without, the whole window comes back in one full batch."""
        self._meter = meter = _Meter(self.bucket)
        self._resources = {}
        self.read_problems = []
        batch: MailBatch | None = None
        try:
            batch = self._sync(cursor, since, now, checkpoint)
            return batch
        finally:
            count = len(batch.messages) if batch else 0
            self.last_cost = SyncCost(meter.requests, meter.units, count)
            kind = "failed" if batch is None else "full" if batch.full else "incremental"
            log.info("%s: %s sync: %d requests, %d quota units, %d messages", self.name, kind,
                     meter.requests, meter.units, count)

    def sync_resumable(
        self, cursor: str | None, *, since: datetime, now: datetime, checkpoint: Checkpoint
    ) -> MailBatch:
        """:meth:`sync` with its first sync kept in ``checkpoint`` (the daemon's way)."""
        return self.sync(cursor, since=since, now=now, checkpoint=checkpoint)

    def _sync(
        self, cursor: str | None, since: datetime, now: datetime, checkpoint: Checkpoint | None
    ) -> MailBatch:
        if cursor:
            try:
                added, removed, new_cursor = self._history(cursor)
            except SyncTokenExpired:
                log.info("%s: historyId %s is too old (404); doing a full sync", self.name, cursor)
            else:
                return self._collect(added, new_cursor, since, now, removed=removed)
        return self._first_sync(since, now, checkpoint)

    # -- the first (full) sync --------------------------------------------------------------
    def _first_sync(
        self, since: datetime, now: datetime, checkpoint: Checkpoint | None
    ) -> MailBatch:
        progress = checkpoint.load() if checkpoint is not None else None
        if progress is not None:
            progress_log.info("%s: resuming the first sync: %d of %d messages read",
                              self.name, progress["read"], progress["total"])
        else:
            start = str(self._profile().get("historyId") or "")  # read first: see module doc
            if not start:
                raise ConnectorError("gmail users.getProfile: the response has no historyId")
            listed = self._list_ids(since, now)
            progress = {"start": start, "plan": self._plan(listed), "next": 0, "read": 0,
                        "total": len(listed), "retry": []}
            if checkpoint is not None:
                checkpoint.begin([i for i, _ in listed], progress)
        messages: list[Message] = []
        events: list[Event] = []
        self._read_plan(progress, since, now, checkpoint, messages, events)
        if checkpoint is not None:
            return MailBatch(account=self.name, messages=(), cursor=progress["start"],
                             full=False, problems=tuple(self.read_problems))
        return MailBatch(account=self.name, messages=tuple(messages), cursor=progress["start"],
                         full=True, invitations=tuple(events), problems=tuple(self.read_problems))

    def _read_plan(
        self, progress: dict[str, Any], since: datetime, now: datetime,
        checkpoint: Checkpoint | None, messages: list[Message], events: list[Event],
    ) -> None:
        """Read the plan's chunks from ``progress["next"]`` on, then those put back."""
        plan: list[dict[str, Any]] = progress["plan"]
        order = list(range(progress["next"], len(plan))) + list(progress["retry"])
        progress["retry"] = []
        failed_in_a_row, done, last_error = 0, 0, ""
        for position, index in enumerate(order):
            chunk = plan[index]
            try:
                found, invites = self._read_chunk(chunk, since, now)
            except TransientError as exc:
                if checkpoint is None:
                    raise
                failed_in_a_row += 1
                last_error = str(exc)
                progress["retry"].append(index)
                log.warning("%s: first sync: %d messages put back for the next cycle: %s",
                            self.name, len(chunk["ids"]), exc)
                if failed_in_a_row >= MAX_FAILED_CHUNKS:
                    progress["retry"] += order[position + 1:]
                    progress["next"] = len(plan)
                    checkpoint.save(self._empty(), progress)
                    break
                found, invites = [], []
            else:
                failed_in_a_row = 0
                progress["read"] += len(chunk["ids"])
            progress["next"] = max(progress["next"], index + 1)
            if checkpoint is not None:
                checkpoint.save(MailBatch(account=self.name, messages=tuple(found), cursor=None,
                                          full=False, invitations=tuple(invites)), progress)
            else:
                messages += found
                events += invites
            done += 1
            if done % PROGRESS_EVERY == 0:
                self._report(progress)
        if len(order) >= PROGRESS_EVERY and done % PROGRESS_EVERY:  # say where it ended
            self._report(progress)
        if progress["retry"]:
            raise TransientError(
                f"gmail first sync paused: {progress['read']:,} of {progress['total']:,} "
                f"messages read; {len(progress['retry'])} batches failed after their retries "
                f"and are read again next cycle (the rest is kept); last: {last_error}")

    def _report(self, progress: dict[str, Any]) -> None:
        total = progress["total"]
        share = 100 * progress["read"] // total if total else 100
        waited = f", {self.bucket.waited:.0f}s paced" if self.bucket is not None else ""
        progress_log.info("%s: first sync: %d of %d messages read (%d%%, %d quota units%s)",
                          self.name, progress["read"], total, share, self._meter.units, waited)

    def _empty(self) -> MailBatch:
        return MailBatch(account=self.name, messages=(), cursor=None, full=False)

    def _plan(self, listed: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Chunks of work, each one batch request sized to fit the quota bucket: threads
        with THREAD_MIN or more listed messages by threads.get, the rest by messages.get."""
        threads: dict[str, list[str]] = {}
        for msg_id, thread_id in listed:
            threads.setdefault(thread_id or msg_id, []).append(msg_id)
        whole = [(t, ids) for t, ids in threads.items() if len(ids) >= THREAD_MIN]
        single = [i for ids in threads.values() if len(ids) < THREAD_MIN for i in ids]
        plan: list[dict[str, Any]] = []
        size = self._fits("users.threads.get")
        for start in range(0, len(whole), size):
            part = whole[start:start + size]
            plan.append({"threads": [t for t, _ in part],
                         "ids": [i for _, ids in part for i in ids]})
        size = self._fits("users.messages.get")
        plan += [{"ids": single[start:start + size]} for start in range(0, len(single), size)]
        return plan

    def _fits(self, method: str) -> int:
        most = self.batcher.size
        return self.bucket.fits(QUOTA_UNITS[method], most) if self.bucket is not None else most

    def _read_chunk(
        self, chunk: dict[str, Any], since: datetime, now: datetime
    ) -> tuple[list[Message], list[Event]]:
        """The messages of one chunk (its listed ids only) and the invitations they carry."""
        wanted_ids = chunk["ids"]
        if chunk.get("threads"):
            docs = self._thread_docs(chunk["threads"], set(wanted_ids))
        else:
            docs = {}
            for _chunk, found in self._fetch(wanted_ids, "metadata"):
                docs.update(found)
        oldest = now - timedelta(days=self.invite_days)
        own = self.own_addresses() if docs else ()
        messages: list[Message] = []
        wanted: list[Message] = []  # may carry an invitation: their raw MIME is read
        for msg_id in wanted_ids:
            doc = docs.get(msg_id)
            if doc is None:
                continue  # deleted meanwhile (404), or not in its thread any more
            message = self._normalize(doc, own)
            if message is not None:
                messages.append(message)
                if self._wants_raw(doc, message, oldest):
                    wanted.append(message)
        return messages, self._invitations(wanted, (since, now + self.lookahead))

    def _thread_docs(self, thread_ids: list[str], listed: set[str]) -> dict[str, Any]:
        """Metadata of the listed messages of whole threads, one threads.get each."""
        threads = self._resource("threads")

        def make(thread_id: str) -> Any:
            return threads.get(userId=self.user_id, id=thread_id, format="metadata",
                               metadataHeaders=list(METADATA_HEADERS))

        units = QUOTA_UNITS["users.threads.get"]
        docs: dict[str, Any] = {}
        for _chunk, found in self.batcher.chunks(
            thread_ids, make, "gmail users.threads.get (metadata)",
            on_send=lambda n: self._meter.count(1, n * units),
        ):
            for thread in found.values():
                for doc in thread.get("messages") or ():
                    if doc.get("id") in listed:
                        docs[str(doc["id"])] = doc
        return docs

    # -- listing ---------------------------------------------------------------------------
    def _profile(self) -> dict[str, Any]:
        request = self._users().getProfile(userId=self.user_id)
        profile = self._run(request, "users.getProfile")
        self._profile_email = str(profile.get("emailAddress") or "").strip().lower()
        return profile

    def _list_ids(self, since: datetime, now: datetime) -> list[tuple[str, str]]:
        """(id, threadId) of the window's messages, newest first. Older than invite_days,
        mail in the skipped tabs is listed apart and kept only in a conversation that
        has other listed mail (a person's mail misfiled there that you answered)."""
        main, tabbed = self._queries(since, now)
        listed: dict[str, str] = {}
        for query in main:
            listed.update(self._list(query))
        threads = set(listed.values())
        for query in tabbed:
            listed.update((i, t) for i, t in self._list(query).items() if t in threads)
        return list(listed.items())

    def _list(self, query: str) -> dict[str, str]:
        params = {"userId": self.user_id, "q": query, "maxResults": PAGE_SIZE}
        found: dict[str, str] = {}
        for page in self._pages(self._resource("messages").list, params, "users.messages.list"):
            found.update((str(m["id"]), str(m.get("threadId") or ""))
                         for m in page.get("messages") or () if m.get("id"))
        return found

    def _queries(self, since: datetime, now: datetime) -> tuple[list[str], list[str]]:
        """The listing queries: the window's mail, and the skipped tabs' older mail."""
        user = self.config.query
        tabs = tuple(self.config.skip_tabs)
        split = int((now - timedelta(days=self.invite_days)).timestamp())
        start = int(since.timestamp())
        if not tabs or split <= start:
            return [f"after:{start} {user}".strip()], []
        skip = " ".join(f"-category:{tab}" for tab in tabs)
        old = f"after:{start} before:{split}"
        return ([f"after:{split} {user}".strip(), f"{old} {skip} {user}".strip()],
                [f"{old} category:{tab} {user}".strip() for tab in tabs])

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
        self, ids: list[str], cursor: str, since: datetime, now: datetime, *,
        removed: tuple[str, ...] = (),
    ) -> MailBatch:
        """Fetch and normalise the ``ids`` an incremental sync found, one batch at a time."""
        messages: list[Message] = []
        events: list[Event] = []
        size = self._fits("users.messages.get")
        for start in range(0, len(ids), size):
            found, invites = self._read_chunk({"ids": ids[start:start + size]}, since, now)
            messages += found
            events += invites
        return MailBatch(account=self.name, messages=tuple(messages), cursor=cursor, full=False,
                         removed=removed, invitations=tuple(events),
                         problems=tuple(self.read_problems))

    def _fetch(self, ids: list[str], fmt: str) -> Iterator[tuple[list[str], dict[str, Any]]]:
        """The ``fmt`` resources of ``ids``, one batch (ids, id -> resource) at a time."""
        if not ids:
            return iter(())
        extra = {"metadataHeaders": list(METADATA_HEADERS)} if fmt == "metadata" else {}
        # One resource for every call: the client builds each users()/messages() afresh
        # from the discovery document, which cost more CPU than the messages themselves.
        messages = self._resource("messages")

        def make(msg_id: str) -> Any:
            return messages.get(userId=self.user_id, id=msg_id, format=fmt, **extra)

        units = QUOTA_UNITS["users.messages.get"]
        batcher = self.batcher
        size = self._fits("users.messages.get")
        if size != batcher.size:
            batcher = dataclasses.replace(batcher, size=size)
        return batcher.chunks(ids, make, f"gmail users.messages.get ({fmt})",
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
        from kaffe.connectors.ical.invites import (
            invitations_from_mime,  # a sibling part: import late
        )

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
        if message.date < oldest or not may_hold_invitation(top_mime_type(doc)):
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

    def _resource(self, name: str) -> Any:
        """``users().<name>()``, built once a sync (see :meth:`_fetch`)."""
        if name not in self._resources:
            self._resources[name] = getattr(self._users(), name)()
        return self._resources[name]

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
