"""The IMAP mail source and draft sink against a real Dovecot on 127.0.0.1."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from kaffe.connectors.imap.conn import ImapAccount
from kaffe.connectors.imap.drafts import ImapDraftSink
from kaffe.connectors.imap.folders import DRAFTS, SENT, Folder, find_folder, parse_list
from kaffe.connectors.imap.parse import parse_internaldate, thread_root
from kaffe.connectors.imap.source import (
    ImapMailSource,
    imap_date,
    load_cursor,
    uid_sets,
)
from kaffe.errors import AuthError, ConnectorError, TransientError
from kaffe.model import RECEIVED, Draft, Recipient
from tests.servers.dovecot import DovecotServer, free_port

ME = "ana@example.org"
SINCE_DAYS = 30


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    with DovecotServer() as server:
        yield server


@pytest.fixture
def account(dovecot: DovecotServer) -> ImapAccount:
    return ImapAccount("work", dovecot.host, dovecot.port, username=dovecot.user,
                       password=dovecot.password, tls="none", address=ME, timeout=10)


def mail(sender: str, to: str, subject: str, msgid: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, subject, msgid
    msg["Date"] = "Mon, 09 Mar 2026 10:00:00 +0000"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Thanks for the coffee!")
    return msg.as_bytes()


def eml(corpus: Path, name: str) -> bytes:
    return (corpus / "eml" / f"thunderbird__{name}.eml").read_bytes()


def seed(dovecot: DovecotServer, corpus: Path, now: datetime) -> None:
    """Two personal messages and a robot's in INBOX, your reply in Sent."""
    when = now - timedelta(days=1)
    dovecot.append("INBOX", mail("Bo <bo@example.com>", ME, "Coffee?", "<root@example.com>"),
                   when=when)
    dovecot.append("INBOX", eml(corpus, "booking_mixedcase_calendar_publish"), when=when)
    dovecot.append("INBOX", mail("news@shop.example", ME, "Sale", "<n1@shop.example>",
                                 List_Id="<deals.shop.example>"), when=when)
    dovecot.append("Sent", mail(ME, "bo@example.com", "Re: Coffee?", "<r1@example.org>",
                                In_Reply_To="<root@example.com>",
                                References="<root@example.com>"), when=when)


def flags_of(dovecot: DovecotServer, folder: str) -> list[bytes]:
    conn = dovecot.connect()
    try:
        conn.select(f'"{folder}"', readonly=True)
        _, data = conn.uid("FETCH", "1:*", "(FLAGS)")
        return [d for d in data if d]
    finally:
        conn.logout()


def sync(source: ImapMailSource, cursor: str | None, now: datetime):
    return source.sync(cursor, since=now - timedelta(days=SINCE_DAYS), now=now)


# -- folders --------------------------------------------------------------------------------
def test_sent_and_drafts_are_found_by_special_use(dovecot: DovecotServer) -> None:
    conn = dovecot.connect()
    try:
        conn.create('"Sent Items"')  # a decoy with a common name but no attribute
        _, data = conn.list('""', "*")
    finally:
        conn.logout()
    folders = parse_list(data)
    assert find_folder(folders, SENT) == "Sent"
    assert find_folder(folders, DRAFTS) == "Drafts"
    assert find_folder(folders, SENT, "Sent Items") == "Sent Items"


def test_gmail_names_are_the_fallback_without_special_use() -> None:
    folders = [Folder("INBOX", frozenset()), Folder("[Gmail]", frozenset({"\\noselect"})),
               Folder("[Gmail]/Sent Mail", frozenset()), Folder("Drafts", frozenset())]
    assert find_folder(folders, SENT) == "[Gmail]/Sent Mail"
    assert find_folder(folders, DRAFTS) == "Drafts"
    with pytest.raises(ConnectorError, match="'Outbox' does not exist") as caught:
        find_folder(folders, SENT, "Outbox")
    assert "[Gmail]/Sent Mail" in caught.value.hint


def test_list_names_with_quotes_and_literals_are_read() -> None:
    data = [b'(\\HasNoChildren \\Sent) "/" "Sent Items"', (b'(\\Drafts) "/" {6}', b'Drafts'),
            b'(\\Noselect) NIL "weird \\"name\\""']
    assert [f.name for f in parse_list(data)] == ["Sent Items", "Drafts", 'weird "name"']


