"""Events and messages for store tests: factories with overrides and a frozen time base."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kaffe.model import ACCEPTED, RECEIVED, SENT, Attendee, Event, Message, Recipient

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


ACCOUNT = "gmail"
ME = Recipient("me@acme.example", "Me")
ANA = Recipient("ana@partner.dk", "Ana Sørensen")


def make_message(message_id: str = "m1", hours: float = 0, *, sent: bool = False,
                 **over: Any) -> Message:
    """A personal message ``hours`` after ``T0``: Ana writes to you, or (``sent``) you to her."""
    fields: dict[str, Any] = {
        "id": message_id,
        "account": ACCOUNT,
        "thread_id": "t1",
        "date": at(hours),
        "direction": SENT if sent else RECEIVED,
        "sender": ME if sent else ANA,
        "to": (ANA,) if sent else (ME,),
        "subject": "Re: Coffee next week?",
        "message_id": f"<{message_id}@mail.example>",
        "references": ("<m0@mail.example>",),
        "labels": ("SENT",) if sent else ("INBOX",),
    }
    return Message(**{**fields, **over})
