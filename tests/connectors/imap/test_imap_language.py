"""IMAP: the first words of a received message's first text part, read with one partial
FETCH (BODY.PEEK, capped), so sync can judge its language (issue 15). The parsing is
pure; the fetch runs against a real Dovecot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from kaffe.connectors.imap.conn import ImapAccount
from kaffe.connectors.imap.parse import SAMPLE_BYTES, text_sample
from kaffe.connectors.imap.source import ImapMailSource
from kaffe.connectors.mailheaders import SAMPLE_CHARS
from tests.servers.dovecot import DovecotServer

ME = "ana@example.org"
DANISH = "Hej Ana, tak for en god snak i går. Jeg sender slides fra mødet i morgen."


def test_plain_text_quoted_lines_and_the_cap() -> None:
    body = f"{DANISH}\r\n\r\n> On Monday Ana wrote:\r\n> Lovely to meet you\r\n".encode()
    assert text_sample("text/plain; charset=utf-8", body) == DANISH
    assert len(text_sample("text/plain", b"word " * 1000)) == SAMPLE_CHARS


def test_the_first_text_part_of_a_multipart_cut_anywhere() -> None:
    body = (b'--b\r\nContent-Type: text/html; charset=utf-8\r\n'
            b'Content-Transfer-Encoding: quoted-printable\r\n\r\n'
            b'<html><style>p {}</style><p>Tak for kaffen, vi ses p=C3=A5 torsdag</p>\r\n'
            b'--b\r\nContent-Type: application/pdf; name="a.pdf"\r\n\r\nJVBERi0x')
    assert text_sample('multipart/mixed; boundary="b"', body) == (
        "Tak for kaffen, vi ses på torsdag")
    assert text_sample('multipart/mixed; boundary="b"', body[:20]) == ""
    assert text_sample("image/png", b"\x89PNG") == ""


# -- against Dovecot ---------------------------------------------------------------------------
@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    with DovecotServer() as server:
        yield server


def message(sender: str, to: str, subject: str, text: str, *, html: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(text)
    if html:
        msg.add_alternative(f"<p>{text}</p>", subtype="html")
    msg.add_attachment(b"x" * (3 * SAMPLE_BYTES), maintype="application", subtype="pdf",
                       filename="deck.pdf")
    return msg.as_bytes()


def test_received_mail_carries_its_first_words_and_sent_mail_none(dovecot) -> None:
    now = datetime.now(UTC)
    dovecot.append("INBOX", message("bo@example.com", ME, "Slides", DANISH, html=True),
                   when=now - timedelta(hours=2))
    dovecot.append("Sent", message(ME, "bo@example.com", "Re: Slides", "Thanks Bo!"),
                   when=now - timedelta(hours=1))
    account = ImapAccount("work", dovecot.host, dovecot.port, username=dovecot.user,
                          password=dovecot.password, tls="none", address=ME, timeout=10)
    batch = ImapMailSource(account).sync(None, since=now - timedelta(days=2), now=now)
    by_subject = {m.subject: m for m in batch.messages}
    assert by_subject["Slides"].sample == DANISH
    assert by_subject["Re: Slides"].sample == ""
