"""Read iCalendar (ICS) data into kaffe Events: shared by invitations by mail,
ICS-URL and CalDAV calendars.

Real-world ICS is often broken, so reading never raises: whatever cannot be
read becomes a problem string ("SOURCE: what is wrong") and the rest goes on.
Recurring series are expanded into instances inside a window with
recurring-ical-events; every datetime leaves this module aware and in UTC.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import IO, Any, NotRequired, TypedDict, Unpack

import recurring_ical_events
from icalendar import Calendar, Component
from icalendar.error import BrokenCalendarProperty

from kaffe.connectors.ical.address import read_address
from kaffe.connectors.ical.limits import MAX_EVENTS, MAX_EXPANDED, too_costly
from kaffe.connectors.ical.read import (
    Problems,
    calendar_method,
    calendar_zone,
    label,
    prepare_event,
    read_calendars,
    short,
)
from kaffe.connectors.ical.sequence import mend_sequences
from kaffe.connectors.ical.sniff import HEAD_BYTES, not_icalendar
from kaffe.connectors.ical.window import WindowStats, read_window
from kaffe.connectors.plaintext import one_line, printable
from kaffe.model import ACCEPTED, DECLINED, NEEDS_ACTION, TENTATIVE, Attendee, Event

log = logging.getLogger(__name__)

_PARTSTAT = {"ACCEPTED": ACCEPTED, "DECLINED": DECLINED, "TENTATIVE": TENTATIVE}
_RESOURCE_TYPES = frozenset({"ROOM", "RESOURCE"})


@dataclass(frozen=True)
class IcsResult:
    """What one ICS document held: its METHOD, the events in the window, and problems."""

    method: str
    events: tuple[Event, ...]
    problems: tuple[str, ...]
    unread: tuple[str, ...] = ()  # UIDs of events that could not be read (Problems.skip)
    incomplete: bool = False  # an event without a UID could not be read
    not_calendar: str = ""  # "not an iCalendar file (...)": nothing of it was read


@dataclass(frozen=True)
class _Context:
    calendar: str
    method: str
    self_addresses: frozenset[str]
    recurring: frozenset[str]  # UIDs of series (RRULE, RDATE or RECURRENCE-ID)
    synthetic: frozenset[str]  # UIDs kaffe made up because the event had none


class Reading(TypedDict):
    """How to read one ICS document; the keyword arguments of :func:`parse_calendar`
    and :func:`parse_calendar_stream`.

    ``calendar`` is the calendar the events belong to. ``source`` names the input
    in problems (a file name, a URL, a message part). ``window`` bounds the events
    (aware datetimes). ``self_addresses`` are the user's. ``floating`` is the zone
    of times with neither TZID nor Z when the file names no X-WR-TIMEZONE: the
    user's ``[me] timezone`` (RFC 5545 3.3.5: local time)."""

    calendar: str
    source: str
    window: tuple[datetime, datetime]
    self_addresses: NotRequired[tuple[str, ...]]
    floating: NotRequired[tzinfo]


def parse_calendar(data: bytes | str, **reading: Unpack[Reading]) -> IcsResult:
    """Parse ICS ``data`` into events between ``window`` (see :class:`Reading`).
    Never raises: unreadable parts are reported in ``IcsResult.problems``."""
    def read(problems: Problems) -> list[Component]:
        return read_calendars(data, problems)

    head = data[:HEAD_BYTES]
    return _parse(head.encode("utf-8", "replace") if isinstance(head, str) else head,
                  read, **reading)


def parse_calendar_stream(stream: IO[bytes], **reading: Unpack[Reading]) -> IcsResult:
    """Like :func:`parse_calendar` for a document of any size, read once from ``stream``:
    only the events whose occurrences can touch ``window`` are parsed, and the document
    is never held in memory whole (see :mod:`kaffe.connectors.ical.window`)."""
    stats = WindowStats()
    head = stream.read(HEAD_BYTES)
    stream.seek(0)

    def read(problems: Problems) -> list[Component]:
        return read_window(stream, reading["window"], problems, stats)

    result = _parse(head, read, **reading)
    if not result.not_calendar:
        log.debug("%s: %d of %d events can touch the window",
                  reading["source"], stats.kept, stats.read)
    return result


