"""``kaffe note`` and ``kaffe topics`` against a real store."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kaffe.cli.topics import describe_source, note, show_topics
from kaffe.model import Topic
from kaffe.store import Store

ANA = "ana@partner.example"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


def test_note_stores_its_topics(store: Store) -> None:
    out = io.StringIO()
    assert note(store, " Ana@Partner.example ", "Great talk. Topics: dbt, data mesh", NOW,
                out) == 0
    assert store.topics() == {ANA: (Topic(ANA, "dbt", "note", NOW),
                                    Topic(ANA, "data mesh", "note", NOW))}
    assert out.getvalue() == f"noted for {ANA}: dbt, data mesh\n"


def test_a_plain_note_is_one_topic(store: Store) -> None:
    note(store, ANA, "She is moving to Snowflake.", NOW, io.StringIO())
    assert [t.text for t in store.topics()[ANA]] == ["she is moving to snowflake"]


def test_noting_twice_says_what_was_known(store: Store) -> None:
    note(store, ANA, "#dbt", NOW, io.StringIO())
    out = io.StringIO()
    assert note(store, ANA, "#dbt #kafka", NOW + timedelta(days=1), out) == 0
    assert "(1 already known)" in out.getvalue()
    assert len(store.topics()[ANA]) == 2


@pytest.mark.parametrize("contact", ["ana", "ana@", "Ana Silva <ana@x.example>", "", "a b@c.dk"])
def test_note_refuses_a_contact_that_is_not_an_address(store: Store, contact: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert note(store, contact, "Topics: dbt", NOW, out, err) == 2
    assert "is not an e-mail address" in err.getvalue() and out.getvalue() == ""
    assert store.topics() == {}


def test_note_refuses_an_empty_note(store: Store) -> None:
    out = io.StringIO()
    assert note(store, ANA, "  ", NOW, out) == 2
    assert "empty" in out.getvalue()


def test_topics_newest_first_with_source_and_date(store: Store) -> None:
    store.add_topics([
        Topic(ANA, "dbt", "event:google:primary/e1", datetime(2026, 1, 5, tzinfo=UTC)),
        Topic(ANA, "data mesh", "notes:ana.md", datetime(2026, 2, 1, tzinfo=UTC)),
        Topic("bo@other.example", "wind", "note", datetime(2026, 3, 1, tzinfo=UTC)),
    ])
    out = io.StringIO()
    assert show_topics(store, None, out) == 0
    assert out.getvalue() == (
        f"{ANA} (2 topics)\n"
        "  2026-02-01  data mesh  (notes file ana.md)\n"
        "  2026-01-05  dbt        (meeting google:primary/e1)\n"
        "\n"
        "bo@other.example (1 topic)\n"
        "  2026-03-01  wind  (note)\n"
    )


def test_topics_of_one_contact(store: Store) -> None:
    store.add_topics([Topic(ANA, "dbt", "note", NOW), Topic("bo@x.example", "wind", "note", NOW)])
    out = io.StringIO()
    assert show_topics(store, "ANA@partner.example", out) == 0
    assert "dbt" in out.getvalue() and "bo@x.example" not in out.getvalue()


def test_nothing_known_is_a_helpful_line(store: Store) -> None:
    out = io.StringIO()
    assert show_topics(store, None, out) == 0
    assert "kaffe note" in out.getvalue() and "notes_dir" in out.getvalue()
    out = io.StringIO()
    show_topics(store, ANA, out)
    assert out.getvalue().startswith(f"no topics known for {ANA}")


@pytest.mark.parametrize(("source", "shown"), [
    ("note", "note"), ("notes:ana.md", "notes file ana.md"),
    ("mail:t1", "mail thread t1"), ("event:google:primary/e1", "meeting google:primary/e1"),
])
def test_describe_source(source: str, shown: str) -> None:
    assert describe_source(source) == shown


def test_topic_dates_are_the_day_in_your_zone(store: Store) -> None:
    store.add_topics([Topic(ANA, "dbt", "note", datetime(2026, 12, 5, 23, 30, tzinfo=UTC))])
    out = io.StringIO()
    show_topics(store, ANA, out, ZoneInfo("Europe/Copenhagen"))
    assert "  2026-12-06  dbt  (note)" in out.getvalue()  # 00:30 on the 6th there
