"""Small capability Protocols that sources and sinks implement.

Every calendar source, mail source and draft sink passes the contract suite in
``tests/contract/`` (one scenario, the same events, verdicts, draft keys and plan)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Protocol, runtime_checkable

from kaffe.connectors.mailbody import BodyText
from kaffe.model import CalendarBatch, Draft, DraftHead, FeedBatch, MailBatch


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


class MailSource(Protocol):
    """Pulls what changed in one mailbox since a stored cursor (Gmail historyId,
    IMAP UIDVALIDITY/UIDNEXT). ``cursor=None`` or an expired cursor: a full sync
    of the messages since ``since`` (``full=True``). Bulk mail is returned with
    ``Message.bulk`` set, so the store can tell it apart; invitations found in
    text/calendar parts come back as events in ``MailBatch.invitations``."""

    name: str  # account key used in Message.account and cursor names

    def sync(self, cursor: str | None, *, since: datetime, now: datetime) -> MailBatch: ...

    def own_addresses(self) -> tuple[str, ...]:
        """Addresses this mailbox sends as (profile address, aliases), lower-cased."""
        ...


class FeedSource(Protocol):
    """Fetches one RSS/Atom feed with a conditional request (the cursor holds the
    ETag / Last-Modified); a 304 returns ``not_modified=True`` and costs no parse.
    A broken, slow or huge feed raises ConnectorError/TransientError naming it."""

    name: str

    def fetch(self, cursor: str | None, *, now: datetime) -> FeedBatch: ...


class DraftSink(Protocol):
    """Creates drafts. Never sends: kaffe only ever creates drafts."""

    name: str

    def create_draft(self, draft: Draft) -> str:
        """Create ``draft`` stamped with ``X-Kaffe-Key``; return the draft id."""
        ...

    def find_draft(self, key: str) -> str | None:
        """Return the id of an existing draft whose ``X-Kaffe-Key`` stands for ``key``."""
        ...

    def find_drafts(
        self, keys: Iterable[str], *, skip: Collection[str] = ()
    ) -> dict[str, str]:
        """Key -> draft id for each of ``keys`` an existing draft carries, in as few
        requests as the mailbox allows (the executor asks once per cycle). Drafts whose
        id is in ``skip`` (known to carry other keys) need not be read."""
        ...


@runtime_checkable
class DraftReader(Protocol):
    """Reads the drafts in your mailbox, to review what you are about to send (issue 16).
    Never changes, moves or deletes one: the sinks that implement it only read."""

    name: str

    def draft_versions(self) -> dict[str, str]:
        """Draft id -> version for every draft, without reading any (one cheap listing)."""
        ...

    def made_versions(self) -> dict[str, str]:
        """Draft id -> version of the drafts this process created, as kaffe wrote them
        (checked by the guard then): there is nothing to read in those."""
        ...

    def draft_heads(self, ids: Iterable[str]) -> list[DraftHead]:
        """Recipients, subject, key and size of these drafts (no text); one gone or
        unreadable since the listing is left out."""
        ...

    def draft_texts(self, ids: Iterable[str], *, cap: int) -> dict[str, BodyText]:
        """Draft id -> what you wrote in it, at most ``cap`` characters (read in part
        where the server allows); one gone or unreadable is left out."""
        ...
