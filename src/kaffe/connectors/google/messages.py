"""Gmail message resources (``format=metadata``) → :class:`kaffe.model.Message`.

Pure functions, no service: Gmail JSON stops here. A resource that cannot be
read raises :class:`UnreadableMessage`; the caller logs it with the message id
and goes on with the rest.
"""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from typing import Any

from kaffe.connectors.plaintext import one_line
from kaffe.mailaddr import is_robot
from kaffe.model import RECEIVED, SENT, Message, Recipient

log = logging.getLogger(__name__)

# The headers kaffe reads; metadata requests ask for these and nothing else.
METADATA_HEADERS: tuple[str, ...] = (
    "From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
    "List-Id", "List-Unsubscribe", "Precedence", "Auto-Submitted", "X-Kaffe-Key",
    "Content-Type", "Reply-To",
)
BULK_LABELS: tuple[str, ...] = (
    "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL", "CATEGORY_UPDATES", "CATEGORY_FORUMS",
    "SPAM", "TRASH",
)
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+")

Headers = dict[str, list[str]]


class UnreadableMessage(ValueError):
    """A message resource that does not make sense (no id, no date, no sender, ...)."""


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
    sender = _sender(headers)
    return Message(
        id=str(doc["id"]), account=account, thread_id=str(doc.get("threadId") or doc["id"]),
        date=internal_date(doc),
        direction=SENT if "SENT" in labels or sender.email in own else RECEIVED,
        sender=sender, to=recipients(headers.get("to", []) + headers.get("cc", [])),
        subject=_first(headers, "subject"), message_id=_first(headers, "message-id"),
        in_reply_to=_first(headers, "in-reply-to"),
        references=tuple(_first(headers, "references").split()),
        bulk=bulk_reason(headers, labels, sender.email),
        kaffe_key=_first(headers, "x-kaffe-key"), labels=labels,
    )


def header_map(doc: dict[str, Any]) -> Headers:
    """Lower-cased header name → every value of it, in order, RFC 2047 words decoded."""
    found: Headers = {}
    for header in (doc.get("payload") or {}).get("headers") or ():
        name = str(header.get("name", "")).strip().lower() if isinstance(header, dict) else ""
        if name:
            found.setdefault(name, []).append(decode_words(str(header.get("value", ""))))
    return found


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (Gmail passes some through), unfold whitespace
    and drop control characters (an encoded word can hold any byte)."""
    if "=?" in value:
        try:
            value = str(make_header(decode_header(value)))
        except (ValueError, LookupError, UnicodeError):
            pass  # a malformed encoded word stays as it came
    return one_line(value)


def internal_date(doc: dict[str, Any]) -> datetime:
    """When Gmail received the message (``internalDate``, ms); the Date header can lie."""
    raw = doc.get("internalDate")
    if raw is None or not str(raw).strip().lstrip("-").isdigit():
        raise UnreadableMessage(f"no usable internalDate ({raw!r})")
    return datetime.fromtimestamp(int(raw) / 1000, UTC)


def recipients(values: list[str]) -> tuple[Recipient, ...]:
    """Addresses from To/Cc header values, lower-cased; malformed ones are dropped."""
    found: dict[str, Recipient] = {}
    for name, address in email.utils.getaddresses(values):
        address = address.strip().lower()
        if not _ADDRESS.fullmatch(address):
            if name or address:
                log.debug("dropped a malformed address in To/Cc")
            continue
        found.setdefault(address, Recipient(address, decode_words(name)))
    return tuple(found.values())


def _sender(headers: Headers) -> Recipient:
    found = recipients(headers.get("from", [])[:1])
    if not found:
        raise UnreadableMessage("no readable From address")
    return found[0]


def bulk_reason(headers: Headers, labels: tuple[str, ...], sender: str) -> str:
    """Why this message is not personal mail, or "" when it looks personal."""
    if "list-id" in headers:
        return f"mailing list (List-Id {_first(headers, 'list-id')})"
    if "list-unsubscribe" in headers:
        return "mailing list (List-Unsubscribe header)"
    precedence = _first(headers, "precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    auto = _first(headers, "auto-submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if is_robot(sender):
        return f"automated sender ({sender})"
    label = next((b for b in BULK_LABELS if b in labels), "")
    return f"label {label}" if label else ""


def may_hold_invitation(doc: dict[str, Any]) -> bool:
    """True when the top-level type can carry text/calendar: itself or multipart (not report)."""
    mime = str((doc.get("payload") or {}).get("mimeType") or "")
    if not mime:
        mime = _first(header_map(doc), "content-type").partition(";")[0]
    mime = mime.strip().lower()
    return mime == "text/calendar" or (
        mime.startswith("multipart/") and mime != "multipart/report"
    )


def _first(headers: Headers, name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""
