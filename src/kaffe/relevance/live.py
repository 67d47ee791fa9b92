"""The relevance index of the daemon process: each article is indexed once, when it
arrives, and the contacts' topics are matched against it every cycle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kaffe.config.schema import Config
from kaffe.model import Article, Match, Topic
from kaffe.relevance.empty import EmptyIndex
from kaffe.store import Store
from kaffe.windows import SKEW

if TYPE_CHECKING:
    from kaffe.relevance.index import ArticleIndex


class Relevance:
    """The article index of one process, fed with each new article once (built with
    the first article: without feeds numpy is never imported)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.index: ArticleIndex | EmptyIndex = EmptyIndex()
        self.waiting: list[Article] = []  # dated in the future; indexed when their time comes
        self.loaded = False

    def update(self, store: Store, new: Iterable[Article], now: datetime) -> None:
        """Index new articles (the first call loads what the store already holds)."""
        if not self.loaded:
            keep = now - timedelta(days=self.config.feed_options.keep_days)
            new = [*store.articles(since=keep), *new]
            self.loaded = True
        candidates = [*self.waiting, *new]
        self.waiting = [a for a in candidates if _published(a, now) > now + SKEW]
        ready = [a for a in candidates if _published(a, now) <= now + SKEW]
        if ready:
            self._built().add(ready, fetched=now)
        self.index.discard_older_than(now - timedelta(days=self.config.feed_options.keep_days))

    def _built(self) -> ArticleIndex:
        if isinstance(self.index, EmptyIndex):
            from kaffe.relevance.index import ArticleIndex

            self.index = ArticleIndex(self.config.relevance)
        return self.index

    def since(self, now: datetime) -> datetime:
        """The oldest an article may be to be matched at ``now``."""
        return now - timedelta(days=self.config.drip.max_article_age_days)

    def matches(self, topics: Mapping[str, tuple[Topic, ...]], shared: Mapping[str, set[str]],
                contacts: Iterable[str], now: datetime, *,
                threshold: float | None = None) -> dict[str, tuple[Match, ...]]:
        """Relevant recent articles for each of ``contacts`` by their ``topics``, minus
        the article ids ``shared`` says each was already sent (the rules decide what
        counts as shared: :func:`kaffe.rules.drip.shared_by_contact`). ``threshold``:
        the lowest score that counts, if not the configured one (near misses)."""
        profiles = {c: topics[c] for c in contacts if topics.get(c)}
        return self.index.match(profiles, since=self.since(now), exclude=shared,
                                threshold=threshold)


def _published(article: Article, now: datetime) -> datetime:
    return article.published or now
