"""IMAP Drafts as a :class:`~kaffe.connectors.base.DraftSink`: APPEND with ``\\Draft``.

Creates and finds drafts only; there is no SMTP anywhere in kaffe. A draft id is
``drafts/<UIDVALIDITY>/<UID>``, taken from the APPENDUID response code
(RFC 4315) when the server sends one, else found again by its key.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable
from datetime import datetime

from kaffe.compose.mime import to_raw
from kaffe.connectors.imap.conn import ImapAccount, ImapSession, quote, session
from kaffe.connectors.imap.folders import DRAFTS, find_folder, parse_list
from kaffe.connectors.imap.parse import Fetched, parse_fetch
from kaffe.connectors.mailbody import BodyText, raw_body_text
from kaffe.connectors.mailheaders import first, parse_header_block, recipients
from kaffe.errors import ConnectorError
from kaffe.mailids import KEY_HEADER, wire_key
from kaffe.model import Draft, DraftHead
from kaffe.timeutil import now_utc

log = logging.getLogger(__name__)

DRAFT_FLAGS = "(\\Draft)"
KEY_ITEMS = f"(UID BODY.PEEK[HEADER.FIELDS ({KEY_HEADER.upper()})])"
HEAD_ITEMS = f"(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (TO CC SUBJECT {KEY_HEADER.upper()})])"
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


class ImapDraftSink:
    """Appends drafts stamped with ``X-Kaffe-Key`` to Drafts and finds them by key."""

    def __init__(self, account: ImapAccount, *, clock: Callable[[], datetime] = now_utc) -> None:
        self.account = account
        self.name = f"imap:{account.name}"
        self.clock = clock  # the INTERNALDATE of a draft without a date of its own
        self._folder: str = account.drafts_folder  # found once, then remembered
        self._made: dict[str, str] = {}  # the drafts created here: id -> version

    def create_draft(self, draft: Draft) -> str:
        """APPEND ``draft`` to Drafts with the ``\\Draft`` flag; return its id."""
        raw = to_raw(draft)
        with session(self.account) as imap:
            folder = self._drafts(imap)
            data = imap.append(folder, DRAFT_FLAGS, draft.date or self.clock(), raw)
            found = next((m for d in data if isinstance(d, bytes)
                          and (m := _APPENDUID.search(d))), None)
            draft_id = (f"drafts/{int(found.group(1))}/{int(found.group(2))}" if found
                        else self._find(imap, folder, draft.key))
        if draft_id is None:
            raise ConnectorError(f"{self.name}: the draft was appended to {folder} but "
                                 "cannot be found again by its key")
        log.info("%s: draft %s created in %s", self.name, draft_id, folder)
        self._made[draft_id] = draft_id  # an edit is a new UID: the id is the version
        return draft_id

    def find_draft(self, key: str) -> str | None:
        """The id of the draft in Drafts whose ``X-Kaffe-Key`` stands for ``key``."""
        return self.find_drafts([key]).get(key)

    def find_drafts(
        self, keys: Iterable[str], *, skip: Collection[str] = ()
    ) -> dict[str, str]:
        """Key -> draft id for each of ``keys`` found in Drafts: one session, one
        ``UID SEARCH HEADER X-Kaffe-Key`` per key (the server searches: ``skip`` would
        save nothing)."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        with session(self.account) as imap:
            folder = self._drafts(imap)
            validity = imap.open(folder)
            found = {key: _search(imap, folder, validity, key) for key in keys}
        return {key: draft_id for key, draft_id in found.items() if draft_id is not None}

    # -- reading your drafts (issue 16): FETCH with PEEK, so not even \\Seen changes ----
    def draft_versions(self) -> dict[str, str]:
        """Draft id -> version: a UID is never reused, and a client saves an edit as a
        new message, so the id is the version."""
        with session(self.account) as imap:
            folder = self._drafts(imap)
            validity = imap.open(folder)
            uids = imap.search(folder, "NOT", "DELETED")
        return {f"drafts/{validity}/{uid}": f"drafts/{validity}/{uid}" for uid in uids}

    def made_versions(self) -> dict[str, str]:
        """The drafts this sink appended (id and version are the same)."""
        return dict(self._made)

    def draft_heads(self, ids: Iterable[str]) -> list[DraftHead]:
        """One FETCH of the addressing headers and RFC822.SIZE of these drafts."""
        heads = []
        for draft_id, fetched in self._fetch(ids, HEAD_ITEMS).items():
            headers = parse_header_block(fetched.literal)
            heads.append(DraftHead(
                id=draft_id, version=draft_id,
                to=recipients(headers.get("to", []) + headers.get("cc", [])),
                subject=first(headers, "subject"), kaffe_key=first(headers, KEY_HEADER.lower()),
                size=fetched.size))
        return heads

    def draft_texts(self, ids: Iterable[str], *, cap: int) -> dict[str, BodyText]:
        """A partial FETCH of each draft's first bytes (enough for ``cap`` characters of
        text after MIME's headers and encodings), never more."""
        most = cap * 2 + 16_384
        texts = {}
        items = f"(UID RFC822.SIZE BODY.PEEK[]<0.{most}>)"
        for draft_id, fetched in self._fetch(ids, items).items():
            try:
                texts[draft_id] = raw_body_text(fetched.literal, cap=cap,
                                                truncated=fetched.size > len(fetched.literal))
            except (ValueError, TypeError, LookupError) as exc:
                log.warning("%s: draft %s cannot be read (%s); not reviewed",
                            self.name, draft_id, type(exc).__name__)
        return texts

    def _fetch(self, ids: Iterable[str], items: str) -> dict[str, Fetched]:
        wanted = [i for i in ids if i.startswith("drafts/")]
        if not wanted:
            return {}
        with session(self.account) as imap:
            folder = self._drafts(imap)
            validity = imap.open(folder)
            uids = sorted({int(i.rsplit("/", 1)[1]) for i in wanted
                           if i.split("/")[1] == str(validity)})
            if not uids:
                return {}  # UIDVALIDITY changed: the next listing has the new ids
            fetched = parse_fetch(imap.fetch(folder, ",".join(map(str, uids)), items))
        return {f"drafts/{validity}/{f.uid}": f for f in fetched}

    def _drafts(self, imap: ImapSession) -> str:
        if not self._folder:
            folders = parse_list(imap.folders())
            self._folder = find_folder(folders, DRAFTS, self.account.drafts_folder)
        return self._folder

    def _find(self, imap: ImapSession, folder: str, key: str) -> str | None:
        return _search(imap, folder, imap.open(folder), key)


def _search(imap: ImapSession, folder: str, validity: int, key: str) -> str | None:
    """The id of the draft for ``key`` in the open ``folder`` (UIDVALIDITY ``validity``)."""
    key = wire_key(key)  # ASCII, so SEARCH needs no CHARSET
    # SEARCH HEADER matches substrings: the hits' keys are compared exactly below
    uids = imap.search(folder, "NOT", "DELETED", "HEADER", KEY_HEADER, quote(key))
    if not uids:
        return None
    fetched = parse_fetch(imap.fetch(folder, ",".join(map(str, uids)), KEY_ITEMS))
    exact = sorted(f.uid for f in fetched
                   if key in parse_header_block(f.literal).get(KEY_HEADER.lower(), []))
    return f"drafts/{validity}/{exact[0]}" if exact else None
