"""Mail batches: messages, the interactions derived from them, and contacts."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import pytest

from kaffe.model import RECEIVED, SENT, Contact, Interaction, MailBatch, Message, Recipient
from kaffe.store import Store
from tests.store.factories import ACCOUNT, ANA, ME, at, make_message

OWN = (ME.email, "Me.Private@Home.example")
BO = Recipient("bo@example.com", "Bo")


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "kaffe.db") as store:
        yield store


def batch(*messages: Message, full: bool = False, removed: tuple[str, ...] = (),
          account: str = ACCOUNT) -> MailBatch:
    return MailBatch(account, messages, "history-1", full, removed)


def apply(store: Store, *messages: Message, own: tuple[str, ...] = OWN, **kw) -> int:
    return store.apply_mail_batch(batch(*messages, **kw), own_addresses=own)


def ids(store: Store, **query) -> list[str]:
    return [message.id for message in store.messages(**query)]


def with_whom(store: Store, **query) -> dict[str, list[tuple[str, str]]]:
    """contact -> [(message id, direction)], in the store's order."""
    return {contact: [(i.message_key.rpartition("/")[2], i.direction) for i in items]
            for contact, items in store.interactions(**query).items()}


def test_messages_round_trip_and_make_an_interaction(store: Store) -> None:
    message = make_message(kaffe_key="followup:x", in_reply_to="<m0@mail.example>")
    assert apply(store, message) == 1
    assert store.messages() == [message]
    assert store.interactions() == {ANA.email: (Interaction(
        contact=ANA.email, direction=RECEIVED, at=message.date, message_key="gmail/m1",
        thread_id="t1", subject=message.subject, message_id="<m1@mail.example>",
        references=("<m0@mail.example>",), kaffe_key="followup:x"),)}


def test_applying_the_same_batch_twice_changes_nothing(store: Store) -> None:
    messages = (make_message("a"), make_message("b", 1, sent=True, to=(ANA, BO)))
    assert apply(store, *messages, full=True) == 2
    before = (store.messages(), store.interactions(), store.contacts())
    assert apply(store, *messages, full=True) == 0
    assert apply(store, *messages) == 0
    assert (store.messages(), store.interactions(), store.contacts()) == before
    assert with_whom(store) == {ANA.email: [("a", RECEIVED), ("b", SENT)],
                                BO.email: [("b", SENT)]}


def test_a_changed_message_is_counted_and_its_interactions_follow(store: Store) -> None:
    apply(store, make_message())
    changed = make_message(subject="Coffee, moved", labels=("INBOX", "STARRED"))
    assert apply(store, changed) == 1
    assert store.messages() == [changed]
    assert [i.subject for i in store.interactions()[ANA.email]] == ["Coffee, moved"]


def test_full_batch_deletes_the_accounts_missing_messages_only(store: Store) -> None:
    apply(store, make_message("gone"), make_message("kept", 1))
    other = make_message("x", 2, account="imap:work")
    apply(store, other, account="imap:work")
    assert apply(store, make_message("kept", 1), make_message("new", 3), full=True) == 2
    assert ids(store) == ["kept", "x", "new"]
    assert with_whom(store) == {ANA.email: [("kept", RECEIVED), ("x", RECEIVED),
                                            ("new", RECEIVED)]}


def test_incremental_batch_keeps_messages_it_does_not_mention(store: Store) -> None:
    apply(store, make_message("a"), make_message("b", 1))
    apply(store, make_message("c", 2))
    assert ids(store) == ["a", "b", "c"]


def test_removed_ids_delete_messages_and_their_interactions(store: Store) -> None:
    apply(store, make_message("a"), make_message("b", 1))
    assert apply(store, removed=("a", "unknown")) == 1
    assert ids(store) == ["b"]
    assert with_whom(store) == {ANA.email: [("b", RECEIVED)]}
    assert apply(store, removed=("a",)) == 0


def test_an_empty_full_batch_empties_the_account(store: Store) -> None:
    apply(store, make_message("a"), make_message("b", 1))
    assert apply(store, full=True) == 2
    assert store.message_count() == 0
    assert store.interactions() == {}


def test_own_addresses_are_no_counterparts(store: Store) -> None:
    to_all = make_message("s", sent=True, to=(ANA, Recipient(" ME.private@home.example "),
                                             BO, Recipient("Ana@Partner.dk")))
    from_me = make_message("r", 1, sender=Recipient("me.private@home.example"), to=(ME,))
    apply(store, to_all, from_me)
    assert with_whom(store) == {ANA.email: [("s", SENT)], BO.email: [("s", SENT)]}
    assert set(store.contacts()) == {ANA.email, BO.email}


def test_a_received_message_counts_its_sender_only(store: Store) -> None:
    apply(store, make_message(to=(ME, BO)))
    assert with_whom(store) == {ANA.email: [("m1", RECEIVED)]}


