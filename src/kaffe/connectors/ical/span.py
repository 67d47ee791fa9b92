"""Whether an event can touch a window, judged from its text before it is parsed.

Parsing an event with icalendar costs about a millisecond; a long-lived calendar
holds 100,000 of them, nearly all long past. Reading DTSTART, DTEND, DURATION,
RRULE's UNTIL and RECURRENCE-ID with regular expressions tells most of them apart
in microseconds. The judgement is conservative: an event is left out only when
every occurrence surely lies outside the window; anything unclear (a time that
does not read, COUNT without UNTIL, RDATE, RANGE) is kept for the real parser.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import vDuration

# Times are judged as if they were UTC: a zone is at most 14 hours off, and a
# day's slack more keeps every event whose occurrences could touch the window.
MARGIN = timedelta(days=2)
_SPAN = re.compile(
    r"^(DTSTART|DTEND|DURATION|RECURRENCE-ID|RRULE|RDATE)((?:;[^:\n]*)?):[ \t]*([^\n]*?)[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
_STAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$")
_UNTIL = re.compile(r"(?:^|;)UNTIL=([0-9TZ]+)")

Props = dict[str, list[tuple[str, str]]]  # NAME -> (upper-cased parameters, value) each


def may_touch(text: str, reach: tuple[datetime, datetime]) -> bool:
    """False only when every occurrence of the VEVENT in ``text`` (unfolded, lines
    ending in ``\\n``) surely lies outside ``reach``: a single event that ends before
    it or starts after it, a series whose UNTIL is before it or whose DTSTART is after
    it, an override whose original and new times are both outside it."""
    props: Props = {}
    for match in _SPAN.finditer(text):
        props.setdefault(match.group(1).upper(), []).append(
            (match.group(2).upper(), match.group(3)))
    if "RDATE" in props or len(props.get("RRULE", ())) > 1 or _moves_into(props, reach):
        return True
    start = _stamp(props.get("DTSTART"))
    length = _length(props, start)
    if start is None or length is None:
        return True
    if start > reach[1]:
        return False
    last = _last_start(props.get("RRULE"), start)
    return last is None or last + length >= reach[0]


def _moves_into(props: Props, reach: tuple[datetime, datetime]) -> bool:
    """An override (RECURRENCE-ID) replaces an occurrence: keep it when that one is in reach."""
    found = props.get("RECURRENCE-ID")
    if not found:
        return False
    original = _stamp(found)
    return "RANGE=" in found[0][0] or original is None or reach[0] <= original <= reach[1]


def _value(found: list[tuple[str, str]] | None) -> str:
    return found[0][1] if found else ""


def _stamp(found: list[tuple[str, str]] | None) -> datetime | None:
    """A DATE or DATE-TIME read as UTC (zones are what MARGIN is for); None if unclear."""
    match = _STAMP.match(_value(found))
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(p) for p in match.groups(default="0"))
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _length(props: Props, start: datetime | None) -> timedelta | None:
    """How long each occurrence lasts (a DATE without an end: one day); None if unclear."""
    if start is None:
        return None
    if "DTEND" in props:
        end = _stamp(props["DTEND"])
        return None if end is None else max(timedelta(0), end - start)
    if "DURATION" in props:
        try:
            duration = vDuration.from_ical(_value(props["DURATION"]))
        except (ValueError, TypeError):
            return None
        return max(timedelta(0), duration) if isinstance(duration, timedelta) else None
    return timedelta(days=1) if len(_value(props["DTSTART"])) == 8 else timedelta(0)


def _last_start(rules: list[tuple[str, str]] | None, start: datetime) -> datetime | None:
    """The latest an occurrence can start: DTSTART, a rule's UNTIL, or None (no end known)."""
    if not rules:
        return start
    until = _UNTIL.search(_value(rules).upper())
    return _stamp([("", until.group(1))]) if until else None
