"""Gmail v1 handlers: profile, messages, threads, drafts and history."""

from __future__ import annotations

import binascii
from typing import Any

from kaffe.emulator.gmail_mime import StoredMessage, decode_b64url, render
from kaffe.emulator.gmail_query import compile_query
from kaffe.emulator.gmail_store import GmailStore
from kaffe.emulator.wire import ApiError, Request, bad_request, bool_arg, int_arg

HISTORY_KEYS = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


def profile(store: GmailStore) -> dict[str, Any]:
    """``GET users/{userId}/profile``."""
    with store.lock:
        return {
            "emailAddress": store.user_email,
            "messagesTotal": len(store.messages),
            "threadsTotal": store.threads_total(),
            "historyId": str(store.history_id),
        }


def messages_list(store: GmailStore, req: Request) -> dict[str, Any]:
    """``GET users/{userId}/messages``: newest first, filtered by q and labelIds."""
    size = int_arg(req, "maxResults", 100, 500)
    with store.lock:
        token = req.arg("pageToken")
        refs, offset = store.take_page(token) if token else (_matching(store, req), 0)
        return _paged(store, "messages", refs, offset, size)


def _matching(store: GmailStore, req: Request) -> list[dict[str, str]]:
    predicates, reaches_spam = compile_query(req.arg("q") or "", store.clock(), store.user_email)
    labels = req.args("labelIds")
    hide = not (bool_arg(req, "includeSpamTrash") or reaches_spam)
    found = [
        m
        for m in store.messages.values()
        if all(label in m.labels for label in labels)
        and not (hide and {"SPAM", "TRASH"} & set(m.labels))
        and all(p(m) for p in predicates)
    ]
    found.sort(key=lambda m: (m.internal_date, m.id), reverse=True)
    return [m.ref() for m in found]


def _paged(store: GmailStore, key: str, items: list[Any], offset: int, size: int) -> dict:
    doc: dict[str, Any] = {}
    chunk = items[offset : offset + size]
    if chunk:
        doc[key] = chunk
    if offset + size < len(items):
        doc["nextPageToken"] = store.save_page(items, offset + size)
    doc["resultSizeEstimate"] = len(items)
    return doc


def message_get(store: GmailStore, req: Request, msg_id: str) -> dict[str, Any]:
    """``GET users/{userId}/messages/{id}`` in the requested ``format``."""
    with store.lock:
        msg = store.message(msg_id)
        return render(msg, req.arg("format") or "full", req.args("metadataHeaders"))


def thread_get(store: GmailStore, req: Request, thread_id: str) -> dict[str, Any]:
    """``GET users/{userId}/threads/{id}``: the thread with its messages, oldest first."""
    with store.lock:
        messages = store.thread(thread_id)
        if not messages:
            raise ApiError(404, "Requested entity was not found.")
        fmt, headers = req.arg("format") or "full", req.args("metadataHeaders")
        return {
            "id": thread_id,
            "historyId": str(max(m.history_id for m in messages)),
            "messages": [render(m, fmt, headers) for m in messages],
        }


def _draft_body(req: Request) -> tuple[bytes, str | None]:
    """The raw bytes and thread id of a Draft body ``{"message": {"raw", "threadId"?}}``."""
    body = req.json()
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict) or not message.get("raw"):
        raise bad_request("Invalid draft: message.raw is required.", location="message.raw")
    try:
        raw = decode_b64url(str(message["raw"]))
    except (ValueError, binascii.Error) as exc:
        raise bad_request(
            "Invalid value for ByteString: message.raw is not base64url.",
            location="message.raw",
        ) from exc
    return raw, message.get("threadId") or None


def draft_create(store: GmailStore, req: Request) -> dict[str, Any]:
    """``POST users/{userId}/drafts`` with ``{"message": {"raw", "threadId"?}}``."""
    return _store_draft(store, *_draft_body(req))


def draft_update(store: GmailStore, req: Request, draft_id: str) -> dict[str, Any]:
    """``PUT users/{userId}/drafts/{id}`` with ``{"message": {"raw", "threadId"?}}``:
    the draft keeps its id and gets a new message."""
    raw, thread_id = _draft_body(req)
    if not raw.strip():
        raise bad_request("Invalid draft: the message is empty.")
    msg = store.update_draft(draft_id, raw, thread_id)
    return _draft_ref(draft_id, msg, with_labels=True)


def _store_draft(store: GmailStore, raw: bytes, thread_id: str | None) -> dict[str, Any]:
    if not raw.strip():
        raise bad_request("Invalid draft: the message is empty.")
    draft_id, msg = store.create_draft(raw, thread_id or None)
    return _draft_ref(draft_id, msg, with_labels=True)


def _draft_ref(draft_id: str, msg: StoredMessage, *, with_labels: bool = False) -> dict:
    ref: dict[str, Any] = msg.ref()
    if with_labels:
        ref["labelIds"] = list(msg.labels)
    return {"id": draft_id, "message": ref}


def drafts_list(store: GmailStore, req: Request) -> dict[str, Any]:
    """``GET users/{userId}/drafts``: newest first."""
    size = int_arg(req, "maxResults", 100, 500)
    with store.lock:
        token = req.arg("pageToken")
        if token:
            items, offset = store.take_page(token)
        else:
            drafts = [(d, store.messages[m]) for d, m in store.drafts.items()]
            drafts.sort(key=lambda dm: (dm[1].internal_date, dm[1].id), reverse=True)
            items, offset = [_draft_ref(d, m) for d, m in drafts], 0
        return _paged(store, "drafts", items, offset, size)


def draft_get(store: GmailStore, req: Request, draft_id: str) -> dict[str, Any]:
    """``GET users/{userId}/drafts/{id}`` with ``format`` like messages.get."""
    with store.lock:
        msg = store.draft_message(draft_id)
        rendered = render(msg, req.arg("format") or "full", req.args("metadataHeaders"))
        return {"id": draft_id, "message": rendered}


def draft_delete(store: GmailStore, draft_id: str) -> None:
    """``DELETE users/{userId}/drafts/{id}``."""
    store.delete_draft(draft_id)


def history_list(store: GmailStore, req: Request) -> dict[str, Any]:
    """``GET users/{userId}/history`` from ``startHistoryId``; 404 when it is too old."""
    start = req.arg("startHistoryId")
    if not start or not start.isdigit():
        raise bad_request("Invalid startHistoryId.", location="startHistoryId")
    size = int_arg(req, "maxResults", 100, 500)
    with store.lock:
        token = req.arg("pageToken")
        if token:
            records, offset = store.take_page(token)
        else:
            records, offset = _filtered(store.history_since(int(start)), req), 0
        doc = _paged(store, "history", records, offset, size)
        doc.pop("resultSizeEstimate")
        doc["historyId"] = str(store.history_id)
        return doc


def _filtered(records: list[dict[str, Any]], req: Request) -> list[dict[str, Any]]:
    wanted = [HISTORY_KEYS[t] for t in req.args("historyTypes") if t in HISTORY_KEYS]
    keys = wanted or list(HISTORY_KEYS.values())
    label = req.arg("labelId")
    kept = []
    for record in records:
        parts = {k: _with_label(record[k], label) for k in keys if k in record}
        parts = {k: v for k, v in parts.items() if v}
        if parts:
            kept.append({"id": record["id"], "messages": record["messages"], **parts})
    return kept


def _with_label(entries: list[dict[str, Any]], label: str | None) -> list[dict[str, Any]]:
    if not label:
        return entries
    return [e for e in entries if label in e.get("message", {}).get("labelIds", [])]
