"""Interactions: the personal mail between you and each contact, derived from messages.

A non-bulk sent message gives one interaction per recipient who is not one of
your own addresses; a non-bulk received message gives one for its sender
(unless you sent it to yourself). Each new counterpart is upserted as a
contact: a header name fills in or updates the name, an empty one keeps it, and
the language (the user's choice) is never touched here.
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
from collections.abc import Iterable
from datetime import datetime

from kaffe.model import RECEIVED, SENT, Interaction, Message, Recipient
from kaffe.store.codec import dt_from_text, dt_to_text, strings_from_json, strings_to_json

_COLUMNS = ('contact, direction, at, message_key, thread_id, subject, message_id, '
            '"references", kaffe_key')

_UPSERT = f"""
INSERT INTO interactions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (message_key, contact) DO UPDATE SET
    direction = excluded.direction, at = excluded.at, thread_id = excluded.thread_id,
    subject = excluded.subject, message_id = excluded.message_id,
    "references" = excluded."references", kaffe_key = excluded.kaffe_key
WHERE (direction, at, thread_id, subject, message_id, "references", kaffe_key)
    IS NOT (excluded.direction, excluded.at, excluded.thread_id, excluded.subject,
            excluded.message_id, excluded."references", excluded.kaffe_key)
"""

_UPSERT_CONTACT = """
INSERT INTO contacts (email, name) VALUES (?, ?)
ON CONFLICT (email) DO UPDATE SET name = excluded.name
WHERE excluded.name != '' AND excluded.name != name
"""


def normalise(address: str) -> str:
    """An address as contacts are keyed: stripped and lower-cased."""
    return address.strip().lower()


def own_set(addresses: Iterable[str]) -> frozenset[str]:
    """Your own addresses, normalised for comparison."""
    return frozenset(normalise(a) for a in addresses)


def counterparts(message: Message, own: frozenset[str]) -> list[Recipient]:
    """The people ``message`` was exchanged with, normalised and without duplicates."""
    if message.bulk:
        return []
    people = {SENT: message.to, RECEIVED: (message.sender,)}.get(message.direction, ())
    found: dict[str, Recipient] = {}
    for person in people:
        email = normalise(person.email)
        named = email in found and found[email].name
        if email and email not in own and not named:  # a duplicate may add the name
            found[email] = Recipient(email, person.name.strip())
    return list(found.values())


def interaction(message: Message, contact: str) -> Interaction:
    """The interaction ``message`` stands for, seen from ``contact``."""
    return Interaction(
        contact=contact, direction=message.direction, at=message.date,
        message_key=message.key, thread_id=message.thread_id, subject=message.subject,
        message_id=message.message_id, references=message.references,
        kaffe_key=message.kaffe_key,
    )


def _row(item: Interaction) -> tuple[str, ...]:
    return (item.contact, item.direction, dt_to_text(item.at), item.message_key,
            item.thread_id, item.subject, item.message_id,
            strings_to_json(item.references), item.kaffe_key)


def _from_row(row: tuple[str, ...], shared: dict[str, str]) -> Interaction:
    contact, direction, at, message_key, thread_id, subject, message_id, refs, kaffe_key = row
    # One string per contact and per direction, not one per row (10,000 rows: -1 MB); the
    # messages of a thread share its id and (mostly) its subject.
    return Interaction(sys.intern(contact), sys.intern(direction), dt_from_text(at),
                       message_key, shared.setdefault(thread_id, thread_id),
                       shared.setdefault(subject, subject), message_id,
                       strings_from_json(refs) if refs != "[]" else (), kaffe_key)


def _delete_others(conn: sqlite3.Connection, message_key: str, keep: set[str]) -> int:
    """Delete the message's interactions with contacts not in ``keep``."""
    rows = conn.execute("SELECT contact FROM interactions WHERE message_key = ?",
                        (message_key,)).fetchall()
    stale = [(message_key, row[0]) for row in rows if row[0] not in keep]
    conn.executemany("DELETE FROM interactions WHERE message_key = ? AND contact = ?", stale)
    return len(stale)


def sync(conn: sqlite3.Connection, message: Message, own: frozenset[str]) -> int:
    """Make the stored interactions of the (stored) ``message`` match it.

    Returns the number of interaction rows changed. Contacts are upserted only
    for rows that changed, so re-applying a message leaves edited contacts alone.
    """
    people = counterparts(message, own)
    changed = _delete_others(conn, message.key, {p.email for p in people})
    for person in people:
        if conn.execute(_UPSERT, _row(interaction(message, person.email))).rowcount:
            conn.execute(_UPSERT_CONTACT, (person.email, person.name))
            changed += 1
    return changed


def query(conn: sqlite3.Connection, since: datetime | None) -> dict[str, tuple[Interaction, ...]]:
    """Interactions by contact, oldest first; ``since`` keeps those at or after it."""
    sql = f"SELECT {_COLUMNS} FROM interactions"
    params: tuple[str, ...] = ()
    if since is not None:  # text order is time order (see codec)
        sql, params = sql + " WHERE at >= ?", (dt_to_text(since),)
    rows = conn.execute(sql + " ORDER BY contact, at, message_key", params)
    shared: dict[str, str] = {}
    items = (_from_row(row, shared) for row in rows)
    return {contact: tuple(group)
            for contact, group in itertools.groupby(items, key=lambda i: i.contact)}
