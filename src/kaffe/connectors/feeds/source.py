"""RSS/Atom feed sources: a fetched document (:mod:`.fetch`) parsed (:mod:`.parse`)
into a :class:`~kaffe.model.FeedBatch`; each implements
:class:`~kaffe.connectors.base.FeedSource`."""

from __future__ import annotations

from datetime import datetime

import httpx

from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds.fetch import HttpFetcher, LocalFetcher, is_remote
from kaffe.connectors.feeds.parse import FeedMeta, parse_document
from kaffe.model import FeedBatch


def feed_source(
    feed: FeedConfig, options: FeedOptionsConfig, *, client: httpx.Client | None = None
) -> HttpFeedSource | LocalFeedSource:
    """The source for one ``[[feeds]]`` entry: HTTP for URLs, else the local file."""
    if is_remote(feed.url):
        return HttpFeedSource(feed, options, client=client)
    return LocalFeedSource(feed, options)


class HttpFeedSource(HttpFetcher):
    """A feed fetched over HTTP(S) with a conditional, streamed, capped GET."""

    def fetch(self, cursor: str | None, *, now: datetime) -> FeedBatch:
        """Fetch the feed; a 304 (validators from ``cursor``) returns ``not_modified``."""
        doc = self.fetch_document(cursor, now=now)
        if doc.body is None:
            return FeedBatch(self.name, (), doc.cursor, not_modified=True)
        meta = FeedMeta(self.name, self.feed.url, self.feed, base=doc.headers["content-location"])
        articles = parse_document(
            doc.body, meta, max_bytes=self.options.max_bytes, headers=doc.headers
        )
        return FeedBatch(self.name, articles, doc.cursor)


class LocalFeedSource(LocalFetcher):
    """A feed read from a local file; an unchanged file (same mtime and size) is
    not read again."""

    def fetch(self, cursor: str | None, *, now: datetime) -> FeedBatch:
        """Read and parse the file unless its mtime and size match ``cursor``."""
        doc = self.fetch_document(cursor, now=now)
        if doc.body is None:
            return FeedBatch(self.name, (), cursor, not_modified=True)
        meta = FeedMeta(self.name, str(self.path), self.feed)
        articles = parse_document(doc.body, meta, max_bytes=self.options.max_bytes)
        return FeedBatch(self.name, articles, doc.cursor)