# -- the mail source ---------------------------------------------------------------------------
def test_first_sync_reads_inbox_and_sent(dovecot, account, corpus, now) -> None:
    seed(dovecot, corpus, now)
    batch = sync(ImapMailSource(account), None, now)
    assert batch.full and batch.account == "imap:work"
    by_subject = {m.subject: m for m in batch.messages}
    assert set(by_subject) == {"Coffee?", "Sale", "Re: Coffee?",
                               "ExampleStore - booking 01.09.2016 @ 09.25 - 09.50"}
    reply, question = by_subject["Re: Coffee?"], by_subject["Coffee?"]
    assert reply.direction == "sent" and question.direction == RECEIVED
    assert reply.thread_id == question.thread_id == "<root@example.com>"
    assert [r.email for r in reply.to] == ["bo@example.com"]
    assert by_subject["Sale"].bulk.startswith("mailing list")
    robot = next(m for m in batch.messages if m.sender.email == "noreply@example.com")
    assert robot.bulk.startswith("automated sender")
    assert question.bulk == "" and question.date == now - timedelta(days=1)


def test_sync_never_marks_mail_read(dovecot, account, corpus, now) -> None:
    seed(dovecot, corpus, now)
    sync(ImapMailSource(account, invite_days=3650), None, now)
    flags = flags_of(dovecot, "INBOX") + flags_of(dovecot, "Sent")
    assert len(flags) == 4
    assert not any(b"\\Seen" in f for f in flags)


def test_a_quiet_cycle_is_login_two_status_and_logout(dovecot, account, corpus, now,
                                                       monkeypatch) -> None:
    seed(dovecot, corpus, now)
    source = ImapMailSource(account)
    first = sync(source, None, now)
    sent: list[str] = []
    original = imaplib.IMAP4._command

    def counting(self, name, *args):
        sent.append(name)
        return original(self, name, *args)

    monkeypatch.setattr(imaplib.IMAP4, "_command", counting)
    second = sync(source, first.cursor, now)
    assert sent == ["LOGIN", "STATUS", "STATUS", "LOGOUT"]
    assert source.last_commands == 4
    assert not second.full and second.messages == () and second.cursor == first.cursor


def test_a_new_message_comes_in_the_next_sync(dovecot, account, corpus, now) -> None:
    seed(dovecot, corpus, now)
    source = ImapMailSource(account)
    first = sync(source, None, now)
    dovecot.append("INBOX", mail("cy@example.net", ME, "Follow-up", "<f1@example.net>"),
                   when=now)
    second = sync(source, first.cursor, now)
    assert not second.full
    assert [m.subject for m in second.messages] == ["Follow-up"]
    assert second.messages[0].id.startswith("inbox/")
    assert sync(source, second.cursor, now).messages == ()


def test_a_changed_uidvalidity_resyncs_the_window(dovecot, account, corpus, now) -> None:
    seed(dovecot, corpus, now)
    source = ImapMailSource(account)
    first = sync(source, None, now)
    conn = dovecot.connect()
    try:
        assert conn.delete("Sent")[0] == "OK" and conn.create("Sent")[0] == "OK"
    finally:
        conn.logout()
    dovecot.append("Sent", mail(ME, "di@example.com", "Hello again", "<h2@example.org>"),
                   when=now)
    second = sync(source, first.cursor, now)
    assert second.full
    assert {m.subject for m in second.messages} >= {"Coffee?", "Hello again"}
    assert "Re: Coffee?" not in {m.subject for m in second.messages}  # deleted with the folder
    assert load_cursor(second.cursor) != load_cursor(first.cursor)


def test_messages_older_than_since_are_left_out(dovecot, account, now) -> None:
    dovecot.append("INBOX", mail("old@example.com", ME, "Old", "<o@x>"),
                   when=now - timedelta(days=SINCE_DAYS + 5))
    dovecot.append("INBOX", mail("new@example.com", ME, "New", "<n@x>"), when=now)
    assert [m.subject for m in sync(ImapMailSource(account), None, now).messages] == ["New"]


def test_an_outlook_invitation_yields_an_event(dovecot, account, corpus) -> None:
    received = datetime(2021, 11, 19, 20, 0, 31, tzinfo=UTC)
    dovecot.append("INBOX", eml(corpus, "outlook_invite_exchange"), when=received)
    source = ImapMailSource(
        ImapAccount("work", account.host, account.port, username=account.username,
                    password=account.password, tls="none", address="homer@example.org"))
    batch = source.sync(None, since=received - timedelta(days=7), now=received)
    [message] = batch.messages
    [event] = batch.invitations
    assert event.summary == "Testaus" and event.calendar == "mail:imap:work"
    assert event.thread_id == message.thread_id == message.message_id
    assert any(a.is_self for a in event.attendees)