def _parse(
    head: bytes,
    read: Callable[[Problems], list[Component]],
    *,
    calendar: str,
    source: str,
    window: tuple[datetime, datetime],
    self_addresses: tuple[str, ...] = (),
    floating: tzinfo = UTC,
) -> IcsResult:
    """The one reading step both entry points share: sniff the head (a web page or
    a login form is not a calendar), then read, group, expand and map the events."""
    wrong = not_icalendar(head)
    if wrong:
        return IcsResult("", (), (f"{source}: {wrong}",), not_calendar=wrong)
    problems = Problems(source)
    try:
        calendars = read(problems)
        method = calendar_method(calendars)
        groups, synthetic = _groups(calendars, floating, problems)
        events = _events(groups, synthetic, calendar, method, window, self_addresses, problems)
    except Exception as exc:  # the last line of defence: report, never raise
        log.debug("ICS %s unreadable", source, exc_info=True)
        problems.skip("", f"unreadable: {short(exc)}")
        return IcsResult("", (), problems.all(), incomplete=True)
    unread = tuple(sorted(problems.unread))
    return IcsResult(method, tuple(events), problems.all(), unread, problems.incomplete)


# --- expansion -----------------------------------------------------------------


def _events(
    groups: dict[str, list[Component]],
    synthetic: set[str],
    calendar: str,
    method: str,
    window: tuple[datetime, datetime],
    self_addresses: tuple[str, ...],
    problems: Problems,
) -> list[Event]:
    ctx = _Context(
        calendar=calendar,
        method=method,
        self_addresses=frozenset(a.strip().lower() for a in self_addresses),
        recurring=frozenset(uid for uid, comps in groups.items() if _is_series(comps)),
        synthetic=frozenset(synthetic),
    )
    kept = _Latest(MAX_EVENTS)
    for uid, comps in groups.items():
        if kept.seen > MAX_EXPANDED:  # a bound on time, whatever the document holds
            _warn(problems, f"more than {MAX_EXPANDED} occurrences in the window; "
                  "the remaining series were not read")
            problems.incomplete = True  # what they stored must not be deleted
            break
        named = "" if uid in synthetic else uid  # a made-up UID names nothing stored
        for occurrence in _expand(named, comps, window, problems):
            event = _mapped(occurrence, ctx, problems)
            if event is not None:
                kept.add(event)
    if kept.seen > MAX_EVENTS:
        _warn(problems, f"{kept.seen} events in the window; only the latest {MAX_EVENTS} "
              "are kept")
    return kept.events()


class _Latest:
    """The ``size`` latest-starting events of those added: a bound on memory that
    keeps the events nearest to now (the window ends a little after it), not the
    first ones in file order."""

    def __init__(self, size: int) -> None:
        self.size, self.seen = size, 0
        self._heap: list[tuple[datetime, int, Event]] = []

    def add(self, event: Event) -> None:
        self.seen += 1
        item = (event.start, self.seen, event)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def events(self) -> list[Event]:
        """The kept events in the order they were added."""
        return [event for _start, _seen, event in sorted(self._heap, key=lambda i: i[1])]


def _warn(problems: Problems, what: str) -> None:
    """A problem that loses events in the window: also a warning in the log."""
    problems.add(what)
    log.warning("%s: %s", problems.source, what)


def _groups(
    calendars: list[Component], floating: tzinfo, problems: Problems
) -> tuple[dict[str, list[Component]], set[str]]:
    """VEVENTs by UID, times made aware; events without a UID get a stable made-up one."""
    groups: dict[str, list[Component]] = {}
    synthetic: set[str] = set()
    for cal in calendars:
        fallback = calendar_zone(cal) or floating
        for event in cal.walk("VEVENT"):
            try:
                prepare_event(event, fallback, problems)
            except Exception as exc:
                what = f"event {label(event)} skipped: {why(exc, event)}"
                problems.skip(str(event.get("UID", "")), what)
                continue
            _mark_range_shift(event)
            uid = str(event.get("UID", "")).strip()
            if not uid:
                uid = _made_up_uid(event)
                synthetic.add(uid)
                problems.add(f"event {label(event)} has no UID; id {uid} made up")
                event["UID"] = uid
            groups.setdefault(uid, []).append(event)
    for components in groups.values():
        mend_sequences(components, problems)
    return groups, synthetic


