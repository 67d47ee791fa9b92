"""The ``articles`` table: feed entries, each stored (and handed to relevance) once.

An article's time is its ``published`` time, or when kaffe fetched it if the
feed gave none. Pruning records the horizon in ``meta`` so that an old entry a
feed still serves is not taken for a new one after its row was pruned.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from kaffe.model import Article
from kaffe.store.codec import (
    dt_to_text,
    opt_dt_from_text,
    opt_dt_to_text,
    strings_from_json,
    strings_to_json,
)

_COLUMNS = "id, feed, url, title, summary, published, language, tags, fetched_at"
_WHEN = "COALESCE(published, fetched_at)"  # the expression of index articles_by_when
HORIZON_KEY = "articles.pruned_before"
Row = tuple[str, str, str, str, str, str | None, str, str]


def article_to_row(article: Article) -> Row:
    """The column values of ``article``, without ``fetched_at``."""
    return (article.id, article.feed, article.url, article.title, article.summary,
            opt_dt_to_text(article.published), article.language, strings_to_json(article.tags))


def article_from_row(row: Sequence[Any]) -> Article:
    """Inverse of :func:`article_to_row` (extra trailing columns are ignored)."""
    id_, feed, url, title, summary, published, language, tags = row[:8]
    return Article(id_, feed, url, title, summary, opt_dt_from_text(published), language,
                   strings_from_json(tags))


def _horizon(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (HORIZON_KEY,)).fetchone()
    return row[0] if row else None


def _is_pruned(row: Row, horizon: str | None) -> bool:
    published = row[5]
    return horizon is not None and published is not None and published < horizon


def insert_new(
    conn: sqlite3.Connection, articles: Iterable[Article], now: datetime
) -> list[Article]:
    """Insert the articles not stored yet; returns those, in the order given."""
    horizon, fetched = _horizon(conn), dt_to_text(now)
    new = []
    for article in articles:
        row = article_to_row(article)
        if _is_pruned(row, horizon):
            continue
        cursor = conn.execute(
            f"INSERT OR IGNORE INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*row, fetched),
        )
        if cursor.rowcount:
            new.append(article)
    return new


def query(conn: sqlite3.Connection, since: datetime | None) -> list[Article]:
    """Stored articles by time (published, else fetched), oldest first."""
    return [article for _, article in query_timed(conn, since)]


def query_timed(conn: sqlite3.Connection, since: datetime | None) -> list[tuple[str, Article]]:
    """Stored articles by time (published, else fetched), oldest first, each with that
    time as stored text (text order is time order), so a reader can narrow the window
    later itself."""
    sql = f"SELECT {_COLUMNS}, {_WHEN} FROM articles"
    params: tuple[str, ...] = ()
    if since is not None:
        sql, params = sql + f" WHERE {_WHEN} >= ?", (dt_to_text(since),)
    rows = conn.execute(sql + f" ORDER BY {_WHEN}, id", params)
    return [(row[-1], article_from_row(row)) for row in rows]


def prune(conn: sqlite3.Connection, before: datetime) -> int:
    """Delete articles older than ``before``; returns how many went."""
    stamp = dt_to_text(before)
    horizon = _horizon(conn)
    if horizon is None or horizon < stamp:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (HORIZON_KEY, stamp),
        )
    return conn.execute(f"DELETE FROM articles WHERE {_WHEN} < ?", (stamp,)).rowcount


def count(conn: sqlite3.Connection) -> int:
    """How many articles are stored."""
    return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
