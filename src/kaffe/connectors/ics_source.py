"""A calendar read from an ICS URL (Google's secret iCal address, Outlook's published
calendar, ``webcal://``) or a local ``.ics`` file: a conditional request per cycle,
recurrences expanded in the window. No OAuth client needed."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, tzinfo
from urllib.parse import urlsplit, urlunsplit

import httpx

from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds import HttpFeedSource, LocalFeedSource, is_remote
from kaffe.connectors.ical import parse_calendar
from kaffe.errors import config_entry
from kaffe.model import CalendarBatch

log = logging.getLogger(__name__)

# A path segment that is a secret or names you: Google's "private-<token>", long
# random tokens (Outlook's published calendars), e-mail addresses.
_TOKEN = re.compile(r"^[A-Za-z0-9_.=~-]{20,}$")


def redact(url: str) -> str:
    """The URL without its secret parts, for logs and error messages:
    ``https://calendar.google.com/calendar/ical/…/private-…/basic.ics``."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https", "webcal"):
        return url  # a local path holds no secret
    segments = parts.path.split("/")
    kept = [_redact_segment(seg) for seg in segments[:-1]] + segments[-1:]
    netloc = parts.hostname or ""
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, "/".join(kept), "…" if parts.query else "", ""))


def _redact_segment(segment: str) -> str:
    if segment.lower().startswith("private-"):
        return "private-…"
    if "@" in segment or "%40" in segment.lower() or _TOKEN.match(segment):
        return "…"
    return segment


def fetch_url(url: str) -> str:
    """``webcal://`` is https:// in disguise."""
    return "https://" + url[len("webcal://") :] if url.lower().startswith("webcal://") else url


class IcsCalendarSource:
    """Implements :class:`~kaffe.connectors.base.CalendarSource` for an ICS URL or file.

    An unchanged calendar (304, or the same file mtime and size) costs one request
    and no parsing; a changed one is parsed and replaces the stored window.
    """

    def __init__(
        self,
        name: str,
        url_or_path: str,
        *,
        self_addresses: tuple[str, ...] = (),
        floating: tzinfo = UTC,
        options: FeedOptionsConfig,
        client: httpx.Client | None = None,
    ) -> None:
        self.name = f"ics:{name}"
        self.self_addresses = self_addresses
        self.floating = floating
        url = fetch_url(url_or_path)
        feed = FeedConfig(url=url, name=name)
        self.fetcher: HttpFeedSource | LocalFeedSource
        if is_remote(url):
            self.fetcher = HttpFeedSource(feed, options, client=client)
            self.fetcher.label = f"calendar {redact(url)}"
        else:
            self.fetcher = LocalFeedSource(feed, options)
            self.fetcher.label = f"calendar {self.fetcher.path}"
        self.fetcher.entry = config_entry("calendars", name)  # hints name this entry
        self.label = redact(url)

    def close(self) -> None:
        """Close the HTTP client if this source made it."""
        self.fetcher.close()

    def sync(
        self, cursor: str | None, *, window_start: datetime, window_end: datetime
    ) -> CalendarBatch:
        """One conditional fetch; a changed calendar is the whole window (``full``).

        Without a cursor (first sync, or a new window) the document is always read."""
        # ``now`` only turns a Retry-After date into seconds: the real clock is right.
        doc = self.fetcher.fetch_document(cursor, now=datetime.now(UTC))
        if doc.body is None:
            return CalendarBatch(self.name, (), cursor, full=False)
        result = parse_calendar(
            doc.body, calendar=self.name, source=self.label,
            window=(window_start, window_end), self_addresses=self.self_addresses,
            floating=self.floating,
        )
        for problem in result.problems:
            log.info("%s", problem)
        log.info("%s: %d events in the window", self.label, len(result.events))
        return CalendarBatch(self.name, result.events, doc.cursor, full=True)
