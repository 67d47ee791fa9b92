"""A calendar read from an ICS URL (Google's secret iCal address, Outlook's published
calendar, ``webcal://``) or a local ``.ics`` file: a conditional request per cycle,
recurrences expanded in the window. No OAuth client needed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx

from kaffe.config.checks import WEBCAL_SCHEMES
from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds import HttpFeedSource, LocalFeedSource, is_remote
from kaffe.connectors.ical import parse_calendar
from kaffe.model import CalendarBatch
from kaffe.redact import redact_url

log = logging.getLogger(__name__)


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
        options: FeedOptionsConfig,
        client: httpx.Client | None = None,
    ) -> None:
        self.name = f"ics:{name}"
        self.self_addresses = self_addresses
        url = fetch_url(url_or_path)
        feed = FeedConfig(url=url, name=name)
        self.fetcher: HttpFeedSource | LocalFeedSource
        if is_remote(url):
            self.fetcher = HttpFeedSource(feed, options, client=client)
            self.fetcher.label = f"calendar {redact_url(url)}"
        else:
            self.fetcher = LocalFeedSource(feed, options)
            self.fetcher.label = f"calendar {self.fetcher.path}"
        self.label = redact_url(url)

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
        )
        for problem in result.problems:
            log.info("%s", problem)
        log.info("%s: %d events in the window", self.label, len(result.events))
        return CalendarBatch(self.name, result.events, doc.cursor, full=True)
