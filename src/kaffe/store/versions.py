"""Change counters per table: a reader that keeps what it loaded (the daemon's cycle
cache) asks whether a table may have changed since, without reading the table.

Writes through the :class:`~kaffe.store.Store` move the counters of the tables they
touch. A commit by any other connection (``kaffe import`` in another process, a second
store on the same file) moves SQLite's ``PRAGMA data_version``: then every counter
moves, since what that write touched is not known.
"""

from __future__ import annotations

import sqlite3

TABLES = ("events", "messages", "interactions", "contacts", "ledger", "topics", "articles",
          "languages")


class Versions:
    """The change counters of one connection's tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._counts = dict.fromkeys(TABLES, 0)
        self._seen = self._data_version()

    def bump(self, *tables: str) -> None:
        """Record that ``tables`` were (or may have been) written."""
        for table in tables:
            self._counts[table] += 1

    def bump_all(self) -> None:
        """Record that any table may have changed (a rollback, another connection)."""
        self.bump(*TABLES)

    def of(self, table: str) -> int:
        """The counter of ``table``: equal values mean no write in between."""
        current = self._data_version()
        if current != self._seen:
            self._seen = current
            self.bump_all()
        return self._counts[table]

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
