"""IMAP as a :class:`~kaffe.connectors.base.MailSource` (INBOX and Sent) and, in
:mod:`kaffe.connectors.imap.drafts`, as a :class:`~kaffe.connectors.base.DraftSink`.

The cursor is JSON holding, per folder, its name, UIDVALIDITY and UIDNEXT.
What a cycle costs on the wire:

* nothing new: LOGIN, ``STATUS <folder> (UIDVALIDITY UIDNEXT)`` for INBOX and
  for Sent, LOGOUT — four commands (the server greeting carries CAPABILITY, so
  imaplib's own CAPABILITY command is skipped when it does);
* new mail in a folder: + EXAMINE (read-only) + one ``UID FETCH`` of the header
  fields (``BODY.PEEK``: nothing is marked \\Seen), + one ``UID FETCH BODY.PEEK[]``
  when a new message may carry an invitation;
* no cursor, a changed UIDVALIDITY or a vanished folder: LIST, STATUS, EXAMINE
  and ``UID SEARCH SINCE`` per folder, and ``full=True``.

* a new reply that names only its parent (In-Reply-To, no References) whose parent
  is not in the same sync: per folder (until found) EXAMINE + ``UID SEARCH HEADER
  Message-ID``, + one ``UID FETCH`` of the parent's header fields, so the reply joins
  the parent's thread as in Gmail (again, at most :data:`LOOKUP_ROUNDS` deep, when the
  parent names only its own parent).

Deleted messages are not noticed by a quiet cycle (that would take a SEARCH per
folder): ``removed`` stays empty until the next full sync.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kaffe.connectors.imap.conn import ImapAccount, ImapSession, session
from kaffe.connectors.imap.folders import SENT, find_folder, parse_list
from kaffe.connectors.imap.parse import (
    FETCH_ITEMS,
    RAW_ITEMS,
    SAMPLE_ITEMS,
    Fetched,
    content_type,
    header_search,
    is_terse_reply,
    join_threads,
    parse_fetch,
    resolve_thread,
    searchable,
    text_sample,
    to_message,
)
from kaffe.connectors.mailheaders import MAX_RAW_BYTES, UnreadableMessage, may_hold_invitation
from kaffe.errors import ConnectorError, TransientError
from kaffe.model import RECEIVED, Event, MailBatch, Message

log = logging.getLogger(__name__)

INBOX = "inbox"
CURSOR_VERSION = 1
FETCH_CHUNK = 500  # UIDs per FETCH command
LOOKUP_CHUNK = 20  # Message-IDs per parent-lookup SEARCH
LOOKUP_ROUNDS = 3  # a terse reply to a terse reply to …: parents looked up this deep
DEFAULT_LOOKAHEAD = timedelta(days=365)
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class FolderState:
    """Where one folder stood at the last sync."""

    role: str  # inbox | sent
    name: str
    uidvalidity: int
    uidnext: int


class ImapMailSource:
    """INBOX and Sent of one IMAP account, synced by UIDVALIDITY/UIDNEXT."""

    def __init__(
        self, account: ImapAccount, *, invite_days: int = 60,
        lookahead: timedelta = DEFAULT_LOOKAHEAD,
    ) -> None:
        self.account = account
        self.name = f"imap:{account.name}"
        self.invite_days = invite_days
        self.lookahead = lookahead  # invitations: recurrences expanded up to now + this
        self.last_commands = 0  # commands of the last sync, LOGIN and LOGOUT included
        self.read_problems: list[str] = []  # invitations not read: MailBatch.problems

    def own_addresses(self) -> tuple[str, ...]:
        """The configured address and aliases (and a user name that is an address)."""
        found = (self.account.address, *self.account.aliases, self.account.username)
        return tuple(dict.fromkeys(a.strip().lower() for a in found if "@" in a))

    def sync(self, cursor: str | None, *, since: datetime, now: datetime) -> MailBatch:
        """New messages since ``cursor``; a full sync since ``since`` without a usable one."""
        self.read_problems = []
        with session(self.account) as imap:
            batch: MailBatch | None = None
            try:
                batch = self._sync(imap, load_cursor(cursor), since, now)
                return batch
            finally:
                self.last_commands = imap.commands + 2
                kind = "failed" if batch is None else "full" if batch.full else "incremental"
                log.info("%s: %s sync: %d IMAP commands, %d messages", self.name, kind,
                         self.last_commands, len(batch.messages) if batch else 0)

    def _sync(
        self, imap: ImapSession, known: list[FolderState] | None, since: datetime,
        now: datetime,
    ) -> MailBatch:
        current = self._statuses(imap, known) if known else None
        if not known or current is None or _validity_changed(known, current):
            if known:
                log.info("%s: folders or UIDVALIDITY changed; resyncing the window", self.name)
            return self._full(imap, since, now)
        old = {f.role: f for f in known}
        messages: list[Message] = []
        invitations: list[Event] = []
        for state in current:
            if state.uidnext != old[state.role].uidnext:
                uids = f"{old[state.role].uidnext}:{state.uidnext - 1}"
                self._read(imap, state, uids, (since, now), messages, invitations)
        return self._batch(messages, invitations, current, full=False, imap=imap)

    def _full(self, imap: ImapSession, since: datetime, now: datetime) -> MailBatch:
        folders = parse_list(imap.folders())
        names = {INBOX: "INBOX", SENT: find_folder(folders, SENT, self.account.sent_folder)}
        messages: list[Message] = []
        invitations: list[Event] = []
        states = [_status(imap, role, name) for role, name in names.items()]
        for state in states:
            self._open(imap, state)
            # a day early: SINCE counts whole days in the server's time zone
            found = imap.search(state.name, "SINCE", imap_date(since - timedelta(days=1)))
            for uids in uid_sets([u for u in found if u < state.uidnext]):
                self._read(imap, state, uids, (since, now), messages, invitations, opened=True)
        return self._batch(messages, invitations, states, full=True, imap=imap)

    def _statuses(self, imap: ImapSession, known: list[FolderState]) -> list[FolderState] | None:
        """STATUS of every known folder; None when one has vanished (renamed, deleted)."""
        try:
            return [_status(imap, f.role, f.name) for f in known]
        except ConnectorError as exc:
            log.info("%s: %s", self.name, exc)
            return None

    def _open(self, imap: ImapSession, state: FolderState) -> None:
        if imap.open(state.name) != state.uidvalidity:
            raise TransientError(f"{self.name}: UIDVALIDITY of {state.name} changed during "
                                 "the sync; the next cycle resyncs")

    def _read(
        self, imap: ImapSession, state: FolderState, uids: str,
        window: tuple[datetime, datetime], messages: list[Message], invitations: list[Event],
        *, opened: bool = False,
    ) -> None:
        """Fetch, normalise and look for invitations in ``uids`` of one folder."""
        if not opened:
            self._open(imap, state)
        since, now = window
        fetched = [f for f in parse_fetch(imap.fetch(state.name, uids, FETCH_ITEMS))
                   if "\\draft" not in {x.lower() for x in f.flags}]
        pairs = [(f, m) for f in fetched if (m := self._message(f, state)) and m.date >= since]
        pairs = self._samples(imap, state, pairs)
        messages += [m for _, m in pairs]
        invitations += self._invitations(imap, state, pairs, since, now)

    def _samples(self, imap: ImapSession, state: FolderState,
                 pairs: list[tuple[Fetched, Message]]) -> list[tuple[Fetched, Message]]:
        """The received personal messages with the first words of their text (one partial
        ``UID FETCH`` of at most SAMPLE_BYTES each), to judge their language at sync."""
        wanted = {f.uid: f for f, m in pairs if m.direction == RECEIVED and not m.bulk}
        if not wanted:
            return pairs
        samples: dict[int, str] = {}
        for uids in uid_sets(sorted(wanted)):
            for part in parse_fetch(imap.fetch(state.name, uids, SAMPLE_ITEMS)):
                if part.uid in wanted:
                    samples[part.uid] = text_sample(content_type(wanted[part.uid]),
                                                    part.literal)
        return [(f, replace(m, sample=samples[f.uid]) if samples.get(f.uid) else m)
                for f, m in pairs]

    def _message(self, fetched: Fetched, state: FolderState) -> Message | None:
        ident = f"{state.role}/{state.uidvalidity}/{fetched.uid}"
        own = frozenset(self.own_addresses())
        try:
            return to_message(fetched, account=self.name, folder_label=state.name,
                              message_id=ident, sent_folder=state.role == SENT, own=own)
        except UnreadableMessage as exc:
            log.warning("%s: message %s skipped: %s", self.name, ident, exc)
            self.read_problems.append(f"{self.name}: message {ident} skipped: {exc}")
            return None

    def _invitations(
        self, imap: ImapSession, state: FolderState, pairs: list[tuple[Fetched, Message]],
        since: datetime, now: datetime,
    ) -> list[Event]:
        oldest = now - timedelta(days=self.invite_days)
        wanted = {f.uid: m for f, m in pairs if self._wants_raw(f, m, oldest)}
        if not wanted:
            return []
        from kaffe.connectors.ical.invites import (
            invitations_from_mime,  # a sibling part: import late
        )

        raws = parse_fetch(imap.fetch(state.name, ",".join(map(str, wanted)), RAW_ITEMS))
        events: list[Event] = []
        for raw in raws:
            if (message := wanted.get(raw.uid)) is not None:
                events += invitations_from_mime(
                    raw.literal, account=self.name, thread_id=message.thread_id,
                    received=message.date, self_addresses=self.own_addresses(),
                    window=(since, now + self.lookahead), problems=self.read_problems)
        return events

    def _wants_raw(self, fetched: Fetched, message: Message, oldest: datetime) -> bool:
        """Raw MIME only for recent mail whose type can carry a calendar; bulk mail
        too, as robots send invitations: bulk decides who is a contact, not this."""
        if message.date < oldest or fetched.size > MAX_RAW_BYTES:
            return False
        return may_hold_invitation(content_type(fetched))

    def _parents(
        self, imap: ImapSession, states: list[FolderState], messages: list[Message],
    ) -> dict[str, str]:
        """Message-ID → thread id of the parents that terse replies name and this sync
        did not read, looked up on the server (their own parents too, a few rounds deep)."""
        known: dict[str, str] = {}
        have = {m.message_id for m in messages}
        asking = messages
        for _ in range(LOOKUP_ROUNDS):
            wanted = sorted({m.thread_id for m in asking if is_terse_reply(m)
                             and m.thread_id not in have and searchable(m.thread_id)})
            asking = []
            for state in states:
                if not wanted:
                    break
                self._open(imap, state)
                found = [u for ids in _chunks(wanted, LOOKUP_CHUNK)
                         for u in imap.search(state.name, header_search(ids))]
                for uids in uid_sets(found) if found else ():
                    for fetched in parse_fetch(imap.fetch(state.name, uids, FETCH_ITEMS)):
                        parent = self._parent(fetched, state)
                        if parent is not None and parent.message_id in wanted:
                            asking.append(parent)
                            known[parent.message_id] = parent.thread_id
                have |= {m.message_id for m in asking}
                wanted = [w for w in wanted if w not in have]
            if not asking:
                break
        return known

    def _parent(self, fetched: Fetched, state: FolderState) -> Message | None:
        try:
            return to_message(fetched, account=self.name, folder_label=state.name,
                              message_id=f"{state.role}/{state.uidvalidity}/{fetched.uid}",
                              sent_folder=state.role == SENT, own=frozenset())
        except UnreadableMessage:
            return None  # not a parent kaffe can file anything under

    def _batch(
        self, messages: list[Message], invitations: list[Event], states: list[FolderState],
        *, full: bool, imap: ImapSession,
    ) -> MailBatch:
        if any(is_terse_reply(m) for m in messages):
            known = self._parents(imap, states, messages)
            messages = join_threads(messages, known)
            links = {**known, **{m.message_id: m.thread_id for m in messages if m.message_id}}
            invitations = [replace(e, thread_id=resolve_thread(e.thread_id, links))
                           if e.thread_id else e for e in invitations]
        return MailBatch(account=self.name, messages=_unique(messages),
                         cursor=dump_cursor(states), full=full,
                         invitations=tuple(invitations), problems=tuple(self.read_problems))


def _status(imap: ImapSession, role: str, name: str) -> FolderState:
    answer = imap.status(name)

    def number(key: str) -> int:
        found = re.search(rb"\b" + key.encode() + rb" (\d+)", answer, re.IGNORECASE)
        if found is None:
            raise ConnectorError(f"STATUS {name}: the answer has no {key}")
        return int(found.group(1))

    return FolderState(role, name, number("UIDVALIDITY"), number("UIDNEXT"))


def _validity_changed(known: list[FolderState], current: list[FolderState]) -> bool:
    return [(f.name, f.uidvalidity) for f in known] != [(f.name, f.uidvalidity) for f in current]


def _unique(messages: list[Message]) -> tuple[Message, ...]:
    """One copy per Message-ID: mail to yourself sits in INBOX and Sent; Sent wins."""
    ordered = sorted(messages, key=lambda m: m.direction != "sent")
    seen: set[str] = set()
    kept: list[Message] = []
    for message in ordered:
        if message.message_id and message.message_id in seen:
            continue
        seen.add(message.message_id)
        kept.append(message)
    return tuple(sorted(kept, key=lambda m: m.date))


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def load_cursor(cursor: str | None) -> list[FolderState] | None:
    """The folder states in a cursor; None when absent or unreadable (a full sync follows)."""
    if not cursor:
        return None
    try:
        doc = json.loads(cursor)
        if doc.get("v") != CURSOR_VERSION:
            return None
        return [FolderState(str(f["role"]), str(f["name"]), int(f["uidvalidity"]),
                            int(f["uidnext"])) for f in doc["folders"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("unreadable IMAP cursor; doing a full sync")
        return None


def dump_cursor(states: list[FolderState]) -> str:
    """The cursor for ``states``: compact JSON."""
    folders = [{"role": s.role, "name": s.name, "uidvalidity": s.uidvalidity,
                "uidnext": s.uidnext} for s in states]
    return json.dumps({"v": CURSOR_VERSION, "folders": folders}, separators=(",", ":"))


def uid_sets(uids: list[int], chunk: int = FETCH_CHUNK) -> list[str]:
    """Sorted UIDs as IMAP sequence sets (``1:4,7``), at most ``chunk`` UIDs each."""
    ordered = sorted(set(uids))
    sets: list[str] = []
    for start in range(0, len(ordered), chunk):
        part, runs = ordered[start:start + chunk], []
        first = prev = part[0]
        for uid in [*part[1:], None]:
            if uid is not None and uid == prev + 1:
                prev = uid
                continue
            runs.append(str(first) if first == prev else f"{first}:{prev}")
            if uid is not None:
                first = prev = uid
        sets.append(",".join(runs))
    return sets


def imap_date(when: datetime) -> str:
    """An IMAP SEARCH date (``10-Mar-2026``); SINCE compares whole days, so the
    caller filters the exact instant again."""
    return f"{when.day}-{_MONTHS[when.month - 1]}-{when.year}"

