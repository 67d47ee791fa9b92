"""(De)serialisation of domain objects for the store.

Datetimes are stored as fixed-width ISO 8601 UTC text with microseconds, so
that comparing the text in SQL orders them exactly like the datetimes.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from kaffe.model import Attendee, Event
from kaffe.timeutil import utc

_DATETIME_FIELDS = ("start", "end", "original_start", "updated")
_EVENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Event))
_ATTENDEE_FIELDS = frozenset(f.name for f in dataclasses.fields(Attendee))


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


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an :class:`Event`; keys this version does not know are ignored."""
    known = {k: v for k, v in data.items() if k in _EVENT_FIELDS}
    for name in _DATETIME_FIELDS:
        if name in known:
            known[name] = opt_dt_from_text(known[name])
    known["attendees"] = tuple(
        Attendee(**{k: v for k, v in a.items() if k in _ATTENDEE_FIELDS})
        for a in known.get("attendees", ())
    )
    return Event(**known)


def event_to_json(event: Event) -> str:
    """Deterministic JSON (sorted keys), so equal events give equal text."""
    return json.dumps(event_to_dict(event), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


def event_from_json(text: str) -> Event:
    """Inverse of :func:`event_to_json`."""
    return event_from_dict(json.loads(text))


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
