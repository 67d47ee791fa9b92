"""The topics table: idempotent adds, per-contact views, replacing a source's topics."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaffe.model import Topic
from kaffe.store import Store
from kaffe.store import topics as _topics
from kaffe.store.migrations import migrate
from tests.store.factories import ANA, T0, at

BO = "bo@other.example"

topics_strategy = st.builds(
    Topic, contact=st.text(max_size=30), text=st.text(max_size=60),
    source=st.text(max_size=30), at=st.datetimes(timezones=st.just(UTC)),
)


def topic(text: str, hours: float = 0, source: str = "note", contact: str = ANA.email) -> Topic:
    return Topic(contact, text, source, at(hours))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


@given(topics_strategy)
def test_every_topic_row_round_trips(item: Topic) -> None:
    assert _topics.topic_from_row(_topics.topic_to_row(item)) == item


@given(st.lists(topics_strategy, max_size=8))
def test_topics_round_trip_through_sqlite(items: list[Topic]) -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    lowered = [Topic(t.contact.strip().lower(), t.text, t.source, t.at) for t in items]
    added = _topics.add(conn, items)
    unique = {(t.contact, t.text, t.source): t for t in reversed(lowered)}
    assert added == len(unique)
    stored = {t for ts in _topics.query(conn, None).values() for t in ts}
    assert stored == set(unique.values())
    conn.close()


def test_add_is_idempotent_and_counts_new_rows(store: Store) -> None:
    assert store.add_topics([topic("dbt"), topic("data mesh", 1)]) == 2
    assert store.add_topics([topic("dbt", 5), topic("kafka", 2)]) == 1  # (contact, text, source)
    assert [t.text for t in store.topics()[ANA.email]] == ["dbt", "data mesh", "kafka"]


def test_same_text_from_two_sources_is_two_rows(store: Store) -> None:
    assert store.add_topics([topic("dbt"), topic("dbt", source="event:g/e1")]) == 2


def test_addresses_are_lower_cased(store: Store) -> None:
    store.add_topics([topic("dbt", contact=" Ana@Partner.DK ")])
    assert list(store.topics()) == [ANA.email]
    assert store.topics("ANA@partner.dk")[ANA.email][0].contact == ANA.email


def test_topics_by_contact_oldest_first(store: Store) -> None:
    store.add_topics([topic("late", 9), topic("early", -9), topic("bo's", 0, contact=BO)])
    assert store.topics() == {
        ANA.email: (topic("early", -9), topic("late", 9)),
        BO: (topic("bo's", 0, contact=BO),),
    }
    assert store.topics(BO) == {BO: (topic("bo's", 0, contact=BO),)}
    assert store.topics("nobody@x.example") == {}


def test_remove_by_source_prefix_and_contact(store: Store) -> None:
    store.add_topics([
        topic("a", source="notes:ana.md"), topic("b", source="notes:ana.md"),
        topic("c", source="note"), topic("d", source="notes:bo.md", contact=BO),
        topic("e", source="notes%x"),  # a LIKE wildcard must not match
    ])
    assert store.topic_sources("notes:") == {"notes:ana.md", "notes:bo.md"}
    assert store.remove_topics(ANA.email, "notes:") == 2
    assert store.remove_topics(ANA.email, "notes:") == 0
    assert store.topic_sources("notes:") == {"notes:bo.md"}
    assert store.remove_topics(None, "notes:bo.md") == 1
    assert [t.text for t in store.topics()[ANA.email]] == ["c", "e"]


def test_remove_then_add_in_one_transaction_replaces(store: Store) -> None:
    store.add_topics([topic("old", source="notes:ana.md")])
    with store.transaction():
        store.remove_topics(ANA.email, "notes:ana.md")
        store.add_topics([topic("new", 3, source="notes:ana.md")])
    assert store.topics()[ANA.email] == (topic("new", 3, source="notes:ana.md"),)


def test_a_failed_transaction_keeps_the_old_topics(store: Store) -> None:
    store.add_topics([topic("old")])
    with pytest.raises(RuntimeError), store.transaction():
        store.remove_topics(None, "")
        raise RuntimeError("crash mid-refresh")
    assert store.topics()[ANA.email] == (topic("old"),)


def test_times_are_kept_exactly(store: Store) -> None:
    store.add_topics([Topic(ANA.email, "dbt", "note", T0.replace(microsecond=123456))])
    assert store.topics()[ANA.email][0].at == T0.replace(microsecond=123456)
