"""Gmail state: messages, threads, drafts and the history log."""

from __future__ import annotations

import email.utils
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kaffe.emulator.gmail_mime import StoredMessage
from kaffe.emulator.threading_rule import fits_thread
from kaffe.emulator.wire import ApiError

Clock = Callable[[], datetime]
_MSGID = re.compile(r"<[^<>\s]+>")
FIRST_HISTORY_ID = 100000


class GmailStore:
    """One user's mailbox. Callers hold ``lock`` while they read or change it."""

    def __init__(self, user_email: str, clock: Clock) -> None:
        self.lock = threading.RLock()
        self.user_email = user_email
        self.clock = clock
        self.messages: dict[str, StoredMessage] = {}
        self.drafts: dict[str, str] = {}  # draft id -> message id
        self.history: list[dict[str, Any]] = []
        self.history_id = FIRST_HISTORY_ID
        self.oldest_history_id = FIRST_HISTORY_ID
        self.send_attempts = 0
        self._threads_by_msgid: dict[str, str] = {}
        self._next_id = int.from_bytes(secrets.token_bytes(5), "big") << 20
        self._pages: dict[str, tuple[list[Any], int]] = {}

    # -- adding mail -------------------------------------------------------------
    def add_message(
        self,
        raw: bytes,
        labels: list[str],
        *,
        thread_id: str | None = None,
        by_references: bool = True,
        internal_date: int | None = None,
    ) -> StoredMessage:
        """Store a message; it joins ``thread_id`` or the thread its References name."""
        with self.lock:
            msg_id = self._new_id()
            msg = StoredMessage(msg_id, "", raw, 0, 0, list(labels))
            joined = self._thread_of_references(msg) if by_references else None
            msg.thread_id = thread_id or joined or msg_id
            msg.internal_date = internal_date or self._internal_date(msg)
            self.messages[msg_id] = msg
            for ref in _MSGID.findall(msg.header("Message-ID")):
                self._threads_by_msgid.setdefault(ref, msg.thread_id)
            msg.history_id = self._record(
                msg, "messagesAdded", {"message": {**msg.ref(), "labelIds": list(labels)}}
            )
            return msg

    def create_draft(self, raw: bytes, thread_id: str | None) -> tuple[str, StoredMessage]:
        """A new draft (label DRAFT); with ``thread_id`` it joins that thread."""
        with self.lock:
            thread = self.thread(thread_id) if thread_id else []
            if thread_id and not thread:
                raise ApiError(404, "Requested entity was not found.")
            # Gmail threads a draft only when told to, and only when its headers and
            # subject agree with the thread (threading_rule); else a new thread starts.
            probe = StoredMessage("", "", raw, 0, 0)
            joins = thread_id if thread_id and fits_thread(probe, thread) else None
            msg = self.add_message(raw, ["DRAFT"], thread_id=joins, by_references=False)
            draft_id = f"r{self._new_id_number()}"
            self.drafts[draft_id] = msg.id
            return draft_id, msg

    def update_draft(self, draft_id: str, raw: bytes, thread_id: str | None) -> StoredMessage:
        """Replace the draft's message, as drafts.update (and an edit in Gmail) does: the
        draft id stays, its message is a new one with a new id (messageDeleted for the
        old, messageAdded for the new). With ``thread_id`` it stays in or joins that
        thread when the threading rule allows; else it starts its own."""
        with self.lock:
            old = self.draft_message(draft_id)
            thread = [m for m in self.thread(thread_id) if m.id != old.id] if thread_id else []
            if thread_id and not thread and thread_id != old.thread_id:
                raise ApiError(404, "Requested entity was not found.")
            probe = StoredMessage("", "", raw, 0, 0)
            joins = thread_id if thread_id and (not thread or fits_thread(probe, thread)) else None
            del self.messages[old.id]
            self._record(old, "messagesDeleted", {"message": old.ref()})
            msg = self.add_message(raw, ["DRAFT"], thread_id=joins, by_references=False)
            self.drafts[draft_id] = msg.id
            return msg

    def delete_draft(self, draft_id: str) -> None:
        """Remove a draft and its message."""
        with self.lock:
            msg = self.messages.pop(self.draft_message(draft_id).id)
            del self.drafts[draft_id]
            self._record(msg, "messagesDeleted", {"message": msg.ref()})

    # -- reading -------------------------------------------------------------------
    def message(self, msg_id: str) -> StoredMessage:
        """The message, else Gmail's 404."""
        msg = self.messages.get(msg_id)
        if msg is None:
            raise ApiError(404, "Requested entity was not found.")
        return msg

    def draft_message(self, draft_id: str) -> StoredMessage:
        """The message behind a draft id, else 404."""
        if draft_id not in self.drafts:
            raise ApiError(404, "Requested entity was not found.")
        return self.messages[self.drafts[draft_id]]

    def thread(self, thread_id: str) -> list[StoredMessage]:
        """The thread's messages, oldest first (empty if unknown)."""
        found = [m for m in self.messages.values() if m.thread_id == thread_id]
        return sorted(found, key=lambda m: (m.internal_date, m.id))

    def history_since(self, start: int) -> list[dict[str, Any]]:
        """History records after ``start``; 404 once ``start`` is older than what is kept."""
        if start < self.oldest_history_id:
            raise ApiError(404, "Requested entity was not found.")
        return [r for r in self.history if int(r["id"]) > start]

    def expire_history(self) -> None:
        """Forget the history log: every earlier history id now gets 404."""
        with self.lock:
            self.history.clear()
            self.oldest_history_id = self.history_id

    def threads_total(self) -> int:
        return len({m.thread_id for m in self.messages.values()})

    # -- paging --------------------------------------------------------------------
    def save_page(self, items: list[Any], offset: int) -> str:
        token = secrets.token_hex(10)
        self._pages[token] = (items, offset)
        return token

    def take_page(self, token: str) -> tuple[list[Any], int]:
        if token not in self._pages:
            raise ApiError(400, "Invalid pageToken", reason="invalidArgument", location="pageToken")
        return self._pages[token]

    # -- internals -------------------------------------------------------------------
    def _record(self, msg: StoredMessage, kind: str, entry: dict[str, Any]) -> int:
        self.history_id += 1
        record = {"id": str(self.history_id), "messages": [msg.ref()], kind: [entry]}
        self.history.append(record)
        return self.history_id

    def _thread_of_references(self, msg: StoredMessage) -> str | None:
        refs = _MSGID.findall(msg.header("In-Reply-To"))
        refs += reversed(_MSGID.findall(msg.header("References")))
        return next((self._threads_by_msgid[r] for r in refs if r in self._threads_by_msgid), None)

    def _internal_date(self, msg: StoredMessage) -> int:
        """From the Date header (Gmail does the same for imported mail), else now."""
        raw = msg.parsed.get("Date")
        try:
            when = email.utils.parsedate_to_datetime(str(raw)) if raw else None
        except (TypeError, ValueError, IndexError):
            when = None
        if when is None:
            when = self.clock()
        elif when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return int(when.timestamp() * 1000)

    def _new_id_number(self) -> int:
        self._next_id += 1
        return self._next_id

    def _new_id(self) -> str:
        return f"{self._new_id_number():016x}"
