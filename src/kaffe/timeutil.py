"""Small time helpers shared by connectors, store and CLI. Rules never read the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime; naive input is taken to be UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


@lru_cache(maxsize=32)
def zone(name: str) -> tzinfo:
    """The IANA time zone ``name`` (``[me] timezone``); "" is UTC. The name was
    validated with the config, so an unknown one raises here only on a bug."""
    return ZoneInfo(name) if name else UTC


def local(dt: datetime, tz: tzinfo) -> datetime:
    """``dt`` as the wall-clock time a person in ``tz`` reads."""
    return utc(dt).astimezone(tz)


def local_day(dt: datetime, tz: tzinfo, *, all_day: bool = False) -> date:
    """The day ``dt`` falls on in ``tz``. An all-day event is stored at midnight UTC
    of its own date: that date is the day, in every zone."""
    return utc(dt).date() if all_day else local(dt, tz).date()


def stamp(dt: datetime, tz: tzinfo = UTC) -> str:
    """``2026-03-09 14:00 CET``: a moment as a person in ``tz`` reads it."""
    moment = local(dt, tz)
    return f"{moment:%Y-%m-%d %H:%M} {moment:%Z}"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 / RFC 3339 timestamp (``Z`` allowed) into aware UTC."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return utc(datetime.fromisoformat(text))


def parse_date(text: str) -> date:
    return date.fromisoformat(text.strip())


def rfc3339(dt: datetime) -> str:
    """Format as RFC 3339 in UTC with a ``Z`` suffix, as Google APIs expect."""
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc() -> datetime:
    """The real clock. Only the CLI and the daemon loop call this; rules take ``now``."""
    return datetime.now(UTC)
