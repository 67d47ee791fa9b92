"""One contract for every mail source: Gmail (the emulator, mail delivered through its
control endpoint over HTTP) and IMAP (Dovecot, mail APPENDed) read the same mail into
the same facts: who wrote to whom, when, about what, in which thread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kaffe.model import MailBatch, Message
from tests.contract import backends
from tests.contract import scenario as sc


def sync(source: Any, cursor: str | None = None) -> MailBatch:
    batch: MailBatch = source.sync(cursor, since=sc.SINCE, now=sc.NOW)
    return batch


def facts(message: Message) -> tuple[Any, ...]:
    """What must not depend on the mailbox (ids and labels may)."""
    return (message.message_id, message.direction, message.sender.email,
            tuple(sorted(r.email for r in message.to)), message.subject, message.in_reply_to,
            message.date, message.bulk, message.kaffe_key)


def expected_facts(mail: sc.Mail) -> tuple[Any, ...]:
    sender = mail.sender.split("<")[1].rstrip(">")
    to = mail.to.split("<")[1].rstrip(">")
    return (mail.message_id, "sent" if mail.sent else "received", sender, (to,), mail.subject,
            mail.in_reply_to, mail.date, "", "")


def threads(messages: tuple[Message, ...]) -> set[frozenset[str]]:
    """The scenario's messages grouped by thread (thread ids themselves differ)."""
    grouped: dict[str, set[str]] = {}
    for message in messages:
        grouped.setdefault(message.thread_id, set()).add(message.message_id)
    return {frozenset(group) for group in grouped.values()}


class MailSourceContract:
    """Every mail source passes these; a subclass provides the ``mailboxes`` fixture."""

    @pytest.fixture(scope="class")
    @classmethod
    def scenario(cls, mailboxes: backends.Mailboxes) -> MailBatch:
        return sync(mailboxes.box("scenario").source())

    def test_a_full_sync_reads_the_same_mail_facts(self, scenario: MailBatch) -> None:
        assert scenario.full and scenario.cursor
        assert not scenario.problems and not scenario.invitations
        assert sorted(facts(m) for m in scenario.messages) == sorted(
            expected_facts(m) for m in sc.MAILS)

    def test_the_thread_with_the_contact_is_one_thread(self, scenario: MailBatch) -> None:
        assert threads(scenario.messages) == {
            frozenset({"<bo-1@roastery.example>", "<ana-1@example.org>"}),
            frozenset({"<ana-2@example.org>"}),
        }

    def test_own_addresses_hold_mine(self, mailboxes: backends.Mailboxes) -> None:
        assert sc.ME in mailboxes.box("scenario").source().own_addresses()

    def test_an_incremental_sync_brings_only_what_arrived(
        self, mailboxes: backends.Mailboxes
    ) -> None:
        box = mailboxes.box("changes")
        first = sync(box.source())
        box.deliver(sc.LATE_MAIL)
        delta = sync(box.source(), first.cursor)
        assert not delta.full and delta.cursor and delta.cursor != first.cursor
        assert [facts(m) for m in delta.messages] == [expected_facts(sc.LATE_MAIL)]
        bo_thread = {m.thread_id for m in first.messages if "bo@" in m.sender.email}
        assert {m.thread_id for m in delta.messages} == bo_thread
        again = sync(box.source(), delta.cursor)
        assert not again.full and not again.messages

    def test_a_reply_naming_only_its_parent_joins_the_thread(
        self, mailboxes: backends.Mailboxes
    ) -> None:
        box = mailboxes.box("terse")
        first = sync(box.source())
        box.deliver(sc.TERSE_REPLY)
        delta = sync(box.source(), first.cursor)
        assert [facts(m) for m in delta.messages] == [expected_facts(sc.TERSE_REPLY)]
        bo_thread = {m.thread_id for m in first.messages if "bo@" in m.sender.email}
        assert {m.thread_id for m in delta.messages} == bo_thread

    def test_an_unreadable_invitation_is_a_problem_and_the_mail_is_kept(
        self, mailboxes: backends.Mailboxes
    ) -> None:
        box = mailboxes.box("broken")
        box.deliver(sc.BROKEN_INVITE)
        batch = sync(box.source())
        assert len(batch.problems) == 1, batch.problems
        assert not batch.invitations
        assert sorted(facts(m) for m in batch.messages) == sorted(
            expected_facts(m) for m in (*sc.MAILS, sc.BROKEN_INVITE))


class TestGmail(MailSourceContract):
    @pytest.fixture(scope="class")
    @classmethod
    def mailboxes(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        yield from backends.mailboxes(backends.GmailBox, tmp_path_factory.mktemp("gmail"))


class TestImap(MailSourceContract):
    @pytest.fixture(scope="class")
    @classmethod
    def mailboxes(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        yield from backends.mailboxes(backends.ImapBox, tmp_path_factory.mktemp("imap"))

