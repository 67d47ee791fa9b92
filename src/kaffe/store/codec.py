"""(De)serialisation of domain objects for the store.

Datetimes are stored as fixed-width ISO 8601 UTC text with microseconds, so
that comparing the text in SQL orders them exactly like the datetimes.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from kaffe.model import Attendee, Event, Message, Recipient
from kaffe.timeutil import utc

_DATETIME_FIELDS = ("start", "end", "original_start", "updated")
_EVENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Event))
_ATTENDEE_FIELDS = frozenset(f.name for f in dataclasses.fields(Attendee))
_MESSAGE_FIELDS = frozenset(f.name for f in dataclasses.fields(Message))
_RECIPIENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Recipient))


def dt_to_text(dt: datetime) -> str:
    """``2026-03-10T12:00:00.000000+00:00``: fixed width, so text order is time order."""
    return utc(dt).isoformat(timespec="microseconds")


def dt_from_text(text: str) -> datetime:
    """Inverse of :func:`dt_to_text`: an aware UTC datetime."""
    return utc(datetime.fromisoformat(text))


def opt_dt_to_text(dt: datetime | None) -> str | None:
    """:func:`dt_to_text` that passes None through."""
    return None if dt is None else dt_to_text(dt)


def opt_dt_from_text(text: str | None) -> datetime | None:
    """:func:`dt_from_text` that passes None through."""
    return None if text is None else dt_from_text(text)


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready dict of every field of ``event``."""
    data = dataclasses.asdict(event)
    for name in _DATETIME_FIELDS:
        data[name] = opt_dt_to_text(data[name])
    data["attendees"] = [dataclasses.asdict(a) for a in event.attendees]
    return data


# Fields whose values repeat from event to event (a calendar's key, "confirmed", your
# own address as organizer, the title, place and guests of each instance of a series).
_SHARED_EVENT_FIELDS = ("calendar", "summary", "status", "description", "location",
                        "organizer", "event_type", "recurring_event_id")
Shared = dict[object, Any]  # equal value -> the one object every event read with it holds


def event_from_dict(data: dict[str, Any], shared: Shared | None = None) -> Event:
    """Rebuild an :class:`Event`; keys this version does not know are ignored.

    Events read with the same ``shared`` dict share their equal strings and equal
    attendees (all are immutable): 1,000 coffee meetings each hold one `accepted`
    attendee for you, and each instance of a series the same title and description."""
    known = {k: v for k, v in data.items() if k in _EVENT_FIELDS}
    for name in _DATETIME_FIELDS:
        if name in known:
            known[name] = opt_dt_from_text(known[name])
    if shared is None:
        shared = {}
    for name in _SHARED_EVENT_FIELDS:
        value = known.get(name)
        if isinstance(value, str):
            known[name] = shared.setdefault(value, value)
    known["attendees"] = tuple(_attendee(a, shared) for a in known.get("attendees", ()))
    return Event(**known)


def _attendee(data: dict[str, Any], shared: Shared) -> Attendee:
    found = Attendee(**{k: shared.setdefault(v, v) if isinstance(v, str) else v
                        for k, v in data.items() if k in _ATTENDEE_FIELDS})
    return shared.setdefault(found, found)


def _dumps(data: object) -> str:
    """Deterministic, compact JSON (sorted keys): equal values give equal text."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_to_json(event: Event) -> str:
    """Deterministic JSON (sorted keys), so equal events give equal text."""
    return _dumps(event_to_dict(event))


def event_from_json(text: str, shared: Shared | None = None) -> Event:
    """Inverse of :func:`event_to_json` (``shared``: see :func:`event_from_dict`)."""
    return event_from_dict(json.loads(text), shared)


def _recipient(data: dict[str, Any]) -> Recipient:
    return Recipient(**{k: v for k, v in data.items() if k in _RECIPIENT_FIELDS})


def message_to_dict(message: Message) -> dict[str, Any]:
    """A JSON-ready dict of every field of ``message`` but its ``sample``."""
    data = dataclasses.asdict(message)
    del data["sample"]  # only to judge the language at sync: message text is never stored
    data["date"] = dt_to_text(message.date)
    return data


def message_from_dict(data: dict[str, Any]) -> Message:
    """Rebuild a :class:`Message`; keys this version does not know are ignored."""
    known = {k: v for k, v in data.items() if k in _MESSAGE_FIELDS}
    known["date"] = dt_from_text(known["date"])
    known["sender"] = _recipient(known["sender"])
    known["to"] = tuple(_recipient(r) for r in known.get("to", ()))
    for name in ("references", "labels"):
        known[name] = tuple(known.get(name, ()))
    return Message(**known)


def message_to_json(message: Message) -> str:
    """Deterministic JSON (sorted keys), so equal messages give equal text."""
    return _dumps(message_to_dict(message))


def message_from_json(text: str) -> Message:
    """Inverse of :func:`message_to_json`."""
    return message_from_dict(json.loads(text))


def strings_to_json(values: tuple[str, ...]) -> str:
    """A tuple of strings as a JSON array (e.g. a References header)."""
    return _dumps(list(values))


def strings_from_json(text: str) -> tuple[str, ...]:
    """Inverse of :func:`strings_to_json`."""
    return tuple(json.loads(text))


def _is_set(value: object) -> bool:
    return value not in ("", (), None)


def merge_cancelled(stored: Event, cancelled: Event) -> Event:
    """A cancellation laid over the stored event: what the delta left empty is kept.

    Cancelled deltas often carry little more than the id and times; the rules
    still need to know *which* meeting was cancelled and with whom.
    """
    changes = {
        f.name: getattr(cancelled, f.name)
        for f in dataclasses.fields(Event)
        if _is_set(getattr(cancelled, f.name))
    }
    changes["status"] = "cancelled"
    return dataclasses.replace(stored, **changes)