def _made_up_uid(event: Component) -> str:
    seed = f"{_raw(event, 'DTSTART')}|{event.get('SUMMARY', '')}"
    return "kaffe-" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:24]


def _raw(event: Component, name: str) -> str:
    prop = event.get(name)
    try:
        return prop.to_ical().decode("utf-8", "replace") if prop is not None else ""
    except Exception:
        return str(prop)


def _is_series(components: list[Component]) -> bool:
    return any(name in comp for comp in components for name in ("RRULE", "RDATE", "RECURRENCE-ID"))


def _expand(
    uid: str, components: list[Component], window: tuple[datetime, datetime], problems: Problems
) -> list[Component]:
    """The occurrences of one UID's series (or single event) inside the window,
    within the bounds of :mod:`kaffe.connectors.ical.limits`."""
    try:  # a broken time (icalendar raises on reading it) costs this series only
        cost = next(filter(None, (too_costly(comp, window) for comp in components)), "")
        if cost:
            problems.skip(uid, f"event {label(components[0])} {cost}; not expanded, skipped")
            return []
        if any("DTSTART" not in comp for comp in components):
            problems.skip(uid, f"event {label(components[0])} has no start time (DTSTART) "
                          "and none could be inferred; skipped")
            return []
        holder = Calendar()
        for comp in components:
            holder.add_component(comp)
        return list(recurring_ical_events.of(holder).between(*window))
    except Exception as exc:
        problems.skip(uid, f"event {label(components[0])} skipped: "
                      f"{why(exc, components[0])}")
        return []


def why(exc: BaseException, event: Component | None = None) -> str:
    """Why ``event`` could not be read, in words: icalendar's broken-property and
    missing-key errors name the property, not what it means to the user."""
    if isinstance(exc, BrokenCalendarProperty):
        found = _BROKEN.search(str(exc))
        name = found.group(1) if found else "date or time"
        value = event.get(name) if event is not None else None
        shown = f" {str(_first(value))[:60]!r}" if value is not None else ""
        return f"its {name}{shown} cannot be read"
    if isinstance(exc, KeyError) and exc.args:
        return f"it has no {exc.args[0]}"
    return f"it cannot be read ({short(exc)})"


_BROKEN = re.compile(r"broken property '([A-Z-]+)'")


# --- mapping to kaffe.model.Event ---------------------------------------------


def _mapped(comp: Component, ctx: _Context, problems: Problems) -> Event | None:
    try:
        return _to_event(comp, ctx, problems)
    except Exception as exc:
        uid = str(comp.get("UID", "")).strip()
        problems.skip(uid if uid not in ctx.synthetic else "",
                      f"event {label(comp)} skipped: {why(exc, comp)}")
        return None


def _to_event(comp: Component, ctx: _Context, problems: Problems) -> Event:
    uid = str(comp.get("UID", "")).strip()
    start, all_day = _instant(_time(comp, "DTSTART"))
    end = _instant(_time(comp, "DTEND"))[0] if "DTEND" in comp else start
    original = _original_start(comp) if uid in ctx.recurring else None
    organizer = _address(comp, _first(comp.get("ORGANIZER")), "ORGANIZER", problems)
    return Event(
        id=f"{uid}@{original:%Y%m%dT%H%M%SZ}" if original else uid,
        calendar=ctx.calendar,
        summary=one_line(_text(comp, "SUMMARY")),
        start=start,
        end=max(end, start),
        uid="" if uid in ctx.synthetic else uid,
        status=_status(comp, ctx.method),
        all_day=all_day,
        description=printable(_text(comp, "DESCRIPTION")),
        location=one_line(_text(comp, "LOCATION")),
        attendees=_attendees(comp, organizer, ctx.self_addresses, problems),
        organizer=organizer,
        recurring_event_id=uid if original else "",
        original_start=original,
        updated=_updated(comp),
    )


