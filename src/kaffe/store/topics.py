"""The ``topics`` table: what you talked about with whom, and where kaffe learnt it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from kaffe.model import Topic
from kaffe.store.codec import dt_from_text, dt_to_text

_COLUMNS = "contact, text, source, at"
Row = tuple[str, str, str, str]
# substr() rather than LIKE: a prefix may hold % or _, and LIKE ignores case.
_PREFIX = "substr(source, 1, ?) = ?"


def topic_to_row(topic: Topic) -> Row:
    """The column values of ``topic`` (its time as sortable text)."""
    return (topic.contact, topic.text, topic.source, dt_to_text(topic.at))


def topic_from_row(row: Row) -> Topic:
    """Inverse of :func:`topic_to_row`."""
    contact, text, source, at = row
    return Topic(contact, text, source, dt_from_text(at))


def add(conn: sqlite3.Connection, topics: Iterable[Topic]) -> int:
    """Insert the topics not stored yet (addresses lower-cased); returns how many were new."""
    added = 0
    for topic in topics:
        contact, *rest = topic_to_row(topic)
        cursor = conn.execute(
            f"INSERT OR IGNORE INTO topics ({_COLUMNS}) VALUES (?, ?, ?, ?)",
            (contact.strip().lower(), *rest),
        )
        added += cursor.rowcount
    return added


def query(conn: sqlite3.Connection, contact: str | None) -> dict[str, tuple[Topic, ...]]:
    """Topics by contact address, oldest first (ties in insertion order)."""
    sql = f"SELECT {_COLUMNS} FROM topics"
    params: tuple[str, ...] = ()
    if contact is not None:
        sql, params = sql + " WHERE contact = ?", (contact.strip().lower(),)
    found: dict[str, list[Topic]] = {}
    # One object per distinct value: a contact's topics share its address, the topics
    # of one source its name and time, every contact with a topic its text.
    strings: dict[str, str] = {}
    times: dict[str, datetime] = {}
    for contact, text, source, at in conn.execute(sql + " ORDER BY contact, at, rowid", params):
        when = times.get(at)
        if when is None:
            when = times[at] = dt_from_text(at)
        topic = Topic(strings.setdefault(contact, contact), strings.setdefault(text, text),
                      strings.setdefault(source, source), when)
        found.setdefault(topic.contact, []).append(topic)
    return {address: tuple(items) for address, items in found.items()}


def remove(conn: sqlite3.Connection, contact: str | None, source_prefix: str) -> int:
    """Delete the topics whose source starts with ``source_prefix`` (of ``contact``, if given)."""
    sql = f"DELETE FROM topics WHERE {_PREFIX}"
    params: tuple[object, ...] = (len(source_prefix), source_prefix)
    if contact is not None:
        sql, params = sql + " AND contact = ?", (*params, contact.strip().lower())
    return conn.execute(sql, params).rowcount


def sources(conn: sqlite3.Connection, source_prefix: str) -> set[str]:
    """The distinct sources starting with ``source_prefix``."""
    rows = conn.execute(
        f"SELECT DISTINCT source FROM topics WHERE {_PREFIX}",
        (len(source_prefix), source_prefix),
    )
    return {row[0] for row in rows}
