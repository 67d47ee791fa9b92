"""Control endpoints that play what the user does in Gmail between kaffe's cycles.

``POST /_emulator/messages`` with ``{"raw": <base64url>, "labelIds": ["INBOX"],
"threadId"?: ...}``: a message arrives (default labels INBOX, UNREAD), or, with
``SENT``, one the user wrote elsewhere. It threads as Gmail does: by its References
and In-Reply-To, or into ``threadId`` when the threading rule allows. The answer is
the message resource (``format=minimal``); history.list shows it as messageAdded.

``POST /_emulator/drafts/<id>`` with ``{"raw": <base64url>}``: the user edits a draft
in Gmail, as drafts.update does it (same draft id and thread, a new message).

``POST /_emulator/drafts/<id>/send``: the user sends a draft, as Gmail's drafts.send
does it: the draft and its message are gone (messageDeleted), a new message with a
new id, the same bytes and the label SENT is in the draft's thread (messageAdded),
and the answer is that message. It is the user's click, not an API call: kaffe's
own send calls are still refused and counted.

Long simulations and the demo use these, so they validate like the API: bad JSON,
a missing or non-base64url ``raw`` and labels that are not strings get 400.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

from kaffe.emulator.gmail_mime import StoredMessage, decode_b64url, render
from kaffe.emulator.gmail_store import GmailStore
from kaffe.emulator.threading_rule import fits_thread
from kaffe.emulator.wire import ApiError, Request, bad_request

DEFAULT_LABELS = ("INBOX", "UNREAD")
_SEND = re.compile(r"^drafts/([^/]+)/send$")
_EDIT = re.compile(r"^drafts/([^/]+)$")


def mail_control(store: GmailStore, req: Request, action: str) -> dict[str, Any] | None:
    """Answer ``action`` (the path after ``/_emulator/``) if it is a mail control."""
    if req.method != "POST":
        return None
    if action == "messages":
        return deliver(store, req.json())
    match = _SEND.match(action)
    if match:
        return send_draft(store, match.group(1), store.clock())
    match = _EDIT.match(action)
    if match:
        return edit_draft(store, match.group(1), req.json())
    return None


def deliver(store: GmailStore, spec: Any) -> dict[str, Any]:
    """A message arrives (or, labelled SENT, was sent elsewhere): its resource."""
    raw = _raw(spec, "a message")
    labels = _labels(spec.get("labelIds", list(DEFAULT_LABELS)))
    with store.lock:
        thread_id = spec.get("threadId")
        if thread_id is None:
            msg = store.add_message(raw, labels)
        else:
            msg = store.add_message(raw, labels, thread_id=_joined(store, raw, str(thread_id)),
                                    by_references=False)
        return render(msg, "minimal", [])


def send_draft(store: GmailStore, draft_id: str, now: Any) -> dict[str, Any]:
    """The user sends draft ``draft_id`` from Gmail: the SENT message's resource."""
    with store.lock:
        draft = store.draft_message(draft_id)
        store.delete_draft(draft_id)
        sent = store.add_message(draft.raw, ["SENT"], thread_id=draft.thread_id,
                                 by_references=False,
                                 internal_date=int(now.timestamp() * 1000))
        return render(sent, "minimal", [])


def edit_draft(store: GmailStore, draft_id: str, spec: Any) -> dict[str, Any]:
    """The user edits draft ``draft_id`` in Gmail and it is saved: as drafts.update, the
    draft keeps its id and thread and its message is a new one. The draft resource."""
    raw = _raw(spec, "an edit")
    with store.lock:
        msg = store.update_draft(draft_id, raw, store.draft_message(draft_id).thread_id)
        return {"id": draft_id, "message": render(msg, "minimal", [])}


def _raw(spec: Any, what: str) -> bytes:
    """The RFC 822 bytes in ``spec["raw"]`` (base64url), else 400 naming ``what``."""
    if not isinstance(spec, dict) or not isinstance(spec.get("raw"), str) or not spec["raw"]:
        raise bad_request(f'{what} needs "raw": the RFC 822 bytes in base64url', location="raw")
    try:
        return decode_b64url(spec["raw"])
    except (ValueError, binascii.Error) as exc:
        raise bad_request("raw is not base64url", location="raw") from exc


def _joined(store: GmailStore, raw: bytes, thread_id: str) -> str | None:
    thread = store.thread(thread_id)
    if not thread:
        raise ApiError(404, "Requested entity was not found.")
    return thread_id if fits_thread(StoredMessage("", "", raw, 0, 0), thread) else None


def _labels(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise bad_request("labelIds must be a list of label ids", location="labelIds")
    return list(value)
