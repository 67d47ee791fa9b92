"""A calendar read from an ICS URL (Google's secret iCal address, Outlook's published
calendar, ``webcal://``) or a local ``.ics`` file: a conditional request per cycle,
recurrences expanded in the window. No OAuth client needed.

A long-lived calendar is big (tens of MB), so it has its own cap (``max_bytes`` of
its ``[[calendars]]`` entry, not the feeds' one), is spooled to a temporary file as
it arrives, and is read in the sync window only (:func:`parse_calendar_stream`)."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from datetime import UTC, datetime, tzinfo

import httpx

from kaffe.config.checks import WEBCAL_SCHEMES
from kaffe.config.schema import CALENDAR_MAX_BYTES, FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds.fetch import HttpFetcher, LocalFetcher, is_remote
from kaffe.connectors.ical.parse import parse_calendar_stream
from kaffe.errors import ConnectorError, config_entry
from kaffe.model import CalendarBatch
from kaffe.redact import redact_url

log = logging.getLogger(__name__)

SPOOL_IN_MEMORY = 4_000_000  # bytes of a calendar kept in memory before it goes to disk


def fetch_url(url: str) -> str:
    """``webcal://`` and ``webcals://`` are https:// in disguise."""
    scheme, sep, rest = url.partition("://")
    return f"https://{rest}" if sep and scheme.lower() in WEBCAL_SCHEMES else url


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
        max_bytes: int = CALENDAR_MAX_BYTES,
        client: httpx.Client | None = None,
    ) -> None:
        self.name = f"ics:{name}"
        self.self_addresses = self_addresses
        self.floating = floating
        url = fetch_url(url_or_path)
        feed = FeedConfig(url=url, name=name)
        options = dataclasses.replace(options, max_bytes=max_bytes)
        self.fetcher: HttpFetcher | LocalFetcher
        if is_remote(url):
            self.fetcher = HttpFetcher(feed, options, client=client)
            self.fetcher.label = f"calendar {redact_url(url)}"
        else:
            self.fetcher = LocalFetcher(feed, options)
            self.fetcher.label = f"calendar {self.fetcher.path}"
        self.fetcher.cap_key = f'max_bytes of [[calendars]] "{name}"'
        self.fetcher.entry = config_entry("calendars", name)  # hints name this entry
        self.label = redact_url(url)

    def close(self) -> None:
        """Close the HTTP client if this source made it."""
        self.fetcher.close()

    def sync(
        self, cursor: str | None, *, window_start: datetime, window_end: datetime
    ) -> CalendarBatch:
        """One conditional fetch; a changed calendar is the whole window (``full``).

        Without a cursor (first sync, or a new window) the document is always read."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            # ``now`` only turns a Retry-After date into seconds: the real clock is right.
            doc = self.fetcher.fetch_document(cursor, now=datetime.now(UTC), sink=spool)
            if doc.body is None:
                return CalendarBatch(self.name, (), cursor, full=False)
            spool.seek(0)
            result = parse_calendar_stream(
                spool, calendar=self.name, source=self.label,
                window=(window_start, window_end), self_addresses=self.self_addresses,
                floating=self.floating,
            )
        if result.not_calendar:  # a failed read, not an empty calendar: nothing is replaced
            raise ConnectorError(
                f"{self.label}: {result.not_calendar}",
                hint=f"check the url of the {self.fetcher.entry}: it must give an .ics file")
        for problem in result.problems:
            log.info("%s", problem)
        log.info("%s: %d events in the window", self.label, len(result.events))
        return CalendarBatch(self.name, result.events, doc.cursor, full=True,
                             problems=result.problems, unread=result.unread,
                             incomplete=result.incomplete)
