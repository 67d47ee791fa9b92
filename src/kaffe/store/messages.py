"""Mail messages in the store: applying sync batches and querying by account and thread.

Every stored message keeps its interactions in step (see
:mod:`kaffe.store.interactions`); deleting a message deletes them by cascade.
Bulk mail is stored too, so that a later sync need not fetch it again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from kaffe.model import MailBatch, Message
from kaffe.store import interactions as _interactions
from kaffe.store import languages as _languages
from kaffe.store.codec import dt_to_text, message_from_json, message_to_json

_UPSERT = """
INSERT INTO messages (key, account, id, thread_id, date_at, direction, message_id, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    thread_id = excluded.thread_id, date_at = excluded.date_at,
    direction = excluded.direction, message_id = excluded.message_id, data = excluded.data
WHERE data != excluded.data
"""


def upsert_message(conn: sqlite3.Connection, message: Message, own: frozenset[str]) -> int:
    """Insert or replace ``message`` and bring its interactions up to date.

    Returns 1 if the message row changed, 0 if it was already stored exactly so.
    """
    row = (message.key, message.account, message.id, message.thread_id,
           dt_to_text(message.date), message.direction, message.message_id,
           message_to_json(message))
    changed = conn.execute(_UPSERT, row).rowcount
    # Even an unchanged message is re-derived: your own addresses may have changed.
    _interactions.sync(conn, message, own)
    if changed:  # judged once: an unchanged message keeps its verdict
        _languages.judge(conn, message, own)
    return changed


def _delete(conn: sqlite3.Connection, keys: Iterable[str]) -> int:
    """Delete messages (and by cascade their interactions); returns how many existed."""
    cursor = conn.executemany("DELETE FROM messages WHERE key = ?", ((k,) for k in keys))
    return max(cursor.rowcount, 0)


def _delete_missing(conn: sqlite3.Connection, batch: MailBatch) -> int:
    """Delete the account's messages that a full batch no longer has."""
    present = {message.key for message in batch.messages}
    rows = conn.execute("SELECT key FROM messages WHERE account = ?", (batch.account,))
    return _delete(conn, [row[0] for row in rows.fetchall() if row[0] not in present])


def apply_batch(conn: sqlite3.Connection, batch: MailBatch, own_addresses: Iterable[str]) -> int:
    """Apply one sync batch (see :meth:`kaffe.store.Store.apply_mail_batch`)."""
    strays = {message.account for message in batch.messages} - {batch.account}
    if strays:
        raise ValueError(f"batch of {batch.account!r} holds messages of {sorted(strays)}")
    own = _interactions.own_set(own_addresses)
    changed = _delete_missing(conn, batch) if batch.full else 0
    # Oldest first, so the newest header wins when a contact's name changed.
    for message in sorted(batch.messages, key=lambda m: m.date):
        changed += upsert_message(conn, message, own)
    return changed + _delete(conn, (f"{batch.account}/{i}" for i in batch.removed))


def _where(account: str | None, thread_id: str | None) -> tuple[str, list[str]]:
    clauses, params = ["1 = 1"], []
    if account is not None:
        clauses.append("account = ?")
        params.append(account)
    if thread_id is not None:
        clauses.append("thread_id = ?")
        params.append(thread_id)
    return " AND ".join(clauses), params


def query_messages(conn: sqlite3.Connection, account: str | None,
                   thread_id: str | None) -> list[Message]:
    """Messages oldest first, optionally of one account and/or one thread."""
    where, params = _where(account, thread_id)
    sql = f"SELECT data FROM messages WHERE {where} ORDER BY date_at, key"
    return [message_from_json(row[0]) for row in conn.execute(sql, params)]


def count_messages(conn: sqlite3.Connection, account: str | None) -> int:
    """How many messages are stored (of one account, if given)."""
    where, params = _where(account, None)
    return int(conn.execute(f"SELECT COUNT(*) FROM messages WHERE {where}", params).fetchone()[0])
