"""The articles table: each article is new exactly once, listed by time, and pruned."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaffe.model import Article, FeedBatch
from kaffe.store import Store
from kaffe.store import articles as _articles
from kaffe.store.migrations import migrate
from tests.store.factories import T0, at

texts = st.text(max_size=40)
articles_strategy = st.builds(
    Article, id=texts, feed=texts, url=texts, title=texts, summary=st.text(max_size=200),
    published=st.none() | st.datetimes(timezones=st.just(UTC)),
    language=st.sampled_from(["", "en", "da"]), tags=st.lists(texts, max_size=4).map(tuple),
)


def article(article_id: str = "a1", hours: float | None = 0, **over: object) -> Article:
    """An English article published ``hours`` after ``T0`` (None: no published time)."""
    published = None if hours is None else at(hours)
    fields = {"id": article_id, "feed": "blog", "url": f"https://blog.example/{article_id}",
              "title": f"Data mesh {article_id}", "summary": "plain text", "published": published,
              "language": "en", "tags": ("data", "tech")}
    return Article(**{**fields, **over})  # type: ignore[arg-type]


def batch(*items: Article, not_modified: bool = False) -> FeedBatch:
    return FeedBatch("blog", items, "etag-1", not_modified=not_modified)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


@given(articles_strategy)
def test_every_article_row_round_trips(item: Article) -> None:
    assert _articles.article_from_row(_articles.article_to_row(item)) == item


@given(st.lists(articles_strategy, max_size=6))
def test_articles_round_trip_through_sqlite(items: list[Article]) -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    new = _articles.insert_new(conn, items, T0)
    firsts = list({a.id: a for a in reversed(items)}.values())
    assert sorted(new, key=lambda a: a.id) == sorted(firsts, key=lambda a: a.id)
    assert sorted(_articles.query(conn, None), key=lambda a: a.id) == sorted(
        firsts, key=lambda a: a.id)
    conn.close()


def test_only_new_articles_are_returned(store: Store) -> None:
    first, second = article("a1"), article("a2", 1)
    assert store.apply_feed_batch(batch(first), now=at(2)) == [first]
    assert store.apply_feed_batch(batch(first, second), now=at(3)) == [second]
    assert store.apply_feed_batch(batch(first, second), now=at(4)) == []
    assert store.article_count() == 2


def test_an_edited_article_is_not_new_again(store: Store) -> None:
    store.apply_feed_batch(batch(article("a1")), now=at(1))
    edited = replace(article("a1"), title="Data mesh, corrected")
    assert store.apply_feed_batch(batch(edited), now=at(2)) == []
    assert store.articles()[0].title == "Data mesh a1"


def test_duplicates_within_a_batch_count_once(store: Store) -> None:
    assert store.apply_feed_batch(batch(article("a1"), article("a1", 5)), now=at(1)) == [
        article("a1")]


def test_not_modified_batch_stores_nothing(store: Store) -> None:
    assert store.apply_feed_batch(batch(article(), not_modified=True), now=at(1)) == []
    assert store.articles() == []


def test_articles_by_published_else_fetched_time(store: Store) -> None:
    undated = article("u", None)
    store.apply_feed_batch(batch(article("late", 10), article("early", -10)), now=at(0))
    store.apply_feed_batch(batch(undated), now=at(5))  # dated by its fetch
    assert [a.id for a in store.articles()] == ["early", "u", "late"]
    assert [a.id for a in store.articles(since=at(5))] == ["u", "late"]
    assert store.articles(since=at(11)) == []


def test_fields_are_kept_exactly(store: Store) -> None:
    item = article("a1", language="da", tags=(), summary="æøå \"quoted\" <not html>",
                   published=T0.replace(microsecond=7))
    store.apply_feed_batch(batch(item), now=at(1))
    assert store.articles() == [item]


def test_prune_removes_old_articles(store: Store) -> None:
    store.apply_feed_batch(batch(article("old", -48), article("new", 0)), now=at(0))
    store.apply_feed_batch(batch(article("undated", None)), now=at(-72))
    assert store.prune_articles(at(-24)) == 2
    assert [a.id for a in store.articles()] == ["new"]
    assert store.prune_articles(at(-24)) == 0


def test_a_pruned_article_still_in_the_feed_is_not_new_again(store: Store) -> None:
    old = article("old", -48)
    store.apply_feed_batch(batch(old), now=at(-47))
    store.prune_articles(at(-24))
    assert store.apply_feed_batch(batch(old, article("fresh", 1)), now=at(2)) == [
        article("fresh", 1)]
    store.prune_articles(at(-100))  # an earlier horizon does not move it back
    assert store.apply_feed_batch(batch(old), now=at(3)) == []


def test_the_time_index_is_used(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM articles "
        "WHERE COALESCE(published, fetched_at) >= ? ORDER BY COALESCE(published, fetched_at)",
        ("2026",),
    ).fetchall()
    conn.close()
    assert "articles_by_when" in str(plan)


def test_many_articles_arrive_once(store: Store) -> None:
    items = [article(f"a{i}", i / 60) for i in range(2000)]
    assert len(store.apply_feed_batch(batch(*items), now=at(40))) == 2000
    assert store.apply_feed_batch(batch(*items), now=at(41)) == []
    since = at(0) + timedelta(minutes=1000)
    assert len(store.articles(since=since)) == 1000
