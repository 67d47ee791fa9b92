"""IMAP threading: a reply that names only its parent joins the parent's thread, as in
Gmail (the decision: pure functions; the parent looked up on a real Dovecot)."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from kaffe.connectors.imap.conn import ImapAccount
from kaffe.connectors.imap.parse import (
    header_search,
    is_terse_reply,
    join_threads,
    resolve_thread,
    searchable,
    thread_root,
)
from kaffe.connectors.imap.source import ImapMailSource
from kaffe.model import RECEIVED, Message, Recipient
from tests.servers.dovecot import DovecotServer

ME = "ana@example.org"
WHEN = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def message(msgid: str, *, in_reply_to: str = "", references: tuple[str, ...] = ()) -> Message:
    """A message as parse.to_message files it: by thread_root alone."""
    return Message(id=f"inbox/1/{msgid}", account="imap:work",
                   thread_id=thread_root(references, in_reply_to, msgid), date=WHEN,
                   direction=RECEIVED, sender=Recipient("bo@example.com"), message_id=msgid,
                   in_reply_to=in_reply_to, references=references)


ROOT = message("<r@x>")
REPLY = message("<a@x>", in_reply_to="<r@x>", references=("<r@x>",))
TERSE = message("<b@x>", in_reply_to="<a@x>")  # names only its parent
TERSER = message("<c@x>", in_reply_to="<b@x>")  # names only the terse one


def threads(messages: list[Message]) -> dict[str, str]:
    return {m.message_id: m.thread_id for m in messages}


# -- the decision (pure) -----------------------------------------------------------------------
def test_a_terse_reply_alone_starts_at_its_parent() -> None:
    assert TERSE.thread_id == "<a@x>" and is_terse_reply(TERSE)
    assert not is_terse_reply(ROOT) and not is_terse_reply(REPLY)
    assert threads(join_threads([TERSE])) == {"<b@x>": "<a@x>"}  # the parent is unknown


def test_terse_replies_in_one_batch_join_the_root_in_any_order() -> None:
    batch = [ROOT, REPLY, TERSE, TERSER]
    expected = dict.fromkeys(["<r@x>", "<a@x>", "<b@x>", "<c@x>"], "<r@x>")
    assert threads(join_threads(batch)) == expected
    assert threads(join_threads(batch[::-1])) == expected  # child before parent


def test_a_parent_known_from_earlier_gives_its_thread() -> None:
    known = {"<a@x>": "<r@x>"}  # read outside this batch
    assert threads(join_threads([TERSE, TERSER], known)) == {"<b@x>": "<r@x>",
                                                              "<c@x>": "<r@x>"}


def test_untouched_messages_stay_the_same_objects() -> None:
    batch = [ROOT, REPLY]
    assert all(a is b for a, b in zip(join_threads(batch), batch, strict=True))


def test_a_loop_of_forged_parents_ends_in_one_thread() -> None:
    one = message("<1@x>", in_reply_to="<2@x>")
    two = message("<2@x>", in_reply_to="<1@x>")
    assert threads(join_threads([one, two])) == {"<1@x>": "<1@x>", "<2@x>": "<1@x>"}
    assert resolve_thread("<3@x>", {"<3@x>": "<1@x>", "<1@x>": "<2@x>",
                                    "<2@x>": "<1@x>"}) == "<1@x>"


def test_the_lookup_search_and_what_may_go_into_it() -> None:
    assert header_search(["<a@x>"]) == 'HEADER Message-ID "<a@x>"'
    assert header_search(["<a@x>", "<b@x>", "<c@x>"]) == (
        'OR OR HEADER Message-ID "<a@x>" HEADER Message-ID "<b@x>" HEADER Message-ID "<c@x>"')
    assert header_search(['<"q"\\@x>']) == 'HEADER Message-ID "<\\"q\\"\\\\@x>"'
    assert searchable("<a.b-c@x.example>")
    assert not searchable("a@x") and not searchable("<a b@x>")
    assert not searchable("<å@x>") and not searchable("<a@x>\r\nX: y")
    assert not searchable("<" + "a" * 300 + "@x>")


# -- against Dovecot ---------------------------------------------------------------------------
@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    with DovecotServer() as server:
        yield server


@pytest.fixture
def account(dovecot: DovecotServer) -> ImapAccount:
    return ImapAccount("work", dovecot.host, dovecot.port, username=dovecot.user,
                       password=dovecot.password, tls="none", address=ME, timeout=10)


def mail(sender: str, to: str, msgid: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, "Coffee?", msgid
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("See you at the roastery.")
    return msg.as_bytes()


def sync(source: ImapMailSource, cursor: str | None, now: datetime, days: int = 30):
    return source.sync(cursor, since=now - timedelta(days=days), now=now)


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []
    original = imaplib.IMAP4._command

    def command(self, name, *args):  # type: ignore[no-untyped-def]
        sent.append(name)
        return original(self, name, *args)

    monkeypatch.setattr(imaplib.IMAP4, "_command", command)
    return sent


def test_a_terse_reply_in_a_later_sync_joins_the_thread(
    dovecot, account, now, monkeypatch
) -> None:
    day = now - timedelta(days=1)
    dovecot.append("INBOX", mail("bo@example.com", ME, "<root@example.com>"), when=day)
    dovecot.append("Sent", mail(ME, "bo@example.com", "<mine@example.org>",
                                In_Reply_To="<root@example.com>",
                                References="<root@example.com>"), when=day)
    source = ImapMailSource(account)
    first = sync(source, None, now)
    assert {m.thread_id for m in first.messages} == {"<root@example.com>"}
    dovecot.append("INBOX", mail("bo@example.com", ME, "<terse@example.com>",
                                 In_Reply_To="<mine@example.org>"), when=now)
    sent = counting(monkeypatch)
    [reply] = sync(source, first.cursor, now).messages
    assert reply.message_id == "<terse@example.com>"
    assert reply.thread_id == "<root@example.com>"
    # the parent is looked up: not in INBOX, then found in Sent and its headers fetched
    # (+ one partial FETCH of the received reply's first words: its language, issue 15)
    assert sent.count("SEARCH") == 0 and sent.count("UID") == 5  # FETCH x2, SEARCH x2, FETCH
    assert sent.count("EXAMINE") == 3


def test_a_chain_of_terse_replies_reaches_a_root_older_than_the_window(
    dovecot, account, now
) -> None:
    old = now - timedelta(days=90)
    dovecot.append("INBOX", mail("bo@example.com", ME, "<root@example.com>"), when=old)
    dovecot.append("Sent", mail(ME, "bo@example.com", "<mine@example.org>",
                                In_Reply_To="<root@example.com>"), when=old)
    dovecot.append("INBOX", mail("bo@example.com", ME, "<terse@example.com>",
                                 In_Reply_To="<mine@example.org>"), when=now)
    [reply] = sync(ImapMailSource(account), None, now).messages
    assert reply.thread_id == "<root@example.com>"


def test_a_child_stored_before_its_parent_joins_in_one_sync(dovecot, account, now) -> None:
    day = now - timedelta(days=1)
    dovecot.append("INBOX", mail("bo@example.com", ME, "<terse@example.com>",
                                 In_Reply_To="<mine@example.org>"), when=day)
    dovecot.append("INBOX", mail("bo@example.com", ME, "<root@example.com>"), when=day)
    dovecot.append("Sent", mail(ME, "bo@example.com", "<mine@example.org>",
                                In_Reply_To="<root@example.com>",
                                References="<root@example.com>"), when=day)
    batch = sync(ImapMailSource(account), None, now)
    assert {m.message_id: m.thread_id for m in batch.messages} == dict.fromkeys(
        ["<root@example.com>", "<mine@example.org>", "<terse@example.com>"],
        "<root@example.com>")


def test_a_reply_with_references_costs_no_lookup(dovecot, account, now, monkeypatch) -> None:
    source = ImapMailSource(account)
    first = sync(source, None, now)
    dovecot.append("INBOX", mail("bo@example.com", ME, "<r2@example.com>",
                                 In_Reply_To="<gone@example.org>",
                                 References="<root@example.com> <gone@example.org>"),
                   when=now)
    sent = counting(monkeypatch)
    [reply] = sync(source, first.cursor, now).messages
    assert reply.thread_id == "<root@example.com>"
    # headers, then the first words of the received reply (its language, issue 15)
    assert sent == ["LOGIN", "STATUS", "STATUS", "EXAMINE", "UID", "UID", "LOGOUT"]


def test_a_parent_nowhere_leaves_the_reply_at_its_parent(dovecot, account, now) -> None:
    dovecot.append("INBOX", mail("bo@example.com", ME, "<terse@example.com>",
                                 In_Reply_To="<deleted@example.org>"), when=now)
    [reply] = sync(ImapMailSource(account), None, now).messages
    assert reply.thread_id == "<deleted@example.org>"


def test_an_invitation_in_a_terse_reply_follows_its_thread(dovecot, account, now) -> None:
    day = now - timedelta(days=1)
    dovecot.append("Sent", mail(ME, "bo@example.com", "<mine@example.org>",
                                In_Reply_To="<root@example.com>",
                                References="<root@example.com>"), when=day)
    invite = EmailMessage()
    invite["From"], invite["To"], invite["Subject"] = "bo@example.com", ME, "Coffee"
    invite["Message-ID"], invite["In-Reply-To"] = "<inv@example.com>", "<mine@example.org>"
    start = (now + timedelta(days=2)).strftime("%Y%m%dT%H%M%SZ")
    end = (now + timedelta(days=2, hours=1)).strftime("%Y%m%dT%H%M%SZ")
    invite.set_content(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
        f"BEGIN:VEVENT\r\nUID:coffee-1@example.com\r\nDTSTAMP:{start}\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Coffee\r\n"
        "ORGANIZER:mailto:bo@example.com\r\nATTENDEE:mailto:ana@example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", subtype="calendar", params={"method": "REQUEST"})
    dovecot.append("INBOX", invite.as_bytes(), when=now)
    batch = sync(ImapMailSource(account), None, now, days=0)
    [message] = [m for m in batch.messages if m.message_id == "<inv@example.com>"]
    [event] = batch.invitations
    assert event.thread_id == message.thread_id == "<root@example.com>"
