"""Upgrading a schema version 1 database, written the way kaffe 0.1 wrote it, to version 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kaffe.model import DONE, PENDING, CalendarBatch, Contact, LedgerEntry, MailBatch
from kaffe.store import Store
from kaffe.store import events as _events
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
        assert store.schema_version == 2
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
