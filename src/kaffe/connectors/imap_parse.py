"""IMAP FETCH responses → :class:`kaffe.model.Message`. Pure functions, no I/O.

imaplib hands a FETCH answer over as ``(b'5 (UID 9 … BODY[…] {342}', literal)``
followed by ``b' FLAGS (\\Seen))'`` for items the server put after the literal;
:func:`parse_fetch` joins those pieces back into one :class:`Fetched` per message.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from kaffe.connectors.google.messages import (
    METADATA_HEADERS,
    Headers,
    UnreadableMessage,
    bulk_reason,
    decode_words,
    recipients,
)
from kaffe.model import RECEIVED, SENT, Message, Recipient

# Every header kaffe reads (the Gmail source's list); BODY.PEEK never sets \Seen.
HEADER_ITEMS = (
    "BODY.PEEK[HEADER.FIELDS (" + " ".join(h.upper() for h in METADATA_HEADERS) + ")]"
)
FETCH_ITEMS = f"(UID {HEADER_ITEMS} INTERNALDATE RFC822.SIZE FLAGS)"
RAW_ITEMS = "(UID BODY.PEEK[])"
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_DATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_INTERNALDATE = re.compile(
    r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([-+])(\d{2})(\d{2})")
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


@dataclass(frozen=True)
class Fetched:
    """One message of a FETCH answer: its items and its (single) literal."""

    uid: int
    literal: bytes
    flags: tuple[str, ...] = ()
    internaldate: datetime | None = None
    size: int = 0


def parse_fetch(data: list[Any]) -> list[Fetched]:
    """Every message in imaplib's UID FETCH data that carries a UID and a literal."""
    found: list[Fetched] = []
    head, literal, tail = b"", None, b""
    for item in [*data, None]:
        if isinstance(item, tuple) or item is None:
            if literal is not None:
                _add(found, head + b" " + tail, literal)
            if item is None:
                break
            head, literal, tail = item[0], item[1], b""
        elif isinstance(item, bytes):
            tail += item
    return found


def _add(found: list[Fetched], meta: bytes, literal: bytes) -> None:
    uid = _UID.search(meta)
    if uid is None:
        return  # an unsolicited FETCH (a flag change) carries no UID we asked for
    flags = _FLAGS.search(meta)
    date = _DATE.search(meta)
    size = _SIZE.search(meta)
    found.append(Fetched(
        uid=int(uid.group(1)), literal=literal,
        flags=tuple(flags.group(1).decode("ascii", "replace").split()) if flags else (),
        internaldate=parse_internaldate(date.group(1).decode("ascii")) if date else None,
        size=int(size.group(1)) if size else 0))


def parse_internaldate(text: str) -> datetime | None:
    """``17-Jul-1996 02:44:25 -0700`` → an aware datetime in UTC (None if malformed)."""
    found = _INTERNALDATE.match(text)
    month = _MONTHS.get(found.group(2).lower()) if found else None
    if found is None or month is None:
        return None
    day, _, year, hour, minute, second, sign, off_h, off_m = found.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    local = datetime(int(year), month, int(day), int(hour), int(minute), int(second),
                     tzinfo=timezone(offset))
    return local.astimezone(UTC)


def header_fields(raw: bytes) -> Headers:
    """Lower-cased header name → its values, RFC 2047 words decoded, like the Gmail source."""
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    found: Headers = {}
    for name, value in parsed.items():
        found.setdefault(name.strip().lower(), []).append(decode_words(str(value)))
    return found


def to_message(
    fetched: Fetched, *, account: str, folder_label: str, message_id: str, sent_folder: bool,
    own: frozenset[str],
) -> Message:
    """One fetched header block as a :class:`Message`; raise UnreadableMessage."""
    if fetched.internaldate is None:
        raise UnreadableMessage("no INTERNALDATE")
    headers = header_fields(fetched.literal)
    sender = _sender(headers)
    own_id = _first(headers, "message-id")
    references = tuple(_first(headers, "references").split())
    in_reply_to = _first(headers, "in-reply-to")
    return Message(
        id=message_id, account=account,
        thread_id=thread_root(references, in_reply_to, own_id) or message_id,
        date=fetched.internaldate,
        direction=SENT if sent_folder or sender.email in own else RECEIVED,
        sender=sender, to=recipients(headers.get("to", []) + headers.get("cc", [])),
        subject=_first(headers, "subject"), message_id=own_id, in_reply_to=in_reply_to,
        references=references, bulk=bulk_reason(headers, (), sender.email),
        kaffe_key=_first(headers, "x-kaffe-key"), labels=(folder_label,),
    )


def thread_root(references: tuple[str, ...], in_reply_to: str, message_id: str) -> str:
    """The Message-ID that started the thread: first of References, else In-Reply-To,
    else the message's own (RFC 5322 §3.6.4 keeps the root first in References)."""
    for candidate in (*references[:1], *in_reply_to.split()[:1], message_id):
        if candidate.startswith("<") and candidate.endswith(">"):
            return candidate
    return ""


def content_type(fetched: Fetched) -> str:
    """The top-level MIME type from the fetched headers, lower-cased ("" when absent)."""
    return _first(header_fields(fetched.literal), "content-type").partition(";")[0].strip().lower()


def _sender(headers: Headers) -> Recipient:
    found = recipients(headers.get("from", [])[:1])
    if not found:
        raise UnreadableMessage("no readable From address")
    return found[0]


def _first(headers: Headers, name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""
