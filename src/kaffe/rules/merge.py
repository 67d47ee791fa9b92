"""One meeting seen through several sources (Google Calendar, an emailed invitation,
an ICS feed) is merged by its iCalUID: the most recently updated version wins, so a
later CANCEL by mail cancels the meeting everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from kaffe.model import Event

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def meeting_id(event: Event) -> str:
    """A meeting's identity, stable across sources and re-syncs: the iCalUID (else the
    event key), plus the original start for an instance of a recurring series."""
    base = event.uid or event.key
    if not event.recurring_event_id:
        return base
    slot = (event.original_start or event.start).astimezone(UTC)
    return f"{base}@{slot:%Y%m%dT%H%M%SZ}"


def _rank(event: Event) -> tuple[datetime, bool, bool]:
    # Newest first; on a tie a real calendar beats a mail copy, and a cancellation wins.
    from_mail = event.calendar.startswith("mail:")
    return (event.updated or _EPOCH, not from_mail, event.status == "cancelled")


def is_older(event: Event, other: Event | None) -> bool:
    """True when ``other`` is a newer version of the same meeting than ``event``."""
    return other is not None and _rank(other) > _rank(event)


def merge_meetings(events: Iterable[Event]) -> list[Event]:
    """One event per meeting: the most recently updated version of it."""
    best: dict[str, Event] = {}
    for event in events:
        key = meeting_id(event)
        if key not in best or _rank(event) > _rank(best[key]):
            best[key] = event
    return list(best.values())
