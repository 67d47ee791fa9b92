"""Relationships: who wrote last, and whether they answered kaffe's drafts once sent."""

from __future__ import annotations

from datetime import timedelta

from kaffe.mailids import wire_key
from kaffe.rules.relations import relationship, relationships
from tests.rules.factories import ANA_EMAIL, START, ledger_entry, mail, mailbox


def test_no_kaffe_draft_means_answered_is_unknown():
    rel = relationship(ANA_EMAIL, (mail("received", START),), [])
    assert rel.answered is None and rel.last_received.at == START and rel.last_sent is None


def test_draft_not_sent_yet():
    entry = ledger_entry("followup:a", "done", contact=ANA_EMAIL)
    rel = relationship(ANA_EMAIL, (), [entry])
    assert rel.drafted == 1 and rel.sent == 0 and rel.answered is None


def test_sent_draft_found_by_its_key_then_answered():
    entry = ledger_entry("followup:a", "done", contact=ANA_EMAIL)
    sent = mail("sent", START + timedelta(hours=1), kaffe_key="followup:a", n=1)
    reply = mail("received", START + timedelta(days=1), n=2)
    rel = relationship(ANA_EMAIL, (sent, reply), [entry])
    assert rel.sent == 1 and rel.answered is True and rel.last_reply == reply.at


def test_sent_draft_without_key_is_the_next_message_you_sent():
    entry = ledger_entry("followup:a", "done", contact=ANA_EMAIL)
    earlier = mail("sent", START - timedelta(days=3), n=1)
    sent = mail("sent", START + timedelta(hours=2), n=2)
    rel = relationship(ANA_EMAIL, (earlier, sent), [entry])
    assert rel.sent == 1 and rel.answered is False and rel.unanswered == 1


def test_unanswered_counts_sent_drafts_since_their_last_reply():
    entries = [
        ledger_entry(f"drip:{n}", "done", contact=ANA_EMAIL, updated=START + timedelta(days=n * 30))
        for n in range(3)
    ]
    sends = [
        mail("sent", START + timedelta(days=n * 30, hours=1), kaffe_key=f"drip:{n}", n=n)
        for n in range(3)
    ]
    reply = mail("received", START + timedelta(days=2), n=99)
    rel = relationship(ANA_EMAIL, tuple(sorted([*sends, reply], key=lambda i: i.at)), entries)
    assert rel.sent == 3 and rel.unanswered == 2 and rel.answered is False


def test_relationships_cover_mail_and_ledger_contacts():
    entry = ledger_entry("followup:b", "done", contact="bob@x.example")
    people = relationships(mailbox(mail("received", START)), {"followup:b": entry})
    assert set(people) == {ANA_EMAIL, "bob@x.example"}


def test_a_sent_draft_is_found_by_the_ascii_form_of_its_key():
    key = "followup:kaffe-møde-Åse@kaffe.test"
    entry = ledger_entry(key, "done", contact=ANA_EMAIL, updated=START + timedelta(days=1))
    sent = mail("sent", START, kaffe_key=wire_key(key), n=1)  # the header's ASCII form
    assert relationship(ANA_EMAIL, (sent,), [entry]).sent == 1
