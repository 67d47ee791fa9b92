"""Events for store tests: a factory with overrides and a frozen time base."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kaffe.model import ACCEPTED, Attendee, Event

CAL = "google:primary"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    """``T0`` plus ``hours``."""
    return T0 + timedelta(hours=hours)


def make_event(event_id: str = "e1", hours: float = 0, minutes: int = 60, **over: Any) -> Event:
    """A one-hour coffee with Ana starting ``hours`` after ``T0``."""
    fields: dict[str, Any] = {
        "id": event_id,
        "calendar": CAL,
        "summary": f"Coffee {event_id}",
        "start": at(hours),
        "end": at(hours) + timedelta(minutes=minutes),
        "uid": f"{event_id}@google.com",
        "location": "Café Det Vide Hus",
        "description": "Talk about <b>data</b> & design",
        "attendees": (
            Attendee("me@acme.example", "Me", ACCEPTED, is_self=True, organizer=True),
            Attendee("ana@partner.dk", "Ana Sørensen", ACCEPTED),
        ),
        "organizer": "me@acme.example",
        "updated": at(-24),
    }
    return Event(**{**fields, **over})
