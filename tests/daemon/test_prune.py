"""Old articles are forgotten once a day (``[feed_options] keep_days``) by real
cycles, and a forgotten article a feed still serves is not new again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import FeedOptionsConfig
from kaffe.daemon.cycle import run_cycle
from kaffe.model import Article, FeedBatch
from kaffe.relevance.live import Relevance
from kaffe.store import Store
from tests.rules.factories import START, make_config

NOW = START + timedelta(days=200)
DAY = timedelta(days=1)
NO_SOURCES: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
CONFIG = make_config()
CONFIG = replace(CONFIG, feed_options=FeedOptionsConfig(keep_days=90))


class NoDrafts:
    """An executor with nothing to do: what makes a cycle a real one, not `kaffe plan`."""

    def execute(self, actions: object, now: datetime, **kw: object) -> list[object]:
        return []


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


def article(n: int, published: datetime | None) -> Article:
    return Article(f"a{n}", "blog", f"https://blog.example/{n}", f"Data mesh {n}",
                   published=published, language="en")


def fetch(store: Store, *items: Article, now: datetime = NOW) -> list[Article]:
    return store.apply_feed_batch(FeedBatch("blog", items, None), now=now)


def cycle(store: Store, now: datetime, executor: object | None = None) -> None:
    run_cycle(store, NO_SOURCES, executor, Relevance(CONFIG), now, CONFIG)  # type: ignore[arg-type]


def test_a_real_cycle_forgets_articles_older_than_keep_days(store: Store) -> None:
    fetch(store, article(1, NOW - 100 * DAY), article(2, NOW - 10 * DAY))
    cycle(store, NOW)  # `kaffe plan`: a dry run prunes nothing
    assert store.article_count() == 2
    cycle(store, NOW, NoDrafts())
    assert [a.id for a in store.articles()] == ["a2"]


def test_pruning_runs_at_most_once_a_day(store: Store) -> None:
    cycle(store, NOW, NoDrafts())
    # undated, fetched long ago (a dated one this old is refused at the horizon)
    fetch(store, article(3, None), now=NOW - 95 * DAY)
    assert store.article_count() == 1
    cycle(store, NOW + 12 * timedelta(hours=1), NoDrafts())
    assert store.article_count() == 1  # not a day yet
    cycle(store, NOW + DAY, NoDrafts())
    assert store.article_count() == 0


def test_a_pruned_article_served_again_is_not_new(store: Store) -> None:
    old = article(1, NOW - 100 * DAY)
    fetch(store, old, now=NOW - 100 * DAY)
    cycle(store, NOW, NoDrafts())
    assert store.article_count() == 0
    assert fetch(store, old, now=NOW + DAY) == []  # the feed still lists it: not new
    assert store.article_count() == 0
