"""Event times and recurrence expansion (RRULE/EXDATE/RDATE) into Google-style instances."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rruleset, rrulestr

MAX_INSTANCES = 5000  # per series and listing: a runaway RRULE must not hang the server
_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(Z?)", re.IGNORECASE)


def _zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_when(when: dict[str, Any]) -> datetime:
    """An event's ``start``/``end`` as an aware datetime (all-day: midnight UTC)."""
    if "dateTime" in when:
        text = when["dateTime"].replace("Z", "+00:00")
        dt = datetime.fromisoformat(text)
        return dt if dt.tzinfo else dt.replace(tzinfo=_zone(when.get("timeZone")))
    return datetime.combine(date.fromisoformat(when["date"]), datetime.min.time(), UTC)


def bounds(resource: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """(start, end) in UTC, or None for a tombstone without times."""
    try:
        start = parse_when(resource["start"]).astimezone(UTC)
        end = parse_when(resource.get("end") or resource["start"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return None
    return start, max(start, end)


def expand(
    master: dict[str, Any], window: tuple[datetime | None, datetime], skip: set[str]
) -> Iterator[dict[str, Any]]:
    """Yield the instances of a recurring ``master`` overlapping ``window`` (UTC).

    Instances whose id is in ``skip`` (stored exceptions) are left out; the
    caller lists those itself.
    """
    start_when, end_when = master["start"], master.get("end") or master["start"]
    all_day = "date" in start_when
    tz = _zone(start_when.get("timeZone"))
    dtstart = _local_start(start_when, tz, all_day)
    duration = parse_when(end_when) - parse_when(start_when)
    low, high = window
    produced = 0
    for occ in _occurrences(master.get("recurrence", []), dtstart, all_day, tz):
        occ_start = occ.replace(tzinfo=UTC) if all_day else occ.astimezone(UTC)
        if occ_start >= high or produced >= MAX_INSTANCES:
            return
        if low is not None and occ_start + duration <= low:
            continue
        instance = _instance(master, occ, duration, all_day)
        if instance["id"] not in skip:
            produced += 1
            yield instance


def cancelled_instances(
    master: dict[str, Any], window: tuple[datetime | None, datetime]
) -> Iterator[dict[str, Any]]:
    """Google's answer for a deleted series under ``singleEvents=true``: one bare
    cancellation per instance (id ``<seriesId>_<start>``, ``recurringEventId``,
    ``originalStartTime``), never one tombstone for the series id."""
    for inst in expand(master, window, set()):
        yield {
            "kind": "calendar#event",
            "etag": master.get("etag", '"0"'),
            "id": inst["id"],
            "status": "cancelled",
            "recurringEventId": master["id"],
            "originalStartTime": inst["originalStartTime"],
        }


def _local_start(when: dict[str, Any], tz: tzinfo, all_day: bool) -> datetime:
    if all_day:
        return datetime.combine(date.fromisoformat(when["date"]), datetime.min.time())
    return parse_when(when).astimezone(tz)


def _occurrences(lines: list[str], dtstart: datetime, all_day: bool, tz: tzinfo) -> rruleset:
    rset = rruleset()
    for line in lines:
        name, _, value = line.partition(":")
        kind, *params = name.split(";")
        kind = kind.upper()
        if kind == "RRULE":
            rule = _UNTIL.sub(lambda m: _fix_until(m, all_day), value)
            rset.rrule(rrulestr(rule, dtstart=dtstart))
        elif kind in ("EXDATE", "RDATE"):
            add = rset.exdate if kind == "EXDATE" else rset.rdate
            for item in value.split(","):
                add(_ical_time(item.strip(), params, dtstart, all_day, tz))
    rset.rdate(dtstart)  # RFC 5545: DTSTART is the first instance even if the rule skips it
    return rset


def _fix_until(match: re.Match[str], all_day: bool) -> str:
    day, clock = match.group(1), match.group(2) or "T235959"
    # dateutil insists: aware DTSTART needs a UTC UNTIL, a naive one a naive UNTIL.
    return f"UNTIL={day}" + (clock if all_day else clock + "Z")


def _ical_time(text: str, params: list[str], dtstart: datetime, all_day: bool, tz: tzinfo):
    zone = next((_zone(p[5:]) for p in params if p.upper().startswith("TZID=")), tz)
    if "T" not in text:
        day = datetime.strptime(text[:8], "%Y%m%d")
        return day if all_day else datetime.combine(day.date(), dtstart.timetz())
    value = datetime.strptime(text.rstrip("Zz"), "%Y%m%dT%H%M%S")
    aware = value.replace(tzinfo=UTC if text[-1] in "Zz" else zone)
    return aware.replace(tzinfo=None) if all_day else aware.astimezone(tz)


def _instance(master: dict[str, Any], occ: datetime, duration: timedelta, all_day: bool) -> dict:
    inst = {k: copy.deepcopy(v) for k, v in master.items() if k != "recurrence"}
    if all_day:
        start = {"date": occ.date().isoformat()}
        end = {"date": (occ + duration).date().isoformat()}
        suffix = occ.strftime("%Y%m%d")
    else:
        zone = master["start"].get("timeZone")
        start = _with_zone({"dateTime": occ.isoformat()}, zone)
        end_zone = (master.get("end") or {}).get("timeZone")
        end = _with_zone({"dateTime": (occ + duration).isoformat()}, end_zone)
        suffix = occ.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    inst.update(id=f"{master['id']}_{suffix}", recurringEventId=master["id"])
    inst.update(start=start, end=end, originalStartTime=copy.deepcopy(start))
    return inst


def _with_zone(when: dict[str, Any], zone: str | None) -> dict[str, Any]:
    if zone:
        when["timeZone"] = zone
    return when