def test_a_wrong_password_is_an_auth_error_in_words(dovecot, account, now) -> None:
    bad = ImapAccount("work", account.host, account.port, username=account.username,
                      password="not-it", tls="none", address=ME)
    with pytest.raises(AuthError, match="refused the login for ana@example.org") as caught:
        sync(ImapMailSource(bad), None, now)
    assert "not-it" not in str(caught.value) and "not-it" not in repr(bad)
    assert "app password" in caught.value.hint


def test_nobody_listening_is_transient(now) -> None:
    closed = ImapAccount("work", "127.0.0.1", free_port(), username="u", password="p",
                         tls="none", timeout=5)
    with pytest.raises(TransientError, match="cannot connect"):
        sync(ImapMailSource(closed), None, now)


def test_clear_text_is_refused_off_loopback() -> None:
    with pytest.raises(ConnectorError, match="clear text"):
        ImapAccount("work", "imap.example.com", 143, username="u", password="p", tls="none")


# -- the draft sink ----------------------------------------------------------------------------
def draft(key: str) -> Draft:
    return Draft(key=key, sender=Recipient(ME, "Ana"), to=(Recipient("bo@example.com", "Bo"),),
                 subject="Thanks for the coffee", body="Great to meet you.")


def executor_style(sink: ImapDraftSink, d: Draft) -> str:
    """What the executor does for a pending key: look first, create only if absent."""
    return sink.find_draft(d.key) or sink.create_draft(d)


def test_a_draft_lands_in_drafts_flagged_and_is_found_after_a_crash(dovecot, account) -> None:
    key = "followup:google:primary/abc123"
    draft_id = ImapDraftSink(account).create_draft(draft(key))
    [flags] = flags_of(dovecot, "Drafts")
    assert b"\\Draft" in flags and b"\\Seen" not in flags
    fresh = ImapDraftSink(account)  # a new process: nothing remembered
    assert fresh.find_draft(key) == draft_id
    assert fresh.find_draft("followup:google:primary/abc") is None  # SEARCH is by substring
    assert fresh.find_draft("followup:other") is None


def test_the_executor_sequence_never_duplicates_a_draft(dovecot, account) -> None:
    key = "drip:bo@example.com:article-7"
    ids = {executor_style(ImapDraftSink(account), draft(key)) for _ in range(3)}
    assert len(ids) == 1
    assert len(flags_of(dovecot, "Drafts")) == 1
    sent = sync(ImapMailSource(account), None, datetime.now(UTC))
    assert sent.messages == ()  # drafts are not read as mail


# -- pure helpers ------------------------------------------------------------------------------
def test_uid_sets_compress_and_chunk() -> None:
    assert uid_sets([5, 1, 2, 3, 9, 10, 3]) == ["1:3,5,9:10"]
    assert uid_sets(list(range(1, 8)), chunk=3) == ["1:3", "4:6", "7"]
    assert uid_sets([]) == []


def test_dates_and_threads() -> None:
    assert parse_internaldate(" 7-Mar-2026 23:30:00 -0100") == datetime(2026, 3, 8, 0, 30,
                                                                         tzinfo=UTC)
    assert parse_internaldate("garbage") is None
    assert imap_date(datetime(2026, 3, 5, tzinfo=UTC)) == "5-Mar-2026"
    assert thread_root(("<a@x>", "<b@x>"), "<b@x>", "<c@x>") == "<a@x>"
    assert thread_root((), "<b@x>", "<c@x>") == "<b@x>"
    assert thread_root((), "", "<c@x>") == "<c@x>"


def test_an_unreadable_cursor_means_a_full_sync() -> None:
    assert load_cursor(None) is None
    assert load_cursor("{not json") is None
    assert load_cursor('{"v": 99, "folders": []}') is None


def test_a_draft_with_a_non_ascii_key_is_found_again(dovecot, account) -> None:
    key = "followup:kaffe-møde-Åse@kaffe.test"  # a UID Apple Calendar might write
    draft_id = ImapDraftSink(account).create_draft(draft(key))
    assert ImapDraftSink(account).find_draft(key) == draft_id


def test_find_drafts_asks_in_one_session(dovecot, account, monkeypatch) -> None:
    sink = ImapDraftSink(account)
    ids = {key: sink.create_draft(draft(key)) for key in ("k1", "k2")}
    logins = []
    monkeypatch.setattr(imaplib.IMAP4, "login", _counting(imaplib.IMAP4.login, logins))
    assert sink.find_drafts(["k1", "k2", "k3"]) == ids
    assert len(logins) == 1


def _counting(method, calls: list):
    def counted(self, *args):
        calls.append(args[0])
        return method(self, *args)
    return counted
