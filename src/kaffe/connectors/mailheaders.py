"""RFC 5322 headers → :class:`kaffe.model.Message` fields; shared by every mail source.

Neutral ground between the Gmail source (``google/messages.py`` turns Gmail JSON into
:data:`Headers`) and the IMAP source (``imap/parse.py`` parses a raw header block with
:func:`parse_header_block`). Everything here reads plain header values and MIME types:
which headers kaffe asks for, RFC 2047 decoding, addresses, the bulk verdict and
whether a message can carry an invitation. No service, no I/O, no Gmail shapes.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import logging
import re
from dataclasses import dataclass
from email.header import decode_header, make_header

from kaffe.connectors.plaintext import one_line
from kaffe.mailaddr import is_robot
from kaffe.model import Recipient

log = logging.getLogger(__name__)

# The headers kaffe reads: Gmail metadata requests and IMAP header fetches ask for
# these and nothing else.
METADATA_HEADERS: tuple[str, ...] = (
    "From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
    "List-Id", "List-Unsubscribe", "Precedence", "Auto-Submitted", "X-Kaffe-Key",
    "Content-Type", "Reply-To",
)
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
# Of a received message, this many characters of text are read to judge its language by
# (Gmail: the snippet; IMAP: a partial fetch of the first text part); never stored.
SAMPLE_CHARS = 200
MAX_RAW_BYTES = 5 * 1024 * 1024  # larger messages are not fetched to look for invitations
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+")

Headers = dict[str, list[str]]  # lower-cased name → every value of it, in order


class UnreadableMessage(ValueError):
    """A message that does not make sense (no id, no date, no sender, ...)."""


@dataclass(frozen=True)
class MailFields:
    """The :class:`~kaffe.model.Message` fields that come from headers alone."""

    sender: Recipient
    to: tuple[Recipient, ...]
    subject: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    bulk: str
    kaffe_key: str


def mail_fields(headers: Headers) -> MailFields:
    """Read the header-only fields of a message; raise UnreadableMessage without a sender."""
    sender = first_sender(headers)
    return MailFields(
        sender=sender, to=recipients(headers.get("to", []) + headers.get("cc", [])),
        subject=first(headers, "subject"), message_id=first(headers, "message-id"),
        in_reply_to=first(headers, "in-reply-to"),
        references=tuple(first(headers, "references").split()),
        bulk=bulk_reason(headers, sender.email), kaffe_key=first(headers, "x-kaffe-key"),
    )


def parse_header_block(raw: bytes) -> Headers:
    """A raw RFC 5322 header block as :data:`Headers`, RFC 2047 words decoded."""
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    found: Headers = {}
    for name, value in parsed.items():
        found.setdefault(name.strip().lower(), []).append(decode_words(str(value)))
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


def first_sender(headers: Headers) -> Recipient:
    """The first readable From address; raise UnreadableMessage when there is none."""
    found = recipients(headers.get("from", [])[:1])
    if not found:
        raise UnreadableMessage("no readable From address")
    return found[0]


def bulk_reason(headers: Headers, sender: str) -> str:
    """Why the headers or the sender say this is not personal mail, or "" when it
    looks personal. (A source may add its own signs after these: Gmail's labels.)"""
    if "list-id" in headers:
        return f"mailing list (List-Id {first(headers, 'list-id')})"
    if "list-unsubscribe" in headers:
        return "mailing list (List-Unsubscribe header)"
    precedence = first(headers, "precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    auto = first(headers, "auto-submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if is_robot(sender):
        return f"automated sender ({sender})"
    return ""


def may_hold_invitation(content_type: str) -> bool:
    """True when a message's top-level type (a bare MIME type or a whole Content-Type
    value) can carry text/calendar: itself, or multipart (but not a report)."""
    mime = content_type.partition(";")[0].strip().lower()
    return mime == "text/calendar" or (
        mime.startswith("multipart/") and mime != "multipart/report"
    )


def first(headers: Headers, name: str) -> str:
    """The first value of header ``name`` (lower-case), or ""."""
    values = headers.get(name)
    return values[0] if values else ""
