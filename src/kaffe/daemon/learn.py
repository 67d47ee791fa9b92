"""Between sync and plan: remember topics from coffee meetings and notes, and find
the articles that match each contact's topics (the relevance index lives here,
in the daemon process: each article is indexed once, when it arrives)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kaffe.config.schema import Config
from kaffe.model import Article, Event, Match, Snapshot, Verdict
from kaffe.relevance.empty import EmptyIndex
from kaffe.rules.drip import shared_by_contact
from kaffe.rules.people import external_people
from kaffe.store import Store
from kaffe.topics.extract import topics_from_event, topics_from_subjects

if TYPE_CHECKING:
    from kaffe.relevance.index import ArticleIndex

log = logging.getLogger(__name__)

# An article dated in the future is clock skew or a feed bug: it waits until then.
SKEW = timedelta(hours=1)


def coffee_meetings(verdicts: Iterable[tuple[Event, Verdict]]) -> list[Event]:
    return [event for event, verdict in verdicts if verdict.is_coffee]


def learn_topics(
    store: Store, meetings: Sequence[Event], snapshot: Snapshot, config: Config
) -> int:
    """Store what the meetings, the notes folder and (optionally) mail say was discussed;
    returns how many topics the meetings and mail added."""
    added = learn_from_meetings(store, meetings, snapshot, config)
    learn_from_notes(store, config)
    return added


def learn_from_meetings(
    store: Store, meetings: Sequence[Event], snapshot: Snapshot, config: Config
) -> int:
    """Store the topics the meetings (and, optionally, the mail with their people)
    name; returns how many were new."""
    found = []
    for event in meetings:
        found += topics_from_event(event, external_people(event, config.me), event.start)
    if config.topics.from_mail:
        people = {p.email for e in meetings for p in external_people(e, config.me)}
        for contact in sorted(people):
            found += topics_from_subjects(contact, snapshot.interactions.get(contact, ()))
    return store.add_topics(found)


def learn_from_notes(store: Store, config: Config) -> None:
    """Make the stored notes topics match the notes folder, when one is configured."""
    from kaffe.topics.notes import refresh_notes

    if config.topics.notes_dir is not None:
        refresh_notes(store, config.topics.notes_dir)


class Relevance:
    """The article index of one process, fed with each new article once (built with
    the first article: without feeds numpy and scipy are never imported)."""

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

    def matches(self, snapshot: Snapshot, contacts: Iterable[str], now: datetime
                ) -> dict[str, tuple[Match, ...]]:
        """Relevant recent articles for each contact, minus those already shared."""
        profiles = {c: snapshot.topics[c] for c in contacts if snapshot.topics.get(c)}
        exclude = shared_by_contact(snapshot.ledger)
        return self.index.match(profiles, since=self.since(now), exclude=exclude)


def _published(article: Article, now: datetime) -> datetime:
    return article.published or now

