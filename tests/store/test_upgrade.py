"""Upgrading databases written by older kaffe versions: schema 1 and 2 to the latest."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from unittest.mock import patch

from kaffe.model import (
    DONE,
    PENDING,
    Article,
    CalendarBatch,
    Contact,
    FeedBatch,
    LedgerEntry,
    MailBatch,
    Topic,
)
from kaffe.store import Store
from kaffe.store import events as _events
from kaffe.store import messages as _messages
from kaffe.store.codec import dt_to_text
from kaffe.store.migrations import MIGRATIONS, migrate, user_version
from tests.store.factories import ACCOUNT, ANA, CAL, ME, T0, at, make_event, make_message

# The statements the version 1 store ran for contacts and the ledger.
V1_CONTACT = "INSERT INTO contacts (email, name, language) VALUES (?, ?, ?)"
V1_LEDGER = ("INSERT INTO ledger (key, kind, state, updated, draft_id, detail, attempts) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)")


def make_v1_database(path: Path) -> None:
    """A version 1 file: the v1 migration, an event batch through the (unchanged) v1
    event code, a contact with a user-set language and two ledger rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == 1
    conn.execute("BEGIN IMMEDIATE")
    _events.apply_batch(conn, CalendarBatch(CAL, (make_event(),), "tok", True),
                        at(-24), at(24))
    conn.execute(V1_CONTACT, ("ana@partner.dk", "Ana", "da"))
    conn.execute(V1_LEDGER, ("followup:a", "followup", DONE, dt_to_text(T0), "r1", "", 1))
    conn.execute(V1_LEDGER, ("followup:b", "followup", PENDING, dt_to_text(T0), "", "", 2))
    conn.execute("INSERT INTO cursors (name, value) VALUES ('google:primary', 'tok')")
    conn.execute("COMMIT")
    conn.close()


def test_v1_database_is_upgraded_with_its_data_kept(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    make_v1_database(path)
    with Store.open(path) as store:
        assert store.schema_version == len(MIGRATIONS) == 4
        assert store.events() == [make_event()]
        assert store.get_cursor("google:primary") == "tok"
        assert store.contacts() == {"ana@partner.dk": Contact("ana@partner.dk", "Ana", "da")}
        assert store.ledger() == {
            "followup:a": LedgerEntry("followup:a", "followup", DONE, T0, "r1", "", 1, ""),
            "followup:b": LedgerEntry("followup:b", "followup", PENDING, T0, "", "", 2, ""),
        }
        assert store.message_count() == 0
        assert store.interactions() == {}


def test_upgraded_database_takes_mail_and_ledger_contacts(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    make_v1_database(path)
    with Store.open(path) as store:
        batch = MailBatch(ACCOUNT, (make_message(),), "h1", full=True)
        assert store.apply_mail_batch(batch, own_addresses=(ME.email,)) == 1
        entry = store.ledger_begin("followup:b", "followup", at(1), contact=ANA.email)
        assert (entry.attempts, entry.contact) == (3, ANA.email)
        # the user's language survives a header name arriving by mail
        assert store.contacts()[ANA.email] == Contact(ANA.email, ANA.name, "da")
    conn = sqlite3.connect(path)
    assert user_version(conn) == len(MIGRATIONS)
    conn.close()


def make_v2_database(path: Path) -> None:
    """A version 2 file: the v1 data above, then v2 and mail through the v2 message code."""
    make_v1_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:2]) == 2
    conn.execute("BEGIN IMMEDIATE")
    with patch.object(_messages._languages, "judge", lambda *_: 0):  # v2 judged no language
        _messages.apply_batch(conn, MailBatch(ACCOUNT, (make_message(),), "h1", full=True),
                              (ME.email,))
    conn.execute("COMMIT")
    conn.close()


def test_v2_database_is_upgraded_to_v3_with_its_data_kept(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    make_v2_database(path)
    with Store.open(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.events() == [make_event()]
        assert store.messages() == [make_message()]
        assert list(store.interactions()) == [ANA.email]
        assert store.ledger()["followup:a"].draft_id == "r1"
        assert store.topics() == {}
        assert store.articles() == []


def test_upgraded_database_takes_topics_and_articles(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    make_v2_database(path)
    topic = Topic(ANA.email, "data mesh", "note", T0)
    article = Article("a1", "blog", "https://blog.example/a1", "Data mesh", published=T0)
    with Store.open(path) as store:
        assert store.add_topics([topic]) == 1
        assert store.apply_feed_batch(FeedBatch("blog", (article,), "etag"), now=at(1)) == [
            article]
    with Store.open(path) as store:
        assert store.topics() == {ANA.email: (topic,)}
        assert store.articles() == [article]
