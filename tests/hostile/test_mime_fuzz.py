"""MIME under fuzzing: the Gmail metadata path, the IMAP header path and the
invitation extraction read any message into a Message (or UnreadableMessage)
and events, never another exception, and no header value keeps a line break."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from kaffe.connectors.google.messages import normalize_message
from kaffe.connectors.ical.invites import invitations_from_mime
from kaffe.connectors.imap.parse import Fetched, to_message
from kaffe.connectors.mailheaders import UnreadableMessage
from kaffe.model import Message
from tests.hostile.mutate import (
    apply,
    corpus_bytes,
    corpus_names,
    fuzz,
    hostile_text,
    mutations,
    needs_corpus,
    no_line_breaks,
)

RECEIVED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WINDOW = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
EML_NAMES = corpus_names("eml", "*.eml")


def via_imap(raw: bytes) -> Message | None:
    """The IMAP source's header path (the literal of a BODY.PEEK[HEADER.FIELDS])."""
    fetched = Fetched(uid=7, literal=raw, internaldate=RECEIVED)
    try:
        return to_message(fetched, account="imap", folder_label="INBOX", message_id="7",
                          sent_folder=False, own=frozenset({"me@example.com"}))  # fmt: skip
    except UnreadableMessage:
        return None


def gmail_doc(raw: bytes) -> dict[str, Any]:
    """The ``format=metadata`` resource Gmail would send for ``raw``: header values as
    they stand in the message (unfolded, encoded words left to the client)."""
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    headers = [{"name": name, "value": str(value)} for name, value in parsed.items()]
    return {"id": "m1", "threadId": "t1", "internalDate": "1767603600000",
            "labelIds": ["INBOX"], "payload": {"mimeType": "multipart/mixed",
                                               "headers": headers}}  # fmt: skip


def via_gmail(raw: bytes) -> Message | None:
    try:
        return normalize_message(gmail_doc(raw), account="gmail", own_addresses=("me@x.org",))
    except UnreadableMessage:
        return None


def invitations(raw: bytes) -> list:
    return invitations_from_mime(raw, account="mail", thread_id="t1", received=RECEIVED,
                                 self_addresses=("me@example.com",), window=WINDOW)  # fmt: skip


def assert_clean(message: Message | None) -> None:
    """Every header-derived value is one line without control characters."""
    if message is None:
        return
    people = (message.sender, *message.to)
    assert no_line_breaks(message.subject, message.message_id, message.in_reply_to,
                          message.kaffe_key, message.bulk, *message.references,
                          *(p.name for p in people), *(p.email for p in people))  # fmt: skip
    assert all("@" in p.email and " " not in p.email for p in people)


def read_everywhere(raw: bytes) -> None:
    assert_clean(via_imap(raw))
    assert_clean(via_gmail(raw))
    for event in invitations(raw):
        assert event.calendar == "mail:mail" and event.start.tzinfo is not None
        assert no_line_breaks(event.summary, *(a.name for a in event.attendees))


@needs_corpus
@fuzz(150)
@given(name=st.sampled_from(EML_NAMES or ["none"]), edits=mutations())
def test_mutated_corpus_messages(name: str, edits) -> None:
    read_everywhere(apply(corpus_bytes("eml", name), edits))


def headers_message(subject: str, name: str, extra: bytes = b"") -> bytes:
    head = (
        f"From: {name} <ana@example.com>\r\nTo: {name} <me@example.com>, b@example.com\r\n"
        f"Subject: {subject}\r\nMessage-ID: <x@example.com>\r\n"
    )
    return head.encode("utf-8", "replace") + extra + b"\r\nHello\r\n"


ENCODED_WORDS = [
    "=?utf-8?q?Coffee=0D=0ABcc:_x@evil.example?=",
    "=?utf-8?b?Q29mZmVlDQpCY2M6IHhAZXZpbC5leGFtcGxl?=",  # "Coffee\r\nBcc: x@evil.example"
    "=?utf-8?q?=1B]0;owned=07?=",  # a terminal escape
    "=?x-no-such-charset?q?abc?=",
    "=?utf-16?b?2D3eAA==?=",
    "=?utf-8?q?unterminated",
    "=?utf-8?b?!!!?=",
    "=?iso-8859-1?q?caf=E9=00?=",
]


@fuzz(200)
@given(subject=hostile_text | st.sampled_from(ENCODED_WORDS),
       name=hostile_text.map(lambda s: s.replace("\r", "").replace("\n", "")) |
       st.sampled_from(ENCODED_WORDS))  # fmt: skip
@example(subject=ENCODED_WORDS[0], name=ENCODED_WORDS[1])
@example(subject=ENCODED_WORDS[2], name=ENCODED_WORDS[7])
def test_hostile_headers(subject: str, name: str) -> None:
    """Encoded words that decode to CR LF or escapes, bad charsets, raw junk."""
    raw = headers_message(subject, name)
    read_everywhere(raw)
    for message in (via_imap(raw), via_gmail(raw)):
        if message is not None and subject in ENCODED_WORDS[:2]:
            assert message.subject == "Coffee Bcc: x@evil.example"  # one line, as text


def test_a_huge_header_is_read_as_one_line() -> None:
    raw = headers_message("=?utf-8?q?" + "x" * 500_000 + "?= " + "word " * 200_000, "Ana")
    for message in (via_imap(raw), via_gmail(raw)):
        assert message is not None and len(message.subject) > 1_000_000
        assert_clean(message)


CALENDAR = (
    b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
    b"DTSTART:20260110T100000Z\r\nDTEND:20260110T110000Z\r\nSUMMARY:Coffee\r\n"
    b"ATTENDEE;CN=Ana:mailto:ana@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def nested(depth: int, charset: str = "utf-8", boundary: str = "b{}") -> bytes:
    """A calendar part inside ``depth`` multiparts."""
    body = f"Content-Type: text/calendar; method=REQUEST; charset={charset}\r\n\r\n".encode()
    body += CALENDAR
    for level in range(depth):
        mark = boundary.format(level)
        body = (f'Content-Type: multipart/mixed; boundary="{mark}"\r\n\r\n--{mark}\r\n'.encode()
                + body + f"\r\n--{mark}--\r\n".encode())  # fmt: skip
    return b"Message-ID: <n@example.com>\r\nMIME-Version: 1.0\r\n" + body


@fuzz(60)
@given(depth=st.integers(0, 60),
       charset=st.sampled_from(["utf-8", "bogus", "utf-7", "utf-16", "iso-8859-1", '"\r\n"']),
       boundary=st.sampled_from(["b{}", "same", "", " {}", "--{}", "b{}\u00e9"]))  # fmt: skip
@example(depth=3, charset="bogus", boundary="same")
def test_nested_multiparts_and_charsets(depth: int, charset: str, boundary: str) -> None:
    read_everywhere(nested(depth, charset, boundary))


def test_nested_calendar_is_found_at_a_sane_depth() -> None:
    [event] = invitations(nested(30))
    assert event.summary == "Coffee" and event.attendees[0].email == "ana@example.com"

