"""Gmail API message JSON in a seed: ``format=raw`` and ``format=full`` resources.

Real mailboxes are easiest to sample as the API shows them (a tool's recorded
``messages.get`` answers, a ``messages.list``-like file with the messages inlined),
and their ``labelIds`` carry what an .eml file cannot: CATEGORY_PROMOTIONS, SENT,
IMPORTANT ... So a seed may hold them beside .eml files.

A ``format=raw`` resource is stored byte for byte. A ``format=full`` one is turned
back into RFC 822: each part keeps its headers (without Content-Transfer-Encoding)
and its decoded ``body.data`` is written as base64; an attachment that the file
references only by ``attachmentId`` becomes an empty part with its filename, so
``has:attachment`` and ``filename:`` still find it. The rebuilt bytes are not the
original ones (Gmail's file does not have them), the headers and text are.
"""

from __future__ import annotations

import base64
import binascii
from email.header import Header
from email.message import Message
from email.policy import compat32
from email.utils import formataddr, getaddresses
from typing import Any

from kaffe.emulator.gmail_mime import decode_b64url

_DROPPED_HEADERS = frozenset({"content-transfer-encoding"})
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender"})


class GmailJsonError(ValueError):
    """A JSON seed file or item that is no usable Gmail message resource."""


def messages_of(doc: Any) -> list[Any]:
    """The message resources of a single resource, a list, or a ``messages.list``-like
    document (``{"messages": [...]}``)."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
        return list(doc["messages"])
    if isinstance(doc, dict) and ("raw" in doc or "payload" in doc):
        return [doc]
    raise GmailJsonError(
        "not a Gmail message resource (raw or payload), a list of them or a "
        "messages.list-like {\"messages\": [...]} document"
    )


def message_raw(resource: Any) -> bytes:
    """RFC 822 bytes of one ``format=raw`` or ``format=full`` resource."""
    if not isinstance(resource, dict):
        raise GmailJsonError("not a JSON object")
    if resource.get("raw"):
        try:
            return decode_b64url(str(resource["raw"]))
        except (ValueError, binascii.Error) as exc:
            raise GmailJsonError("raw is not base64url") from exc
    part = resource.get("payload")
    if not isinstance(part, dict):
        # messages.list items carry only id and threadId: nothing to store
        raise GmailJsonError("neither raw nor payload (a bare messages.list reference?)")
    if not part.get("headers"):
        raise GmailJsonError("payload without headers (format=minimal or metadata?)")
    return _rebuild(part).as_bytes(policy=compat32)


def labels_of(resource: dict[str, Any], default: list[str]) -> list[str]:
    """The resource's ``labelIds`` (strings only), else ``default``."""
    labels = resource.get("labelIds")
    if not isinstance(labels, list):
        return list(default)
    return [str(label) for label in labels if isinstance(label, str) and label]


def internal_date_of(resource: dict[str, Any]) -> int | None:
    """``internalDate`` (epoch milliseconds, a string in Gmail's JSON), if valid."""
    value = resource.get("internalDate")
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def _rebuild(node: dict[str, Any]) -> Message:
    msg = Message()
    for header in node.get("headers") or []:
        name, value = _header(header)
        if name.lower() not in _DROPPED_HEADERS:
            msg[name] = value
    mime = str(node.get("mimeType") or "text/plain")
    if "Content-Type" not in msg:
        msg["Content-Type"] = mime
    if mime.startswith("multipart/"):
        msg.set_payload([_rebuild(child) for child in node.get("parts") or []
                         if isinstance(child, dict)])
        return msg
    msg["Content-Transfer-Encoding"] = "base64"
    msg.set_payload(base64.encodebytes(_body(node)).decode("ascii"))
    return msg


def _header(header: Any) -> tuple[str, str]:
    if not isinstance(header, dict) or not isinstance(header.get("name"), str):
        raise GmailJsonError("a header without a name")
    name, value = header["name"], str(header.get("value", ""))
    if value.isascii():
        return name, value
    # Gmail shows decoded values; RFC 822 wants encoded words (names only, for addresses)
    if name.lower() in _ADDRESS_HEADERS:
        pairs = getaddresses([value])
        return name, ", ".join(formataddr(pair, "utf-8") for pair in pairs)
    return name, Header(value, "utf-8").encode()


def _body(node: dict[str, Any]) -> bytes:
    body = node.get("body") if isinstance(node.get("body"), dict) else {}
    data = body.get("data") if body else None
    if not data:
        return b""
    try:
        return decode_b64url(str(data))
    except (ValueError, binascii.Error) as exc:
        part = node.get("partId", "?")
        raise GmailJsonError(f"part {part!r}: body.data is not base64url") from exc
