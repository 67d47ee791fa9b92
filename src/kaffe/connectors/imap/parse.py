"""IMAP FETCH responses → :class:`kaffe.model.Message`. Pure functions, no I/O.

imaplib hands a FETCH answer over as ``(b'5 (UID 9 … BODY[…] {342}', literal)``
followed by ``b' FLAGS (\\Seen))'`` for items the server put after the literal;
:func:`parse_fetch` joins those pieces back into one :class:`Fetched` per message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from kaffe.connectors.mailheaders import (
    METADATA_HEADERS,
    SAMPLE_CHARS,
    UnreadableMessage,
    first,
    mail_fields,
    parse_header_block,
)
from kaffe.connectors.plaintext import one_line
from kaffe.model import RECEIVED, SENT, Message

# Every header kaffe reads (mailheaders.METADATA_HEADERS); BODY.PEEK never sets \Seen.
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


def to_message(
    fetched: Fetched, *, account: str, folder_label: str, message_id: str, sent_folder: bool,
    own: frozenset[str],
) -> Message:
    """One fetched header block as a :class:`Message`; raise UnreadableMessage."""
    if fetched.internaldate is None:
        raise UnreadableMessage("no INTERNALDATE")
    fields = mail_fields(parse_header_block(fetched.literal))
    return Message(
        id=message_id, account=account,
        thread_id=thread_root(fields.references, fields.in_reply_to, fields.message_id)
        or message_id,
        date=fetched.internaldate,
        direction=SENT if sent_folder or fields.sender.email in own else RECEIVED,
        sender=fields.sender, to=fields.to, subject=fields.subject,
        message_id=fields.message_id, in_reply_to=fields.in_reply_to,
        references=fields.references, bulk=fields.bulk, kaffe_key=fields.kaffe_key,
        labels=(folder_label,),
    )


def thread_root(references: tuple[str, ...], in_reply_to: str, message_id: str) -> str:
    """The Message-ID that started the thread: first of References, else In-Reply-To,
    else the message's own (RFC 5322 §3.6.4 keeps the root first in References)."""
    for candidate in (*references[:1], *in_reply_to.split()[:1], message_id):
        if candidate.startswith("<") and candidate.endswith(">"):
            return candidate
    return ""


def is_terse_reply(message: Message) -> bool:
    """A reply that names only its parent (In-Reply-To, no References): its thread id is
    the parent's Message-ID, which need not be where the thread started."""
    return (not message.references and bool(message.in_reply_to)
            and message.thread_id not in ("", message.message_id))


def join_threads(
    messages: Sequence[Message], known: Mapping[str, str] | None = None,
) -> list[Message]:
    """``messages`` with each one filed under the thread of the message its thread id
    names, when that message is among ``messages`` (in any order) or in ``known``
    (Message-ID → thread id of messages read outside this batch).

    :func:`thread_root` only sees one message: a reply naming only its parent would
    start a thread at the parent, while Gmail files it under the thread's root."""
    links = dict(known or {})
    links.update({m.message_id: m.thread_id for m in messages if m.message_id})
    joined: list[Message] = []
    for message in messages:
        thread = resolve_thread(message.thread_id, links)
        joined.append(message if thread == message.thread_id
                      else replace(message, thread_id=thread))
    return joined


def resolve_thread(thread_id: str, links: Mapping[str, str]) -> str:
    """Follow ``thread_id`` through ``links`` (Message-ID → thread id) to a message that
    is its own thread or is not known; a loop (forged headers) ends at its smallest id."""
    seen: list[str] = []
    current = thread_id
    while current in links and links[current] != current:
        if current in seen:
            return min(seen[seen.index(current):])
        seen.append(current)
        current = links[current]
    return current


def header_search(message_ids: Sequence[str]) -> str:
    """A UID SEARCH key matching any of ``message_ids`` by its Message-ID header
    (prefix ORs: ``OR OR k1 k2 k3``); the ids must pass :func:`searchable`."""
    keys = ['HEADER Message-ID "' + i.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for i in message_ids]
    return "OR " * (len(keys) - 1) + " ".join(keys)


def searchable(message_id: str) -> bool:
    """Whether a Message-ID can go into a quoted SEARCH string: printable ASCII, short."""
    return (message_id.startswith("<") and message_id.endswith(">")
            and len(message_id) <= 250 and all(" " < c <= "~" for c in message_id))


def content_type(fetched: Fetched) -> str:
    """The top-level Content-Type value from the fetched headers ("" when absent)."""
    return first(parse_header_block(fetched.literal), "content-type")


# The start of a received message's body, to judge its language by: enough bytes for the
# MIME preamble and part headers of a multipart message plus SAMPLE_CHARS of text.
SAMPLE_BYTES = 4096
SAMPLE_ITEMS = f"(UID BODY.PEEK[TEXT]<0.{SAMPLE_BYTES}>)"
_TAGS = re.compile(r"<(style|script)\b.*?(</\1>|$)|<[^>]*>", re.IGNORECASE | re.DOTALL)


def text_sample(top_content_type: str, partial: bytes) -> str:
    """The first words of the first text part of a message whose body starts with
    ``partial`` (cut anywhere) and whose top-level Content-Type is
    ``top_content_type``: one line, at most SAMPLE_CHARS; "" when there is no text."""
    import email
    import email.policy
    from html import unescape

    head = f"Content-Type: {top_content_type or 'text/plain'}\r\n\r\n".encode("ascii",
                                                                             "replace")
    try:
        message = email.message_from_bytes(head + partial, policy=email.policy.compat32)
        for part in message.walk():
            kind = part.get_content_type()
            if kind not in ("text/plain", "text/html") or part.get_filename():
                continue
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes):
                continue
            try:
                text = data.decode(part.get_content_charset() or "utf-8", "replace")
            except LookupError:
                text = data.decode("utf-8", "replace")
            if kind == "text/html":
                text = unescape(_TAGS.sub(" ", text))
            # quoted replies ("> ...") are someone else's words
            kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
            sample = one_line(" ".join(kept))[:SAMPLE_CHARS]
            if sample:
                return sample
    except (ValueError, TypeError, LookupError, UnicodeError):
        return ""
    return ""
