"""Build the MIME message for a draft, with headers that nothing can inject into."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime, formataddr, make_msgid

from kaffe.errors import KaffeError
from kaffe.mailaddr import addr_spec
from kaffe.mailids import KEY_HEADER, msg_ids, wire_key
from kaffe.model import Draft, Recipient
from kaffe.timeutil import utc

_DROPPED = frozenset({"Cc", "Cs"})  # control characters and lone surrogates
# Bidirectional embeddings, overrides and isolates: in a header they let a name
# reorder how the address next to it is shown ("Ana <moc.evil@...>").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Headers kaffe formats itself (addresses, the key) are written as they are: the
# email package of Python 3.11 refolds long address lists by RFC 2047-encoding the
# separating comma (which loses every recipient after it) and encodes a long key,
# which IMAP "SEARCH HEADER X-Kaffe-Key" then no longer finds.
_POLICY = default.clone(refold_source="none")
_WIRE = SMTP.clone(refold_source="none")
_LINE = 76  # longest line kaffe folds to itself (RFC 2047 words are at most 75)
# The package also writes ASCII text that looks like an RFC 2047 encoded word
# ("=?utf-8?q?x?=") as it is, and every reader then decodes it: a meeting called
# that would come back as "x". Values holding "=?" are therefore encoded here.
_EW_START = "=?"


def clean_header(value: str) -> str:
    """A header-safe value: every run of whitespace (CR and LF included) becomes one
    space, other control characters and bidi overrides are dropped, the ends are
    stripped."""
    kept = "".join(
        " " if ch.isspace() else ch for ch in value
        if ch.isspace()
        or (unicodedata.category(ch) not in _DROPPED and ch not in _BIDI_CONTROLS)
    )  # fmt: skip
    return " ".join(kept.split())


def build_message(draft: Draft, *, msgid: str | None = None) -> EmailMessage:
    """The draft as an :class:`EmailMessage`: From, To, Subject, Date (when the draft
    has one), Message-ID, In-Reply-To/References when set, X-Kaffe-Key (see
    :func:`kaffe.mailids.wire_key`) and a UTF-8 text/plain body."""
    msg = EmailMessage(policy=_POLICY)
    msg.set_raw("From", format_addresses([draft.sender], "From"))
    if draft.to:
        msg.set_raw("To", format_addresses(draft.to, "To"))
    _set_text(msg, "Subject", clean_header(draft.subject))
    if draft.date is not None:  # the executor's `now`: RFC 5322 requires a Date
        msg["Date"] = format_datetime(utc(draft.date))
    msg["Message-ID"] = msgid or make_msgid(domain=_msgid_domain(draft.sender))
    _set_reply_headers(msg, draft)
    msg.set_raw(KEY_HEADER, wire_key(draft.key))
    msg.set_content(_encodable(draft.body), charset="utf-8")
    return msg


def _set_reply_headers(msg: EmailMessage, draft: Draft) -> None:
    """In-Reply-To and References hold ``<msg-id>``s only: whatever else the other
    side's mail had in them (comments, phrases, junk) is not copied into a draft."""
    in_reply_to = msg_ids(draft.in_reply_to)[:1]
    references = msg_ids(*draft.references)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to[0]
    if references:
        msg["References"] = " ".join(references)


def _encodable(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD: JSON's "\\ud800" decodes to one, and
    UTF-8 cannot encode it, which would stop the whole draft."""
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def to_raw(draft: Draft) -> bytes:
    """The draft as RFC 5322 bytes with CRLF line ends (Gmail ``raw``, IMAP APPEND)."""
    return build_message(draft).as_bytes(policy=_WIRE)


def to_address(recipient: Recipient) -> Address:
    """A header address with a cleaned display name and an IDNA-encoded domain.

    The address test is :func:`kaffe.mailaddr.addr_spec`, the one the planner uses
    to pick recipients, so ``plan`` never promises a draft this cannot write."""
    email = clean_header(recipient.email)
    try:
        return Address(display_name=clean_header(recipient.name), addr_spec=addr_spec(email))
    except (ValueError, UnicodeError, IndexError) as exc:  # header defects are ValueErrors
        raise KaffeError(f"cannot write a mail address from {email!r}: {exc}") from exc


def _set_text(msg: EmailMessage, name: str, value: str) -> None:
    # Non-ASCII text is encoded here too: Python 3.11's folder can put the space
    # between two words outside its encoded-words, where every reader drops it.
    if _EW_START in value or not value.isascii():
        msg.set_raw(name, _encoded(value, name))
    else:
        msg[name] = value


def format_addresses(recipients: Sequence[Recipient], header_name: str) -> str:
    """An address-list header value, one address per line, names encoded as needed."""
    addresses = [to_address(r) for r in recipients]
    return ",\n ".join(
        _format_address(a, header_name if i == 0 else "") for i, a in enumerate(addresses)
    )


def _format_address(address: Address, header_name: str) -> str:
    name = address.display_name
    if not name:
        return address.addr_spec
    plain = formataddr((name, address.addr_spec))
    if name.isascii() and _EW_START not in name and len(header_name) + 2 + len(plain) <= _LINE:
        return plain
    return f"{_encoded(name, header_name)}\n <{address.addr_spec}>"


def _encoded(value: str, header_name: str) -> str:
    header = Header(value, "utf-8", maxlinelen=_LINE, header_name=header_name or None)
    return header.encode(linesep="\n")


def _msgid_domain(sender: Recipient) -> str:
    domain = clean_header(sender.email).rpartition("@")[2]
    try:
        return domain.encode("idna").decode("ascii") or "kaffe.invalid"
    except UnicodeError:
        return "kaffe.invalid"
