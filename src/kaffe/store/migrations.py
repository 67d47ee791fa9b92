"""The store's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. Schema version
N is ``MIGRATIONS[N - 1]``; to change the schema, append one entry (never edit
a released one). Each migration runs in its own transaction.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence

from kaffe.errors import KaffeError

log = logging.getLogger(__name__)

# A step is a SQL statement or a function for data migrations.
Step = str | Callable[[sqlite3.Connection], None]
Migration = Sequence[Step]

V1: Migration = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE events (
        calendar TEXT NOT NULL, id TEXT NOT NULL, uid TEXT NOT NULL DEFAULT '',
        start_at TEXT NOT NULL, end_at TEXT NOT NULL, status TEXT NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (calendar, id)
    )""",
    "CREATE INDEX events_by_start ON events (start_at, end_at)",
    "CREATE INDEX events_by_calendar ON events (calendar, start_at)",
    "CREATE INDEX events_by_uid ON events (uid) WHERE uid != ''",
    """CREATE TABLE contacts (
        email TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE ledger (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL,
        updated TEXT NOT NULL, draft_id TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX ledger_by_state ON ledger (state)",
    """CREATE TABLE source_runs (
        source TEXT PRIMARY KEY, last_run TEXT NOT NULL, last_ok TEXT,
        ok INTEGER NOT NULL, detail TEXT NOT NULL DEFAULT ''
    )""",
)

# Mail: messages (metadata only, no bodies), the interactions derived from them,
# and the contact each ledger action was addressed to.
V2: Migration = (
    """CREATE TABLE messages (
        key TEXT PRIMARY KEY, account TEXT NOT NULL, id TEXT NOT NULL,
        thread_id TEXT NOT NULL DEFAULT '', date_at TEXT NOT NULL,
        direction TEXT NOT NULL, message_id TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL, UNIQUE (account, id)
    )""",
    "CREATE INDEX messages_by_thread ON messages (thread_id, date_at)",
    "CREATE INDEX messages_by_date ON messages (date_at)",
    "CREATE INDEX messages_by_message_id ON messages (message_id) WHERE message_id != ''",
    """CREATE TABLE interactions (
        message_key TEXT NOT NULL REFERENCES messages (key) ON DELETE CASCADE,
        contact TEXT NOT NULL, direction TEXT NOT NULL, at TEXT NOT NULL,
        thread_id TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',
        message_id TEXT NOT NULL DEFAULT '', "references" TEXT NOT NULL DEFAULT '[]',
        kaffe_key TEXT NOT NULL DEFAULT '', PRIMARY KEY (message_key, contact)
    )""",
    "CREATE INDEX interactions_by_contact ON interactions (contact, at)",
    "CREATE INDEX interactions_by_at ON interactions (at)",
    "ALTER TABLE ledger ADD COLUMN contact TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX ledger_by_contact ON ledger (contact) WHERE contact != ''",
)

# Topic memory and feed articles. A topic is unique per (contact, text, source):
# the same words learnt from two places are two rows, so either can be forgotten.
V3: Migration = (
    """CREATE TABLE topics (
        contact TEXT NOT NULL, text TEXT NOT NULL, source TEXT NOT NULL, at TEXT NOT NULL,
        UNIQUE (contact, text, source)
    )""",
    "CREATE INDEX topics_by_source ON topics (source)",
    """CREATE TABLE articles (
        id TEXT PRIMARY KEY, feed TEXT NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '', published TEXT, language TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]', fetched_at TEXT NOT NULL
    )""",
    "CREATE INDEX articles_by_published ON articles (published)",
    "CREATE INDEX articles_by_fetched ON articles (fetched_at)",
    # articles() and prune_articles() select on this very expression.
    "CREATE INDEX articles_by_when ON articles (COALESCE(published, fetched_at))",
)

# The language each contact wrote each received message in (issue 15): only the verdict,
# judged once when the message is stored; the subject and first words it was judged
# from are not kept. Messages stored before this version are judged from their subjects.
V4: Migration = (
    """CREATE TABLE languages (
        message_key TEXT PRIMARY KEY REFERENCES messages (key) ON DELETE CASCADE,
        contact TEXT NOT NULL, at TEXT NOT NULL, language TEXT NOT NULL,
        confidence REAL NOT NULL
    )""",
    "CREATE INDEX languages_by_contact ON languages (contact, at)",
    lambda conn: _judge_stored(conn),
)

MIGRATIONS: tuple[Migration, ...] = (V1, V2, V3, V4)


def _judge_stored(conn: sqlite3.Connection) -> None:
    from kaffe.store import languages
    from kaffe.store.codec import message_from_json

    rows = conn.execute("SELECT data FROM messages WHERE direction = 'received'")
    for (data,) in rows.fetchall():
        languages.judge(conn, message_from_json(data))


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database file."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the schema up to ``len(migrations)``; returns the resulting version.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    latest = len(migrations)
    if user_version(conn) > latest:
        raise KaffeError(
            f"the database has schema version {user_version(conn)}, newer than this kaffe "
            f"knows ({latest})",
            hint="upgrade kaffe, or point [storage] database at another file",
        )
    for version in range(user_version(conn) + 1, latest + 1):
        _apply(conn, version, migrations[version - 1])
    return user_version(conn)


def _apply(conn: sqlite3.Connection, version: int, migration: Migration) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the write lock.
        if user_version(conn) < version:
            for step in migration:
                step(conn) if callable(step) else conn.execute(step)
            conn.execute(f"PRAGMA user_version = {int(version)}")
            log.info("migrated the database to schema version %d", version)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
