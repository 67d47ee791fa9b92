"""Google Calendar Event resources → :class:`kaffe.model.Event`.

Google JSON stops here. A resource that cannot be read raises
:class:`UnreadableEvent`; the caller logs it with the event id and goes on.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kaffe.connectors.plaintext import one_line, printable
from kaffe.model import NEEDS_ACTION, Attendee, Event
from kaffe.timeutil import parse_date, parse_iso


class UnreadableEvent(ValueError):
    """An Event resource that does not make sense (no start, bad timestamps, ...)."""


def is_removal(resource: dict[str, Any]) -> bool:
    """A cancelled resource without times: Google's tombstone for a deleted event/instance."""
    return resource.get("status") == "cancelled" and "start" not in resource


def normalize_event(
    resource: dict[str, Any], calendar: str, self_addresses: tuple[str, ...] = ()
) -> Event:
    """Turn one Event resource into an :class:`Event`; raise UnreadableEvent if impossible."""
    if not isinstance(resource, dict) or not resource.get("id"):
        raise UnreadableEvent("no event id")
    try:
        return _normalize(resource, calendar, frozenset(a.lower() for a in self_addresses))
    except UnreadableEvent:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise UnreadableEvent(f"{type(exc).__name__}: {exc}") from exc


def _normalize(r: dict[str, Any], calendar: str, me: frozenset[str]) -> Event:
    start, all_day = parse_when(r.get("start"), "start")
    end, _ = parse_when(r.get("end"), "end")
    if end < start:
        raise UnreadableEvent("end is before start")
    original = r.get("originalStartTime")
    return Event(
        id=str(r["id"]),
        calendar=calendar,
        summary=one_line(_text(r.get("summary"))),
        start=start,
        end=end,
        uid=_text(r.get("iCalUID")),
        status=_text(r.get("status")) or "confirmed",
        all_day=all_day,
        description=printable(_text(r.get("description"))),
        location=one_line(_text(r.get("location"))),
        attendees=tuple(_attendees(r.get("attendees") or [], me)),
        attendees_omitted=r.get("attendeesOmitted") is True,
        organizer=_email((r.get("organizer") or {}).get("email")),
        event_type=_text(r.get("eventType")) or "default",
        recurring_event_id=_text(r.get("recurringEventId")),
        original_start=parse_when(original, "originalStartTime")[0] if original else None,
        updated=parse_iso(r["updated"]) if r.get("updated") else None,
        html_link=_text(r.get("htmlLink")),
    )


def parse_when(when: Any, field: str) -> tuple[datetime, bool]:
    """Parse an EventDateTime: ``dateTime`` (aware, to UTC) or ``date`` (all-day, midnight UTC)."""
    if not isinstance(when, dict):
        raise UnreadableEvent(f"no {field}")
    if when.get("dateTime"):
        return _date_time(str(when["dateTime"]), when.get("timeZone")), False
    if when.get("date"):
        return datetime.combine(parse_date(str(when["date"])), time(0), tzinfo=UTC), True
    raise UnreadableEvent(f"{field} has neither dateTime nor date")


def _date_time(text: str, zone_name: Any) -> datetime:
    """A ``dateTime`` as aware UTC. One without an offset is wall-clock time in its
    ``timeZone`` (Google: an offset "is required unless a time zone is explicitly
    specified in timeZone"); without either it is taken to be UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(zone_name))
    return value.astimezone(UTC)


def _zone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name)) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):  # an unknown name: as before, UTC
        return UTC


def _attendees(items: list[Any], me: frozenset[str]) -> list[Attendee]:
    people = []
    for item in items:
        email = _email(item.get("email")) if isinstance(item, dict) else ""
        if email:  # attendees without an address cannot be followed up
            people.append(_attendee(item, email, me))
    return people


def _attendee(item: dict[str, Any], email: str, me: frozenset[str]) -> Attendee:
    return Attendee(
        email=email,
        name=one_line(_text(item.get("displayName"))),
        response=_text(item.get("responseStatus")) or NEEDS_ACTION,
        is_self=bool(item.get("self")) or email in me,
        organizer=bool(item.get("organizer")),
        optional=bool(item.get("optional")),
        resource=bool(item.get("resource")),
    )


def _email(value: Any) -> str:
    return str(value).strip().lower() if value else ""


def _text(value: Any) -> str:
    return str(value) if value is not None else ""
