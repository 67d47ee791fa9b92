from __future__ import annotations

import email
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default

import pytest

from kaffe.compose.mime import KEY_HEADER, build_message, clean_header, to_address, to_raw
from kaffe.errors import KaffeError
from kaffe.mailids import wire_key
from kaffe.model import Draft, Recipient

ME = Recipient("mette@acme.example", "Mette Jensen")
ANA = Recipient("ana@partner.example", "Ana Silva")


def make_draft(**overrides) -> Draft:
    fields = {
        "key": "followup:evt1@google.com",
        "sender": ME,
        "to": (ANA,),
        "subject": "Thank you for the coffee, Ana",
        "body": "Hi Ana,\n\nThank you.\n",
    }
    return Draft(**{**fields, **overrides})


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=default)  # type: ignore[return-value]


def content(msg: EmailMessage) -> str:
    """The body with the CRLF line ends of the wire turned back into newlines."""
    return msg.get_content().replace("\r\n", "\n")


def test_headers_and_body() -> None:
    msg = parse(to_raw(make_draft()))
    assert set(msg.keys()) == {
        "From", "To", "Subject", "Message-ID", KEY_HEADER,
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    }  # fmt: skip
    assert msg["From"].addresses[0].display_name == "Mette Jensen"
    assert str(msg["To"]) == "Ana Silva <ana@partner.example>"
    assert msg[KEY_HEADER] == "followup:evt1@google.com"
    assert msg["Message-ID"].endswith("@acme.example>")
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg["MIME-Version"] == "1.0"
    assert content(msg) == "Hi Ana,\n\nThank you.\n"


def test_raw_uses_crlf_and_short_lines() -> None:
    raw = to_raw(make_draft(subject="x " * 200, body="ø" * 2000 + "\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_reply_headers_keep_msg_ids_only() -> None:
    draft = make_draft(in_reply_to="<a@x> (their phone)",
                       references=("<z@x>", "(comment)", "junk", "<a@x>"))
    msg = parse(to_raw(draft))
    assert msg["In-Reply-To"] == "<a@x>"
    assert msg["References"] == "<z@x> <a@x>"


def test_date_is_the_drafts_own(now) -> None:
    msg = parse(to_raw(make_draft(date=now + timedelta(hours=2, minutes=3))))
    assert msg["Date"] == "Tue, 10 Mar 2026 14:03:00 +0000"
    assert msg["Date"].datetime == now + timedelta(hours=2, minutes=3)


def test_threading_headers_when_set() -> None:
    draft = make_draft(in_reply_to="<a@x>", references=("<z@x>", "<a@x>"), thread_id="t1")
    msg = parse(to_raw(draft))
    assert msg["In-Reply-To"] == "<a@x>"
    assert msg["References"] == "<z@x> <a@x>"


def test_non_ascii_is_rfc2047_encoded_and_body_is_utf8() -> None:
    draft = make_draft(
        sender=Recipient("mette@acme.example", "Mette Ærø"),
        subject="Tak for kaffen, Søren",
        body="Hej Søren\n\nTak for kaffen på Café Ø.\n",
    )
    raw = to_raw(draft)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.isascii() and b"=?utf-8?" in head
    msg = parse(raw)
    assert msg["Subject"] == "Tak for kaffen, Søren"
    assert msg["From"].addresses[0].display_name == "Mette Ærø"
    assert content(msg) == "Hej Søren\n\nTak for kaffen på Café Ø.\n"


def test_line_breaks_cannot_inject_headers() -> None:
    draft = make_draft(
        subject="Coffee\r\nBcc: everyone@example.com",
        to=(Recipient("ana@partner.example", "Ana\nBcc: x@example.com"),),
        key="followup:k\r\nX-Evil: 1",
    )
    msg = parse(to_raw(draft))
    assert "Bcc" not in msg and "X-Evil" not in msg
    assert msg["Subject"] == "Coffee Bcc: everyone@example.com"
    assert msg[KEY_HEADER] == wire_key("followup:k\r\nX-Evil: 1")  # hashed: not plain ASCII
    assert msg[KEY_HEADER].startswith("followup:sha256:")


def test_text_that_looks_encoded_survives_as_text() -> None:
    draft = make_draft(subject="=?utf-8?q?hi?= there", to=(Recipient(ANA.email, "=?x?b?eA==?="),))
    msg = parse(to_raw(draft))
    assert msg["Subject"] == "=?utf-8?q?hi?= there"
    assert msg["To"].addresses[0].display_name == "=?x?b?eA==?="


def test_international_domain_is_idna_encoded() -> None:
    msg = parse(to_raw(make_draft(to=(Recipient("soren@kaffebær.dk", "Søren"),))))
    assert msg["To"].addresses[0].domain == "xn--kaffebr-rxa.dk"
    assert str(to_address(Recipient("a@blåbær.dk"))) == "a@xn--blbr-roah.dk"


@pytest.mark.parametrize("bad", ["", "ana", "ana@", "@x.dk", "ø@x.dk", "a@b..c"])
def test_unusable_addresses_are_kaffe_errors(bad: str) -> None:
    with pytest.raises(KaffeError, match="cannot write a mail address"):
        build_message(make_draft(to=(Recipient(bad),)))


def test_fixed_message_id() -> None:
    assert build_message(make_draft(), msgid="<fixed@kaffe>")["Message-ID"] == "<fixed@kaffe>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\r\nb", "a b"),
        ("  a \t\v\f b  ", "a b"),
        ("a\u2028b\u0085c", "a b c"),
        ("a\x00b\x1bc\x7f", "abc"),
        ("Kaffe ☕ med Søren", "Kaffe ☕ med Søren"),
    ],
)
def test_clean_header(value: str, expected: str) -> None:
    assert clean_header(value) == expected


def test_long_key_is_written_verbatim_for_imap_search() -> None:
    key = "followup:google:primary/" + "a" * 80 + "@google.com@20260309T150000Z"
    raw = to_raw(make_draft(key=key))
    assert f"{KEY_HEADER}: {key}\r\n".encode() in raw


def test_every_recipient_survives_long_international_names() -> None:
    """Python 3.11's refolding encodes the comma between such addresses, losing them."""
    to = (
        Recipient("a@x.example", "0 0000¡¡𐀀𐀀 Søren Kierkegaard-Ærøskøbing"),
        Recipient("b@y.example", "Bo"),
        Recipient("c@z.example", ""),
    )
    msg = parse(to_raw(make_draft(to=to)))
    assert [a.addr_spec for a in msg["To"].addresses] == [
        "a@x.example",
        "b@y.example",
        "c@z.example",
    ]
    assert not msg["To"].defects
