"""Gmail message resources (``format=metadata``) → :class:`kaffe.model.Message`.

Pure functions, no service: Gmail JSON stops here. Only what is Gmail's own lives
in this module (the JSON shape, ``internalDate``, labels); the headers are read by
the neutral :mod:`kaffe.connectors.mailheaders`, which the IMAP source shares. A
resource that cannot be read raises :class:`UnreadableMessage`; the caller logs it
with the message id and goes on with the rest.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from kaffe.connectors.mailheaders import (
    SAMPLE_CHARS,
    Headers,
    UnreadableMessage,
    decode_words,
    first,
    mail_fields,
)
from kaffe.model import RECEIVED, SENT, Message

BULK_LABELS: tuple[str, ...] = (
    "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL", "CATEGORY_UPDATES", "CATEGORY_FORUMS",
    "SPAM", "TRASH",
)


def normalize_message(
    doc: dict[str, Any], *, account: str, own_addresses: tuple[str, ...] = ()
) -> Message:
    """Turn one Gmail message resource into a :class:`Message`; raise UnreadableMessage."""
    if not isinstance(doc, dict) or not doc.get("id"):
        raise UnreadableMessage("no message id")
    try:
        return _normalize(doc, account, frozenset(a.lower() for a in own_addresses))
    except UnreadableMessage:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise UnreadableMessage(f"{type(exc).__name__}: {exc}") from exc


def _normalize(doc: dict[str, Any], account: str, own: frozenset[str]) -> Message:
    headers = header_map(doc)
    labels = tuple(str(label) for label in doc.get("labelIds") or ())
    fields = mail_fields(headers)
    sender = fields.sender
    direction = SENT if "SENT" in labels or sender.email in own else RECEIVED
    bulk = fields.bulk or label_reason(labels)
    return Message(
        id=str(doc["id"]), account=account, thread_id=str(doc.get("threadId") or doc["id"]),
        date=internal_date(doc), direction=direction,
        sender=sender, to=fields.to, subject=fields.subject, message_id=fields.message_id,
        in_reply_to=fields.in_reply_to, references=fields.references,
        bulk=bulk, kaffe_key=fields.kaffe_key, labels=labels,
        # only what a contact writes you is judged for its language
        sample=snippet_of(doc) if direction == RECEIVED and not bulk else "",
    )


def snippet_of(doc: dict[str, Any]) -> str:
    """Gmail's ``snippet`` (the start of the text, HTML-escaped) as plain text, capped at
    :data:`SAMPLE_CHARS`: what the language of a received message is judged from."""
    return html.unescape(str(doc.get("snippet") or ""))[:SAMPLE_CHARS]


def header_map(doc: dict[str, Any]) -> Headers:
    """Lower-cased header name → every value of it, in order, RFC 2047 words decoded."""
    found: Headers = {}
    for header in (doc.get("payload") or {}).get("headers") or ():
        name = str(header.get("name", "")).strip().lower() if isinstance(header, dict) else ""
        if name:
            found.setdefault(name, []).append(decode_words(str(header.get("value", ""))))
    return found


def internal_date(doc: dict[str, Any]) -> datetime:
    """When Gmail received the message (``internalDate``, ms); the Date header can lie."""
    raw = doc.get("internalDate")
    if raw is None or not str(raw).strip().lstrip("-").isdigit():
        raise UnreadableMessage(f"no usable internalDate ({raw!r})")
    return datetime.fromtimestamp(int(raw) / 1000, UTC)


def label_reason(labels: tuple[str, ...]) -> str:
    """``label X`` for the first of :data:`BULK_LABELS` the message carries, or ""."""
    label = next((b for b in BULK_LABELS if b in labels), "")
    return f"label {label}" if label else ""


def top_mime_type(doc: dict[str, Any]) -> str:
    """The resource's top-level MIME type: ``payload.mimeType``, else its Content-Type
    header (a metadata resource may carry only the header)."""
    mime = str((doc.get("payload") or {}).get("mimeType") or "")
    return mime or first(header_map(doc), "content-type")
