"""Calendar events in the store: applying sync batches and querying by time.

Time windows use Google's overlap semantics (``timeMin`` bounds the end,
``timeMax`` the start, both exclusive): an event overlaps ``[start, end)`` when
``event.start < end`` and ``event.end > start``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime

from kaffe.model import CalendarBatch, Event
from kaffe.store.codec import dt_to_text, event_from_json, event_to_json, merge_cancelled

_UPSERT = """
INSERT INTO events (calendar, id, uid, start_at, end_at, status, data)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (calendar, id) DO UPDATE SET
    uid = excluded.uid, start_at = excluded.start_at, end_at = excluded.end_at,
    status = excluded.status, data = excluded.data
WHERE data != excluded.data
"""


def get_event(conn: sqlite3.Connection, calendar: str, event_id: str) -> Event | None:
    """The stored event ``calendar``/``event_id``, if any."""
    row = conn.execute(
        "SELECT data FROM events WHERE calendar = ? AND id = ?", (calendar, event_id)
    ).fetchone()
    return event_from_json(row[0]) if row else None


def upsert_event(conn: sqlite3.Connection, event: Event) -> int:
    """Insert or replace ``event``; a cancellation is merged onto the stored row.

    Returns 1 if the row changed, 0 if it was already stored exactly so.
    """
    if event.status == "cancelled":
        stored = get_event(conn, event.calendar, event.id)
        if stored is not None:
            event = merge_cancelled(stored, event)
    row = (event.calendar, event.id, event.uid, dt_to_text(event.start),
           dt_to_text(event.end), event.status, event_to_json(event))
    return conn.execute(_UPSERT, row).rowcount


def mark_cancelled(conn: sqlite3.Connection, calendar: str, event_id: str) -> int:
    """Mark a stored event cancelled, keeping its fields; unknown ids change nothing.

    kaffe stores instances, never a series. Google sends one cancellation per
    instance, but a server may send one tombstone for the series id instead: then
    every stored instance of that series is cancelled, not left until a full resync.
    """
    stored = get_event(conn, calendar, event_id)
    if stored is None:
        return sum(_cancel(conn, e) for e in _instances_of(conn, calendar, event_id))
    return _cancel(conn, stored)


def _cancel(conn: sqlite3.Connection, stored: Event) -> int:
    if stored.status == "cancelled":
        return 0
    return upsert_event(conn, dataclasses.replace(stored, status="cancelled"))


def _instances_of(conn: sqlite3.Connection, calendar: str, series_id: str) -> list[Event]:
    rows = conn.execute(
        "SELECT data FROM events WHERE calendar = ?"
        " AND json_extract(data, '$.recurring_event_id') = ?",
        (calendar, series_id),
    ).fetchall()
    return [event_from_json(row[0]) for row in rows]


def _delete_missing(conn: sqlite3.Connection, batch: CalendarBatch,
                    window_start: datetime, window_end: datetime) -> int:
    """Delete the calendar's events in the window that a full batch no longer has;
    those of the events it could not read (``batch.unread`` UIDs) stay, and a batch
    that lost events it cannot name (``batch.incomplete``) deletes nothing."""
    if batch.incomplete:
        return 0
    present = {event.id for event in batch.events}
    unread = set(batch.unread)
    rows = conn.execute(
        "SELECT id, uid FROM events WHERE calendar = ? AND start_at < ? AND end_at > ?",
        (batch.calendar, dt_to_text(window_end), dt_to_text(window_start)),
    ).fetchall()
    gone = [(batch.calendar, row[0]) for row in rows
            if row[0] not in present and row[1] not in unread]
    conn.executemany("DELETE FROM events WHERE calendar = ? AND id = ?", gone)
    return len(gone)


def apply_batch(conn: sqlite3.Connection, batch: CalendarBatch,
                window_start: datetime, window_end: datetime) -> int:
    """Apply one sync batch (see :meth:`kaffe.store.Store.apply_calendar_batch`)."""
    strays = {event.calendar for event in batch.events} - {batch.calendar}
    if strays:
        raise ValueError(f"batch of {batch.calendar!r} holds events of {sorted(strays)}")
    changed = _delete_missing(conn, batch, window_start, window_end) if batch.full else 0
    for event in batch.events:
        changed += upsert_event(conn, event)
    for event_id in batch.removed:
        changed += mark_cancelled(conn, batch.calendar, event_id)
    return changed


def query_events(conn: sqlite3.Connection, calendar: str | None,
                 start: datetime | None, end: datetime | None) -> list[Event]:
    """Events ordered by start, optionally of one calendar and overlapping a window."""
    where, params = ["1 = 1"], []
    if calendar is not None:
        where.append("calendar = ?")
        params.append(calendar)
    if end is not None:
        where.append("start_at < ?")
        params.append(dt_to_text(end))
    if start is not None:
        where.append("end_at > ?")
        params.append(dt_to_text(start))
    sql = f"SELECT data FROM events WHERE {' AND '.join(where)} ORDER BY start_at, calendar, id"
    shared: dict[object, object] = {}  # equal strings and attendees: one object each
    return [event_from_json(row[0], shared) for row in conn.execute(sql, params)]
