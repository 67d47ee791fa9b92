"""Render stored RFC 822 messages in Gmail's formats: raw, full, metadata, minimal."""

from __future__ import annotations

import base64
import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from functools import cached_property
from typing import Any

from kaffe.emulator.wire import bad_request

FORMATS = ("full", "raw", "metadata", "minimal")
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")


def b64url(data: bytes) -> str:
    """Gmail's base64url encoding of bytes (padded)."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def decode_b64url(text: str) -> bytes:
    """Decode base64url with or without padding; raise ValueError if it is not base64."""
    cleaned = text.strip().replace("+", "-").replace("/", "_")
    if not re.fullmatch(r"[A-Za-z0-9_-]*=*", cleaned):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))


@dataclass
class StoredMessage:
    """One mailbox message: the raw bytes plus Gmail's bookkeeping."""

    id: str
    thread_id: str
    raw: bytes
    internal_date: int  # milliseconds since the epoch
    history_id: int
    labels: list[str] = field(default_factory=list)

    @cached_property
    def parsed(self) -> Message:
        # compat32 never raises on broken charsets or headers: real mail is messy.
        return email.message_from_bytes(self.raw, policy=email.policy.compat32)

    def header(self, name: str) -> str:
        """All values of header ``name`` joined with ", " (decoded loosely)."""
        return ", ".join(_header_text(v) for v in self.parsed.get_all(name, []))

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "threadId": self.thread_id}


def render(msg: StoredMessage, fmt: str, metadata_headers: list[str]) -> dict[str, Any]:
    """The ``users.messages`` resource of ``msg`` in format ``fmt``."""
    if fmt not in FORMATS:
        raise bad_request(f"Invalid value at 'format' ({fmt})", location="format")
    doc: dict[str, Any] = {
        "id": msg.id,
        "threadId": msg.thread_id,
        "labelIds": list(msg.labels),
        "snippet": snippet(msg.parsed),
        "sizeEstimate": len(msg.raw),
        "historyId": str(msg.history_id),
        "internalDate": str(msg.internal_date),
    }
    if fmt == "raw":
        doc["raw"] = b64url(msg.raw)
    elif fmt == "full":
        doc["payload"] = payload(msg.parsed, "")
    elif fmt == "metadata":
        doc["payload"] = {
            "mimeType": msg.parsed.get_content_type(),
            "headers": _headers(msg.parsed, metadata_headers),
        }
    return doc


def payload(part: Message, part_id: str) -> dict[str, Any]:
    """The ``MessagePart`` tree of ``part`` (Gmail numbers children 0, 1, 0.1 ...)."""
    doc: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": _headers(part, []),
    }
    if part.is_multipart():
        children = part.get_payload()
        prefix = f"{part_id}." if part_id else ""
        doc["body"] = {"size": 0}
        doc["parts"] = [payload(child, f"{prefix}{i}") for i, child in enumerate(children)]
    else:
        data = _body_bytes(part)
        doc["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
    return doc


def _body_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    text = part.get_payload()
    return text.encode("utf-8", "replace") if isinstance(text, str) else b""


def _headers(part: Message, only: list[str]) -> list[dict[str, str]]:
    wanted = {h.lower() for h in only}
    return [
        {"name": name, "value": _header_text(value)}
        for name, value in part.items()
        if not wanted or name.lower() in wanted
    ]


def _header_text(value: Any) -> str:
    """Unfold and decode RFC 2047 words, as Gmail shows header values."""
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (ValueError, LookupError, UnicodeError):
            pass  # leave a malformed encoded word as it came
    return _SPACE.sub(" ", text).strip()


def text_of(msg: Message) -> str:
    """The message's readable text: first text/plain part, else de-tagged HTML."""
    plain = _first_part(msg, "text/plain")
    if plain is not None:
        return _decode(plain)
    rich = _first_part(msg, "text/html")
    return html.unescape(_TAG.sub(" ", _decode(rich))) if rich is not None else ""


def snippet(msg: Message) -> str:
    """Gmail's snippet: the start of the text, whitespace collapsed, HTML-escaped."""
    return html.escape(_SPACE.sub(" ", text_of(msg)).strip()[:200], quote=True)


def _first_part(msg: Message, content_type: str) -> Message | None:
    for part in msg.walk():
        if part.get_content_type() == content_type and not part.get_filename():
            return part
    return None


def _decode(part: Message) -> str:
    data = _body_bytes(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:  # an unknown charset name, e.g. "bad-charset"
        return data.decode("utf-8", "replace")
