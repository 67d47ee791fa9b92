"""Bounds on recurrence expansion, so that one calendar cannot stall the daemon.

recurring-ical-events walks a rule from its DTSTART, one period at a time, up
to the window: ``RRULE:FREQ=SECONDLY`` starting in 1970 is billions of steps
(hours of CPU), and ``FREQ=MINUTELY`` inside a two-month window is tens of
thousands of events (hundreds of MB). A coffee meeting never recurs like that:
a series whose rule would take more than :data:`MAX_RULE_STEPS` periods, or
could have more occurrences inside the window than :func:`occurrence_cap` (on
average more than two a day), is skipped with a reason before anything is
expanded.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Component, vRecur

MAX_RULE_STEPS = 100_000  # periods from DTSTART to the window's end, per rule
MIN_OCCURRENCES = 1000  # occurrences one series may always have in the window
MAX_PER_DAY = 2  # and on average per day of a longer window
# Events of one document kept in the window, all series together (the latest are
# kept, with a warning): 50 a day over the default 13-month window.
MAX_EVENTS = 20_000
MAX_EXPANDED = 5 * MAX_EVENTS  # occurrences expanded before the rest of a document is left

_FREQS = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_PERIOD_SECONDS = (1, 60, 3600, 86_400, 7 * 86_400, 28 * 86_400, 365 * 86_400)
# RFC 5545 3.3.10: a BYxxx part expands a rule whose FREQ is coarser than the part
# (BYHOUR under DAILY), and only limits one as fine or finer (BYHOUR under HOURLY).
_PART_RANK = {"BYSECOND": 0, "BYMINUTE": 1, "BYHOUR": 2, "BYDAY": 3, "BYMONTHDAY": 3,
              "BYYEARDAY": 3, "BYWEEKNO": 4, "BYMONTH": 5}  # fmt: skip
_DAY_RANK = 3  # parts of this rank or coarser pick days, not times of a day
_PERIOD_DAYS = {"WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_WEEKS_PER_PERIOD = {"WEEKLY": 1, "MONTHLY": 5, "YEARLY": 53}  # BYDAY=MO: Mondays per period


def too_costly(component: Component, window: tuple[datetime, datetime]) -> str:
    """Why expanding ``component``'s rules in ``window`` would cost too much, or "".

    Estimates are upper bounds; a component without RRULE or DTSTART costs nothing.
    An INTERVAL below 1 never advances (or walks back to year 0): it costs too much.
    """
    start = _utc(getattr(component.get("DTSTART"), "dt", None))
    rules = component.get("RRULE")
    if start is None or rules is None:
        return ""
    # An occurrence that lasts long overlaps the window from long before it.
    reach = (_earlier(window[0], _duration(component, start)), window[1])
    total = 0  # several RRULEs add up: the series is their union
    for rule in _as_list(rules):
        if not isinstance(rule, vRecur):
            continue  # unreadable (vBroken): the expansion reports it for this event alone
        interval = _part(rule, "INTERVAL", 1)
        if _integer(interval) < 1:
            return f"has INTERVAL={interval}, which never advances"
        steps, occurrences = _estimate(rule, start, reach)
        if steps > MAX_RULE_STEPS:
            return f"recurs too often (about {steps} rule steps since DTSTART)"
        total += occurrences
        if total > occurrence_cap(window):
            return f"recurs too often (about {total} occurrences in the window)"
    return ""


def occurrence_cap(window: tuple[datetime, datetime]) -> int:
    """How many occurrences one series may have inside ``window``."""
    days = max(0.0, (window[1] - window[0]).total_seconds() / 86_400)
    return max(MIN_OCCURRENCES, int(MAX_PER_DAY * days))


def _estimate(rule: Any, start: datetime, window: tuple[datetime, datetime]) -> tuple[int, int]:
    """(periods from DTSTART to the window's end, occurrences inside the window)."""
    freq = str(_part(rule, "FREQ", "")).upper()
    if freq not in _FREQS:
        return 0, 0  # not a rule the expansion can walk; it reports that itself
    rank = _FREQS.index(freq)
    period = _PERIOD_SECONDS[rank] * max(1, _integer(_part(rule, "INTERVAL", 1)))
    until = _utc(_part(rule, "UNTIL", None))
    end = min(until, window[1]) if until is not None else window[1]
    steps = _periods(start, end, period)
    inside = _periods(max(start, window[0]), end, period) * _per_period(rule, freq, rank)
    count = _integer(_part(rule, "COUNT", 0))
    if count > 0:
        inside = min(inside, count)
    return steps, inside


def _duration(component: Component, start: datetime) -> timedelta:
    """How long each occurrence lasts (DTEND or DURATION); zero when unknown."""
    end = _utc(getattr(component.get("DTEND"), "dt", None))
    if end is not None:
        return max(timedelta(0), end - start)
    duration = getattr(component.get("DURATION"), "dt", None)
    return max(timedelta(0), duration) if isinstance(duration, timedelta) else timedelta(0)


def _earlier(moment: datetime, by: timedelta) -> datetime:
    try:
        return moment - by
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def _periods(first: datetime, last: datetime, period: int) -> int:
    return int(min(max(0.0, (last - first).total_seconds()) / period + 1, 10**15))


def _per_period(rule: Any, freq: str, rank: int) -> int:
    """How many occurrences one period can hold at most: the days it can hold times
    the expanding time parts' sizes (BYHOUR under DAILY)."""
    sizes = [
        len(_as_list(rule.get(name)))
        for name, part_rank in _PART_RANK.items()
        if part_rank < _DAY_RANK and rank > part_rank and rule.get(name) is not None
    ]
    return _days_per_period(rule, freq) * math.prod(sizes)


def _days_per_period(rule: Any, freq: str) -> int:
    """How many days one WEEKLY, MONTHLY or YEARLY period can hold at most.

    The day parts select days of the period together (each one narrows the others),
    so the smallest of their own bounds is a bound; each counts its days the way the
    expansion does: BYMONTHDAY under YEARLY is a day of *every* month (or of each
    BYMONTH month), BYWEEKNO is every day of those weeks. Without a day part the
    period holds DTSTART's day: once, or once in each BYMONTH month under YEARLY.
    """
    if freq not in _PERIOD_DAYS:
        return 1  # DAILY or finer: the day parts only narrow
    months = len(_as_list(rule.get("BYMONTH"))) if rule.get("BYMONTH") is not None else 0
    bounds = [
        _day_part_bound(name, _as_list(rule.get(name)), freq, months)
        for name in ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")
        if rule.get(name) is not None
    ]
    if not bounds:
        return months if freq == "YEARLY" and months else 1
    return min(_PERIOD_DAYS[freq], *bounds)


def _day_part_bound(name: str, values: list[Any], freq: str, months: int) -> int:
    """Days of one period that one day part alone can select."""
    if name == "BYMONTHDAY":
        return len(values) * ((months or 12) if freq == "YEARLY" else 1)
    if name == "BYWEEKNO":
        return 7 * len(values)
    if name == "BYDAY":  # a weekday is in every week; "1MO" once a month at most
        weeks = _WEEKS_PER_PERIOD[freq]
        return sum(weeks if not _has_ordinal(day) else 12 for day in values)
    return len(values)  # BYYEARDAY


def _has_ordinal(day: Any) -> bool:
    return any(ch.isdigit() for ch in str(day))


def _part(rule: Any, name: str, default: Any) -> Any:
    values = _as_list(rule.get(name, [default]) if hasattr(rule, "get") else [default])
    return values[0] if values else default


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _integer(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None
