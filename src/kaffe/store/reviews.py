"""What kaffe found when it read the drafts in your mailbox (issue 16).

One row per draft version read: who it is to, its subject, a SHA-256 of the text that
was judged and the verdict (``ok``, ``ask``: reads like a job ask, ``unjudged``: in a
language the guard cannot judge, ``unread``: too large or unreadable) with a short
reason that quotes nothing you wrote. The text itself is never stored. Rows of versions
that are gone from the mailbox (sent, deleted, edited again) are forgotten.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from kaffe.store.codec import dt_from_text, dt_to_text

OK, ASK, UNJUDGED, UNREAD = "ok", "ask", "unjudged", "unread"


@dataclass(frozen=True, slots=True)
class Review:
    """One draft version as it was reviewed."""

    sink: str
    version: str
    draft_id: str
    checked: str  # SHA-256 (hex) of the text judged; "" when none was read
    verdict: str  # OK | ASK | UNJUDGED | UNREAD
    at: datetime
    detail: str = ""  # why, without your words: "pattern …", "score 0.93", "language sv"
    recipients: tuple[str, ...] = ()
    subject: str = ""


_COLUMNS = "sink, version, draft_id, checked, verdict, detail, recipients, subject, at"


def record(conn: sqlite3.Connection, review: Review) -> None:
    conn.execute(
        f"INSERT INTO reviews ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sink, version) DO UPDATE SET draft_id = excluded.draft_id, "
        "checked = excluded.checked, verdict = excluded.verdict, detail = excluded.detail, "
        "recipients = excluded.recipients, subject = excluded.subject, at = excluded.at",
        (review.sink, review.version, review.draft_id, review.checked, review.verdict,
         review.detail, "\n".join(review.recipients), review.subject, dt_to_text(review.at)))


def forget_others(conn: sqlite3.Connection, sink: str, keep: Collection[str]) -> int:
    """Forget the reviews of ``sink``'s versions not in ``keep``; the number forgotten."""
    kept = set(keep)
    gone = [(sink, v) for (v,) in conn.execute("SELECT version FROM reviews WHERE sink = ?",
                                                (sink,)) if v not in kept]
    conn.executemany("DELETE FROM reviews WHERE sink = ? AND version = ?", gone)
    return len(gone)


def load(conn: sqlite3.Connection, sink: str | None = None) -> dict[tuple[str, str], Review]:
    """(sink, version) -> review, of one sink or of all."""
    sql = f"SELECT {_COLUMNS} FROM reviews"
    args: tuple[str, ...] = ()
    if sink is not None:
        sql, args = sql + " WHERE sink = ?", (sink,)
    found = {}
    for row in conn.execute(sql + " ORDER BY at, sink, version", args):
        sink_, version, draft_id, checked, verdict, detail, recipients, subject, at = row
        found[(sink_, version)] = Review(
            sink_, version, draft_id, checked, verdict, dt_from_text(at), detail,
            tuple(r for r in recipients.split("\n") if r), subject)
    return found
