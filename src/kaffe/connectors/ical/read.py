"""Reading iCalendar text into icalendar components that kaffe can trust.

Strict parsing first; where icalendar refuses the whole text, a lenient reader
splits it into components and parses each on its own. Malformed properties
that real clients are known to produce are mended, and every start, end,
recurrence id and exception date is made timezone-aware. Nothing here raises
on bad input: what is wrong is added to a :class:`Problems` list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component, vDDDTypes, vRecur
from icalendar.prop import vBroken
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

_SINGLE_TIMES = ("DTSTART", "DTEND", "RECURRENCE-ID")
# Properties without which an event cannot be read: broken, they cost the event.
NEEDED = frozenset({*_SINGLE_TIMES, "DURATION", "RRULE", "EXDATE", "RDATE"})
_LIST_TIMES = ("EXDATE", "RDATE")
_OFFSET_NAME = re.compile(r"^\((?:UTC|GMT)\s*([+-])(\d{1,2}):?(\d{2})\)")


class Problems:
    """Ordered, de-duplicated problem strings, each prefixed with the source.

    Every string added here reaches ``kaffe plan``, ``status`` and ``doctor``
    (through the batch's ``problems`` and :mod:`kaffe.daemon.problems`): name the
    item (event summary and UID, line number) in it. :meth:`skip` also remembers
    which event was lost, so a full sync keeps what an earlier read stored of it.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._items: dict[str, None] = {}
        self.unread: set[str] = set()  # UIDs of events that could not be read
        self.incomplete = False  # an event without a UID could not be read

    def add(self, what: str) -> None:
        self._items.setdefault(f"{self.source}: {what}")

    def skip(self, uid: str, what: str) -> None:
        """An event (``uid``; "" when it has none) that could not be read at all."""
        self.add(what)
        if uid.strip():
            self.unread.add(uid.strip())
        else:
            self.incomplete = True

    def all(self) -> tuple[str, ...]:
        return tuple(self._items)


# --- reading ---------------------------------------------------------------


def _decode(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    else:
        text = data
    return text.lstrip("\ufeff").replace("\x00", "")


def read_calendars(data: bytes | str, problems: Problems) -> list[Component]:
    """Parse strictly; where icalendar refuses the whole text, read it leniently."""
    text = _decode(data)
    if not text.strip():
        problems.add("empty document")
        return []
    try:
        return _wrap(Calendar.from_ical(text, multiple=True))
    except Exception as exc:
        problems.add(f"not valid iCalendar ({short(exc)}); read leniently")
    return [_read_lenient(text, problems)]


def _wrap(components: Iterable[Component]) -> list[Component]:
    """Keep VCALENDARs; put bare top-level components into a calendar of their own."""
    found: list[Component] = []
    for component in components:
        if component.name != "VCALENDAR":
            holder = Calendar()
            holder.add_component(component)
            component = holder
        found.append(component)
    return found


def _unfold(text: str) -> list[tuple[int, str]]:
    """Physical lines joined into content lines, each with its first line number."""
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + line[1:])
        elif line.strip():
            lines.append((number, line))
    return lines


def _read_lenient(text: str, problems: Problems) -> Calendar:
    """Split into components and parse each on its own, so one bad one costs only itself."""
    header, blocks = _split(_unfold(text), problems)
    result = Calendar()
    for _number, line in header:
        if line.upper().startswith("METHOD:"):
            result["METHOD"] = line.split(":", 1)[1].strip()
    zones = [b for b in blocks if b[0] == "VTIMEZONE" and _parses(b[1], [], problems)]
    zone_lines = [line for _name, lines in zones for line in lines]
    for name, lines in blocks:
        if name == "VEVENT":
            for event in parse_block(lines, zone_lines, problems):
                result.add_component(event)
    return result


def _split(
    lines: list[tuple[int, str]], problems: Problems
) -> tuple[list[tuple[int, str]], list[tuple[str, list[str]]]]:
    """Calendar-level properties, and the top-level components as (name, lines).

    Lines without a colon are dropped; alarms are left out (kaffe has no use for them).
    """
    header: list[tuple[int, str]] = []
    blocks: list[tuple[str, list[str]]] = []
    stack: list[str] = []
    for number, line in lines:
        if ":" not in line:
            problems.add(f"line {number}: not a content line (no colon); ignored")
            continue
        key, _, value = line.partition(":")
        key, value = key.strip().upper(), value.strip().upper()
        if key == "BEGIN" and value == "VCALENDAR":
            continue
        if key == "END" and value == "VCALENDAR":
            stack.clear()
            continue
        _route(key, value, line, stack, header, blocks, number)
    return header, blocks


def _route(
    key: str,
    value: str,
    line: str,
    stack: list[str],
    header: list[tuple[int, str]],
    blocks: list[tuple[str, list[str]]],
    number: int,
) -> None:
    """Put one content line where it belongs in _split's state."""
    if key == "BEGIN":
        if not stack:
            blocks.append((value, []))
        stack.append(value)
    elif not stack:
        header.append((number, line))
        return
    if "VALARM" not in stack:
        blocks[-1][1].append(line)
    if key == "END" and stack:
        stack.pop()


def _parses(lines: list[str], zones: list[str], problems: Problems) -> bool:
    return bool(parse_block(lines, zones, problems, kind="time zone"))


def parse_block(
    lines: list[str], zones: list[str], problems: Problems, kind: str = "event"
) -> list[Component]:
    """Parse one component (with the usable time zones) in a calendar of its own."""
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", *zones, *lines, "END:VCALENDAR", ""])
    try:
        parsed = Calendar.from_ical(text)
    except Exception as exc:
        what = f"{kind} {label_lines(lines)} unreadable ({short(exc)}); skipped"
        if kind == "event":
            problems.skip(uid_of_lines(lines), what)
        else:
            problems.add(what)
        return []
    return [c for c in parsed.subcomponents if c.name in ("VEVENT", "VTIMEZONE")]


def uid_of_lines(lines: list[str]) -> str:
    """The UID of a component's unparsed lines; "" when it has none."""
    for line in lines:
        key, _, value = line.partition(":")
        if key.split(";")[0].strip().upper() == "UID":
            return value.strip()
    return ""


def label_lines(lines: list[str]) -> str:
    found: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(":")
        name = key.split(";")[0].strip().upper()
        if name in ("UID", "SUMMARY", "TZID"):
            found.setdefault(name, value.strip())
    return ", ".join(f"{k} {v!r}" for k, v in sorted(found.items())) or "without UID"


def calendar_method(calendars: list[Component]) -> str:
    """The first METHOD among ``calendars``, upper-cased; "" when none has one."""
    for cal in calendars:
        method = str(cal.get("METHOD", "")).strip().upper()
        if method:
            return method
    return ""


def short(exc: BaseException) -> str:
    """The first line of an exception's message, at most 160 characters."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


# --- time zones --------------------------------------------------------------


def _zone(tzid: str) -> tuple[tzinfo, str]:
    """Resolve a TZID the file did not define: IANA, Windows, guesses, else UTC.

    Returns the zone and a note ("" when the resolution is certain).
    """
    name = tzid.strip().strip('"').strip("/").strip()
    if not name:
        return UTC, "empty TZID; times read as UTC"
    for candidate in (name, WINDOWS_TO_OLSON.get(name, "")):
        found = _zoneinfo(candidate)
        if found is not None:
            return found, ""
    guess = WINDOWS_TO_OLSON.get(f"{name} Standard Time", "")
    if guess:
        return ZoneInfo(guess), f"TZID {tzid!r} is not defined; read as {guess}"
    match = _OFFSET_NAME.match(name)
    if match:
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
        fixed = timezone(offset)
        return fixed, f"TZID {tzid!r} is not defined; read as fixed offset {fixed.tzname(None)}"
    return UTC, f"TZID {tzid!r} is not defined; times read as UTC"


def _zoneinfo(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _localise(value: Any, tzid: str | None, fallback: tzinfo | None, problems: Problems) -> Any:
    """Give a naive datetime the zone its TZID names (or the calendar default)."""
    if not isinstance(value, datetime) or value.tzinfo is not None:
        return value
    if tzid is None:
        if fallback is not None:
            return value.replace(tzinfo=fallback)
        problems.add("floating times (no time zone) read as UTC")
        return value.replace(tzinfo=UTC)
    zone, note = _zone(tzid)
    if note:
        problems.add(note)
    return value.replace(tzinfo=zone)


def _normalise_times(event: Component, fallback: tzinfo | None, problems: Problems) -> None:
    """Make every start, end, recurrence id and exception date aware, in place."""
    for name in _SINGLE_TIMES:
        prop = event.get(name)
        if prop is not None and not isinstance(prop, vBroken) and hasattr(prop, "dt"):
            prop.dt = _localise(prop.dt, prop.params.get("TZID"), fallback, problems)
    for name in _LIST_TIMES:
        props = event.get(name)
        for prop in props if isinstance(props, list) else [props] if props else []:
            tzid = prop.params.get("TZID")
            for item in getattr(prop, "dts", []):
                item.dt = _localise(item.dt, tzid, fallback, problems)


def calendar_zone(cal: Component) -> tzinfo | None:
    """X-WR-TIMEZONE (Google, Apple exports): the zone of the file's floating times."""
    return _zoneinfo(str(cal.get("X-WR-TIMEZONE", "")).strip())


def prepare_event(event: Component, fallback: tzinfo | None, problems: Problems) -> None:
    """Mend known breakage and make every time of ``event`` aware, in place.

    ``fallback`` is the zone of floating times (X-WR-TIMEZONE), None for UTC.
    """
    _repair_broken(event, problems)
    _normalise_times(event, fallback, problems)
    if "DTSTART" not in event:
        _infer_start(event, problems)


def _infer_start(event: Component, problems: Problems) -> None:
    """Give an event without DTSTART (seen in CANCELs) the start its series most
    likely has, so its ids still match the invitation it cancels."""
    recurrence_id = event.get("RECURRENCE-ID")
    end = getattr(event.get("DTEND"), "dt", None)
    exdate = _first_exdate(event)
    if recurrence_id is not None:
        start, how = recurrence_id.dt, "its RECURRENCE-ID"
    elif isinstance(end, datetime) and isinstance(exdate, datetime) and "RRULE" in event:
        start = datetime.combine(end.date(), exdate.astimezone(end.tzinfo).timetz())
        start, how = (start if start <= end else start - timedelta(days=1)), "DTEND and EXDATE"
    elif end is not None:
        start, how = end, "its DTEND (zero length)"
    else:
        return
    event.add("DTSTART", start)
    problems.add(f"event {label(event)} has no DTSTART; start taken from {how}")


def _first_exdate(event: Component) -> Any:
    props = event.get("EXDATE")
    first = props[0] if isinstance(props, list) and props else props
    dts = getattr(first, "dts", None) if first is not None else None
    return dts[0].dt if dts else None


def _repair_broken(event: Component, problems: Problems) -> None:
    """Mend the usual breakage of icalendar's unreadable (vBroken) properties, or report it."""
    for name, value in list(event.items()):
        if not isinstance(value, vBroken) or name == "SEQUENCE":  # see ical.sequence
            continue
        fixed = _mended(name, value)
        if fixed is None and name not in NEEDED:  # a needed one skips the event, said then
            problems.add(f"event {label(event)}: {name} {str(value)[:60]!r} unreadable")
        elif fixed is None:
            continue
        else:
            event[name] = fixed
            problems.add(f"event {label(event)}: malformed {name} {str(value)[:60]!r} mended")


def _mended(name: str, value: vBroken) -> Any:
    """RRULE with spaces ("BYDAY=MO, TU"); a quoted TZID that swallowed the value
    (``DTSTART;TZID="Zone:20200609T090000"``). None when there is no known cure."""
    try:
        if name == "RRULE":
            return vRecur(vRecur.from_ical(re.sub(r"\s+", "", str(value))))
        tzid = str(value.params.get("TZID", ""))
        if name in _SINGLE_TIMES and not str(value).strip() and ":" in tzid:
            tzid, raw = tzid.rsplit(":", 1)
            mended = vDDDTypes(vDDDTypes.from_ical(raw.strip()))
            mended.params["TZID"] = tzid
            return mended
    except (ValueError, TypeError):
        return None
    return None


def label(event: Component) -> str:
    """How problems name an event: its summary and UID, both shortened."""
    summary = str(event.get("SUMMARY", "")).strip()
    uid = str(event.get("UID", "")).strip()
    text = f"{summary[:60]!r}" if summary else "(no summary)"
    return f"{text} UID {uid[:60]}" if uid else text
