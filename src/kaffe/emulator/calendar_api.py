"""Calendar v3: events.list, events.get and calendarList.list over a CalendarStore."""

from __future__ import annotations

import re
import zlib
from datetime import datetime, timedelta
from typing import Any

from kaffe.emulator.calendar_store import CalendarStore, PageState, StoredEvent, google_time
from kaffe.emulator.recurrence import bounds, cancelled_instances, expand
from kaffe.emulator.wire import ApiError, Request, bad_request, bool_arg, int_arg

EXPANSION_HORIZON = timedelta(days=366)
SYNC_INCOMPATIBLE = (
    "timeMin",
    "timeMax",
    "q",
    "orderBy",
    "updatedMin",
    "iCalUID",
    "privateExtendedProperty",
    "sharedExtendedProperty",
)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(req: Request, name: str) -> datetime | None:
    """A timestamp parameter with mandatory offset, as Google requires; else 400."""
    raw = req.arg(name)
    if raw is None:
        return None
    if not _RFC3339.match(raw):
        raise bad_request(f"Bad Request: invalid value for {name}: {raw}", location=name)
    try:
        return datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"Bad Request: invalid value for {name}: {raw}", location=name) from exc


def events_list(store: CalendarStore, req: Request, calendar_id: str) -> dict[str, Any]:
    """``GET calendars/{calendarId}/events`` with Google's parameter rules."""
    _validate(req)
    size = int_arg(req, "maxResults", 250, 2500)
    with store.lock:
        cal = store.calendar(calendar_id, create=False)
        page_token = req.arg("pageToken")
        if page_token:
            return _page(store, cal.id, store.take_page(page_token), size)
        since = -1
        if req.arg("syncToken"):
            since = store.sync_point(cal.id, req.arg("syncToken") or "")
        items = _collect(store, req, store.events(cal.id, since), incremental=since >= 0)
        items = [trim_attendees(i, req) for i in items]
        state = PageState(items, 0, store.issue_sync_token(cal.id))
        return _page(store, cal.id, state, size)


def event_get(
    store: CalendarStore, calendar_id: str, event_id: str, req: Request | None = None
) -> dict[str, Any]:
    """``GET calendars/{calendarId}/events/{eventId}``."""
    with store.lock:
        stored = store.calendar(calendar_id, create=False).events.get(event_id)
        if stored is None:
            raise ApiError(404, "Not Found")
        return trim_attendees(stored.public(), req) if req else stored.public()


def trim_attendees(item: dict[str, Any], req: Request) -> dict[str, Any]:
    """``maxAttendees``: over the limit, only the participant (``self``) is returned
    and ``attendeesOmitted`` is set, as the discovery document says."""
    limit = int_arg(req, "maxAttendees", 0, 2**31 - 1)
    people = item.get("attendees") or []
    if not limit or len(people) <= limit:
        return item
    mine = [p for p in people if isinstance(p, dict) and p.get("self")]
    return {**item, "attendees": mine, "attendeesOmitted": True}


def _validate(req: Request) -> None:
    if req.arg("syncToken") and not req.arg("pageToken"):
        clash = [name for name in SYNC_INCOMPATIBLE if name in req.query]
        if clash:
            raise bad_request(
                f"The parameters {', '.join(clash)} cannot be combined with syncToken.",
                location=clash[0],
            )
    order = req.arg("orderBy")
    if order not in (None, "startTime", "updated"):
        raise bad_request(f"Invalid value for orderBy: {order}", location="orderBy")
    if order == "startTime" and not bool_arg(req, "singleEvents"):
        raise bad_request(
            "The requested ordering is not available for the particular query.",
            location="orderBy",
        )
    low, high = parse_rfc3339(req, "timeMin"), parse_rfc3339(req, "timeMax")
    parse_rfc3339(req, "updatedMin")
    if low and high and high <= low:
        raise bad_request("The specified time range is empty.", location="timeMax")


