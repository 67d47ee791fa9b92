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
from kaffe.connectors.imap.parse import parse_fetch
from kaffe.connectors.mailheaders import parse_header_block
from kaffe.errors import ConnectorError
from kaffe.mailids import KEY_HEADER, wire_key
from kaffe.model import Draft
from kaffe.timeutil import now_utc

log = logging.getLogger(__name__)

DRAFT_FLAGS = "(\\Draft)"
KEY_ITEMS = f"(UID BODY.PEEK[HEADER.FIELDS ({KEY_HEADER.upper()})])"
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


class ImapDraftSink:
    """Appends drafts stamped with ``X-Kaffe-Key`` to Drafts and finds them by key."""

    def __init__(self, account: ImapAccount, *, clock: Callable[[], datetime] = now_utc) -> None:
        self.account = account
        self.name = f"imap:{account.name}"
        self.clock = clock  # the INTERNALDATE of a draft without a date of its own
        self._folder: str = account.drafts_folder  # found once, then remembered

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
