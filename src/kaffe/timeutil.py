"""Small time helpers shared by connectors, store and CLI. Rules never read the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime; naive input is taken to be UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


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
