"""The neutral mail-header module both mail sources share: raw headers in, Message fields out."""

from __future__ import annotations

import pytest

from kaffe.connectors.mailheaders import (
    UnreadableMessage,
    mail_fields,
    may_hold_invitation,
    parse_header_block,
)
from kaffe.model import Recipient

RAW = (b"From: =?utf-8?q?J=C3=B8rgen?= <Jorgen@Example.DK>\r\n"
       b"To: ana@example.dk, Bo <bo@example.dk>\r\nCc: ana@example.dk\r\n"
       b"Subject: Re: coffee\r\n\tnext week\r\nMessage-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\n"
       b"References: <root@x> <a@x>\r\nX-Kaffe-Key: followup:1\r\n"
       b"Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n")


def test_a_raw_header_block_becomes_message_fields() -> None:
    headers = parse_header_block(RAW)
    fields = mail_fields(headers)
    assert fields.sender == Recipient("jorgen@example.dk", "Jørgen")
    assert fields.to == (Recipient("ana@example.dk", ""), Recipient("bo@example.dk", "Bo"))
    assert (fields.subject, fields.message_id, fields.in_reply_to) == (
        "Re: coffee next week", "<b@x>", "<a@x>")
    assert fields.references == ("<root@x>", "<a@x>")
    assert (fields.bulk, fields.kaffe_key) == ("", "followup:1")
    assert may_hold_invitation(headers["content-type"][0])


def test_no_sender_is_unreadable() -> None:
    with pytest.raises(UnreadableMessage, match="From"):
        mail_fields(parse_header_block(b"Subject: hi\r\n\r\n"))


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [("text/calendar; method=REQUEST", True), ("Multipart/Alternative; boundary=x", True),
     ("multipart/report; report-type=delivery-status", False), ("text/plain", False),
     ("", False)],
)
def test_may_hold_invitation_reads_a_whole_content_type(content_type: str, expected: bool) -> None:
    assert may_hold_invitation(content_type) is expected