def test_changing_own_addresses_rederives_interactions(store: Store) -> None:
    message = make_message(sent=True, to=(ANA, BO))
    apply(store, message)
    assert apply(store, message, own=(*OWN, BO.email)) == 0  # the message itself is unchanged
    assert with_whom(store) == {ANA.email: [("m1", SENT)]}


def test_bulk_mail_is_stored_without_interactions_or_contacts(store: Store) -> None:
    news = make_message("n", sender=Recipient("news@shop.example", "Shop"),
                        bulk="List-Id: <offers.shop.example>")
    assert apply(store, news) == 1
    assert store.messages() == [news]
    assert store.interactions() == {}
    assert store.contacts() == {}


def test_contacts_take_header_names_but_keep_the_users_language(store: Store) -> None:
    store.upsert_contact(Contact(ANA.email, "Ana", "da"))
    apply(store, make_message("a"))
    assert store.contacts()[ANA.email] == Contact(ANA.email, ANA.name, "da")
    apply(store, make_message("b", 1, sender=Recipient("ana@partner.dk")))  # no name: kept
    apply(store, make_message("c", 2, sent=True, to=(Recipient(BO.email, " Bo B "),)))
    assert store.contacts() == {ANA.email: Contact(ANA.email, ANA.name, "da"),
                                BO.email: Contact(BO.email, "Bo B")}


def test_newest_header_name_wins_within_a_batch(store: Store) -> None:
    newer = make_message("new", 5, sender=Recipient(ANA.email, "Ana S. Jensen"))
    apply(store, newer, make_message("old", 1))
    assert store.contacts()[ANA.email].name == "Ana S. Jensen"


def test_reapplying_a_batch_leaves_a_user_edited_name_alone(store: Store) -> None:
    apply(store, make_message())
    store.upsert_contact(Contact(ANA.email, "Ana (DTU)", "en"))
    apply(store, make_message(), full=True)
    assert store.contacts()[ANA.email] == Contact(ANA.email, "Ana (DTU)", "en")


def test_interactions_are_oldest_first_and_since_is_inclusive(store: Store) -> None:
    apply(store, make_message("late", 5), make_message("b1", 3, sent=True, to=(BO,)),
          make_message("early", 1), make_message("mid", 3, sent=True))
    assert with_whom(store) == {
        ANA.email: [("early", RECEIVED), ("mid", SENT), ("late", RECEIVED)],
        BO.email: [("b1", SENT)],
    }
    assert with_whom(store, since=at(3)) == {ANA.email: [("mid", SENT), ("late", RECEIVED)],
                                             BO.email: [("b1", SENT)]}
    assert with_whom(store, since=at(4)) == {ANA.email: [("late", RECEIVED)]}


def test_messages_query_by_account_and_thread_oldest_first(store: Store) -> None:
    apply(store, make_message("c", 3), make_message("a", 1),
          make_message("t2", 2, thread_id="t2"))
    apply(store, make_message("w", 0, account="imap:work"), account="imap:work")
    assert ids(store) == ["w", "a", "t2", "c"]
    assert ids(store, account=ACCOUNT) == ["a", "t2", "c"]
    assert ids(store, account=ACCOUNT, thread_id="t1") == ["a", "c"]
    assert ids(store, thread_id="t1") == ["w", "a", "c"]
    assert ids(store, thread_id="nope") == []
    assert (store.message_count(), store.message_count(ACCOUNT)) == (4, 3)
    assert store.message_count("imap:work") == 1


def test_a_batch_with_messages_of_another_account_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="imap:work"):
        apply(store, make_message(account="imap:work"))
    assert store.message_count() == 0


def test_a_failing_batch_changes_nothing(store: Store) -> None:
    apply(store, make_message("a"))
    bad = dataclasses.replace(make_message("b", 1), sender=None)  # cannot be derived
    with pytest.raises(AttributeError):
        apply(store, make_message("c", 2), bad, full=True)
    assert ids(store) == ["a"]
    assert with_whom(store) == {ANA.email: [("a", RECEIVED)]}


def test_real_gmail_messages_round_trip(corpus: Path, store: Store) -> None:
    """Messages normalised from real messages.get responses come back out unchanged."""
    import json

    from kaffe.connectors.google.messages import normalize_message
    from kaffe.connectors.mailheaders import UnreadableMessage

    found = []
    for path in sorted((corpus / "gmail_json").glob("*messages_get*.json")):
        with contextlib.suppress(UnreadableMessage):
            doc = json.loads(path.read_text(encoding="utf-8"))
            found.append(normalize_message(doc, account=ACCOUNT))
    assert found, "no readable messages in the corpus"
    unique = {message.key: message for message in found}
    assert apply(store, *unique.values(), full=True) == len(unique)
    assert {m.key: m for m in store.messages()} == unique
    assert apply(store, *unique.values(), full=True) == 0