_SHIFT = "X-KAFFE-RANGE-SHIFT"  # seconds a RANGE=THISANDFUTURE change moved its series by


def _mark_range_shift(event: Component) -> None:
    """A ``RECURRENCE-ID;RANGE=THISANDFUTURE`` change moves every later occurrence;
    recurring-ical-events copies its RECURRENCE-ID onto all of them, so the shift is
    kept on the change (and copied with it) to give each occurrence back its own."""
    rid: Any = event.get("RECURRENCE-ID")
    if rid is None or str(rid.params.get("RANGE", "")).upper() != "THISANDFUTURE":
        return
    try:
        shift = _time(event, "DTSTART") - rid.dt
    except Exception:  # no DTSTART, or a date against a date-time: no shift known
        return
    event[_SHIFT] = str(int(shift.total_seconds()))


def _original_start(comp: Component) -> datetime | None:
    """Which occurrence of its series ``comp`` is: its RECURRENCE-ID, or for one
    moved by a THISANDFUTURE change, its start taken back by the change's shift."""
    rid = _time(comp, "RECURRENCE-ID")
    if rid is None:
        return None
    shift = str(comp.get(_SHIFT, "")).strip()
    if shift.lstrip("-").isdigit():
        start = _time(comp, "DTSTART")
        return _instant(start - timedelta(seconds=int(shift)))[0]
    return _instant(rid)[0]


def _time(comp: Component, name: str) -> Any:
    return getattr(comp.get(name), "dt", None)


def _instant(value: Any) -> tuple[datetime, bool]:
    """An aware UTC datetime, and whether the value was a DATE (all-day)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC), False
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC), True
    raise TypeError(f"not a date or date-time: {type(value).__name__}")


def _updated(comp: Component) -> datetime | None:
    for name in ("LAST-MODIFIED", "DTSTAMP"):
        try:  # a broken stamp only loses the ordering of updates, not the event
            value = _time(comp, name)
        except BrokenCalendarProperty:
            continue
        if isinstance(value, date):
            return _instant(value)[0]
    return None


def _status(comp: Component, method: str) -> str:
    status = str(comp.get("STATUS", "")).strip().upper()
    if status == "CANCELLED" or method == "CANCEL":
        return "cancelled"
    return "tentative" if status == "TENTATIVE" else "confirmed"


def _text(comp: Component, name: str) -> str:
    value = _first(comp.get(name))
    return str(value).strip() if value is not None else ""


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _address(comp: Component, prop: Any, name: str, problems: Problems) -> str:
    """The address of an ORGANIZER or ATTENDEE (see :mod:`kaffe.connectors.ical.address`);
    "" with a located problem when it has none a draft could go to."""
    address, why = read_address(prop)
    if why:
        _warn(problems, f"event {label(comp)}: {name} {why}; left out")
    return address


def _attendees(
    comp: Component, organizer: str, own: frozenset[str], problems: Problems
) -> tuple[Attendee, ...]:
    props = comp.get("ATTENDEE")
    found: dict[str, Attendee] = {}
    for prop in props if isinstance(props, list) else [props] if props is not None else []:
        email = _address(comp, prop, "ATTENDEE", problems)
        if email and email not in found:
            found[email] = _attendee(email, getattr(prop, "params", {}), organizer, own)
    return tuple(found.values())


def _attendee(email: str, params: Any, organizer: str, own: frozenset[str]) -> Attendee:
    def param(name: str) -> str:
        return str(params.get(name, "")).strip()

    return Attendee(
        email=email,
        name=one_line(param("CN").strip('"')),
        response=_PARTSTAT.get(param("PARTSTAT").upper(), NEEDS_ACTION),
        is_self=email in own,
        organizer=email == organizer,
        optional=param("ROLE").upper() == "OPT-PARTICIPANT",
        resource=param("CUTYPE").upper() in _RESOURCE_TYPES,
    )