def _collect(
    store: CalendarStore, req: Request, stored: list[StoredEvent], *, incremental: bool
) -> list[dict[str, Any]]:
    show_deleted = incremental or bool_arg(req, "showDeleted")
    low = None if incremental else parse_rfc3339(req, "timeMin")
    high = None if incremental else parse_rfc3339(req, "timeMax")
    window = (low, high or store.clock() + EXPANSION_HORIZON)
    skip = {e.resource["id"] for cal in store.calendars.values() for e in cal.events.values()}
    items: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for event in stored:
        cancelled = event.deleted or event.resource.get("status") == "cancelled"
        if cancelled and not show_deleted:
            continue
        series = bool_arg(req, "singleEvents") and event.resource.get("recurrence")
        if series and not cancelled:
            items.extend((i, i) for i in expand(event.resource, window, skip))
        elif series:
            items.extend((i, i) for i in cancelled_instances(event.resource, (None, window[1])))
        else:
            items.append((event.public(), event.resource))
    kept = [item for item, source in items if _wanted(req, source, low, high)]
    return _sorted(kept, req.arg("orderBy"))


def _wanted(
    req: Request, source: dict[str, Any], low: datetime | None, high: datetime | None
) -> bool:
    span = bounds(source)
    if span is not None:
        start, end = span
        if high is not None and start >= high:
            return False
        if low is not None and end <= low and not source.get("recurrence"):
            return False
    if req.arg("iCalUID") and source.get("iCalUID") != req.arg("iCalUID"):
        return False
    updated_min = parse_rfc3339(req, "updatedMin")
    if updated_min and source.get("updated", "") < google_time(updated_min):
        return False
    return _matches_text(source, req.arg("q"))


def _matches_text(source: dict[str, Any], q: str | None) -> bool:
    if not q:
        return True
    people = source.get("attendees", []) + [source.get("organizer") or {}]
    haystack = " ".join(
        [source.get(k, "") for k in ("summary", "description", "location")]
        + [f"{p.get('email', '')} {p.get('displayName', '')}" for p in people]
    ).lower()
    return all(word in haystack for word in q.lower().split())


def _sorted(items: list[dict[str, Any]], order: str | None) -> list[dict[str, Any]]:
    if order == "updated":
        return sorted(items, key=lambda r: (r.get("updated", ""), r["id"]))

    def start_key(r: dict[str, Any]) -> tuple[str, str]:
        span = bounds(r)
        return (span[0].isoformat() if span else "", r["id"])

    return sorted(items, key=start_key)


def _page(store: CalendarStore, cal_id: str, state: PageState, size: int) -> dict[str, Any]:
    cal = store.calendar(cal_id, create=False)
    chunk = state.items[state.offset : state.offset + size]
    doc: dict[str, Any] = {
        "kind": "calendar#events",
        "etag": _etag(cal_id, state.sync_token or ""),
        "summary": cal.summary,
        "description": cal.description,
        "updated": google_time(store.clock()),
        "timeZone": cal.time_zone,
        "accessRole": "owner",
        "defaultReminders": [],
        "items": chunk,
    }
    rest = state.offset + size
    if rest < len(state.items):
        doc["nextPageToken"] = store.save_page(PageState(state.items, rest, state.sync_token))
    else:
        doc["nextSyncToken"] = state.sync_token
    return doc


def calendar_list(store: CalendarStore, req: Request) -> dict[str, Any]:
    """``GET users/me/calendarList``: seeded entries plus every known calendar."""
    size = int_arg(req, "maxResults", 100, 250)
    with store.lock:
        page_token = req.arg("pageToken")
        state = store.take_page(page_token) if page_token else PageState(_entries(store), 0, None)
        chunk = state.items[state.offset : state.offset + size]
        doc: dict[str, Any] = {"kind": "calendar#calendarList", "etag": '"p0"', "items": chunk}
        rest = state.offset + size
        if rest < len(state.items):
            doc["nextPageToken"] = store.save_page(PageState(state.items, rest, None))
        else:
            doc["nextSyncToken"] = store.issue_sync_token("calendarList")
        return doc


def _entries(store: CalendarStore) -> list[dict[str, Any]]:
    entries = [dict(e) for e in store.list_entries]
    listed = {e.get("id") for e in entries}
    for cal in store.calendars.values():
        if cal.id in listed:
            continue
        entry = {
            "kind": "calendar#calendarListEntry",
            "etag": _etag(cal.id),
            "id": cal.id,
            "summary": cal.summary,
            "timeZone": cal.time_zone,
            "accessRole": "owner",
            "defaultReminders": [],
            "selected": True,
        }
        if cal.id == store.user_email:
            entry["primary"] = True
        entries.append(entry)
    return entries


def _etag(*parts: str) -> str:
    return '"' + str(zlib.crc32("\0".join(parts).encode()) * 100003) + '"'
