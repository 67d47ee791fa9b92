"""The ledger: one row per idempotency key, recording what became of each action."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from kaffe.model import DONE, FAILED, PENDING, SKIPPED, LedgerEntry
from kaffe.store.codec import dt_from_text, dt_to_text

FINAL_STATES = frozenset({DONE, FAILED, SKIPPED})
_COLUMNS = "key, kind, state, updated, draft_id, detail, attempts, contact"


def _entry(row: tuple[str, str, str, str, str, str, int, str]) -> LedgerEntry:
    key, kind, state, updated, draft_id, detail, attempts, contact = row
    return LedgerEntry(key, kind, state, dt_from_text(updated), draft_id, detail, attempts,
                       contact)


def entry(conn: sqlite3.Connection, key: str) -> LedgerEntry | None:
    """The ledger entry for ``key``, if any."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM ledger WHERE key = ?", (key,)).fetchone()
    return _entry(row) if row else None


def entries(conn: sqlite3.Connection, state: str | None = None) -> list[LedgerEntry]:
    """All entries (or those in ``state``), oldest update first."""
    sql = f"SELECT {_COLUMNS} FROM ledger"
    params: tuple[str, ...] = ()
    if state is not None:
        sql, params = sql + " WHERE state = ?", (state,)
    return [_entry(row) for row in conn.execute(sql + " ORDER BY updated, key", params)]


def begin(conn: sqlite3.Connection, key: str, kind: str, now: datetime,
          contact: str = "") -> None:
    """Mark ``key`` pending and count one more attempt (inserting it if new).

    A ``contact`` already recorded is kept when the key is re-begun without one.
    """
    conn.execute(
        """INSERT INTO ledger (key, kind, state, updated, attempts, contact)
           VALUES (?, ?, ?, ?, 1, ?)
           ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, state = excluded.state,
               updated = excluded.updated, detail = '', attempts = attempts + 1,
               contact = CASE WHEN excluded.contact != '' THEN excluded.contact
                              ELSE contact END""",
        (key, kind, PENDING, dt_to_text(now), contact),
    )


def finish(conn: sqlite3.Connection, key: str, state: str, now: datetime,
           draft_id: str, detail: str) -> None:
    """Record the outcome of ``key``; a draft id already recorded is kept if none is given."""
    if state not in FINAL_STATES:
        raise ValueError(f"ledger state must be one of {sorted(FINAL_STATES)}, got {state!r}")
    cursor = conn.execute(
        """UPDATE ledger SET state = ?, updated = ?, detail = ?,
               draft_id = CASE WHEN ? != '' THEN ? ELSE draft_id END
           WHERE key = ?""",
        (state, dt_to_text(now), detail, draft_id, draft_id, key),
    )
    if cursor.rowcount == 0:
        raise KeyError(f"no ledger entry for {key!r}: call ledger_begin first")


def put(conn: sqlite3.Connection, item: LedgerEntry) -> None:
    """Insert or overwrite the row of ``item.key`` with every field of ``item`` (a restore)."""
    if item.state not in FINAL_STATES | {PENDING}:
        raise ValueError(f"not a ledger state: {item.state!r}")
    conn.execute(
        f"""INSERT INTO ledger ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, state = excluded.state,
               updated = excluded.updated, draft_id = excluded.draft_id,
               detail = excluded.detail, attempts = excluded.attempts,
               contact = excluded.contact""",
        (item.key, item.kind, item.state, dt_to_text(item.updated), item.draft_id,
         item.detail, item.attempts, item.contact),
    )
