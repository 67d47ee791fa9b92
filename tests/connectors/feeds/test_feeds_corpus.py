"""Every real-world feed through the local-file source; bombs and random bytes."""

from __future__ import annotations

import gzip
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds.parse import FeedMeta, parse_document
from kaffe.connectors.feeds.source import LocalFeedSource, feed_source
from kaffe.errors import ConnectorError
from kaffe.model import FeedBatch
from tests.conftest import corpus_dir

OPTIONS = FeedOptionsConfig()
FEEDS = corpus_dir() / "feeds" if corpus_dir() else None
FEED_FILES = sorted(p.name for p in FEEDS.iterdir()) if FEEDS and FEEDS.is_dir() else []


def fetch(path: Path, now: datetime, **config: str) -> FeedBatch:
    return LocalFeedSource(FeedConfig(url=str(path), **config), OPTIONS).fetch(None, now=now)


@pytest.mark.parametrize("name", FEED_FILES)
def test_every_corpus_feed_parses_or_is_reported(corpus: Path, now: datetime, name: str) -> None:
    path = corpus / "feeds" / name
    try:
        batch = fetch(path, now)
    except ConnectorError as exc:
        reason = str(exc).partition(f"{path}: ")[2]
        assert len(reason) > 10, str(exc)  # the file, then why
        return
    assert not batch.not_modified and batch.cursor
    for article in batch.articles:
        assert article.id and (article.title or article.url)
        assert not re.search(r"<(p|a|img|div|br|script)\b", article.summary + article.title)
        assert len(article.summary) <= 1000
        assert article.published is None or article.published.tzinfo is UTC


def test_all_corpus_feeds_together_yield_many_articles_and_few_errors(
    corpus: Path, now: datetime
) -> None:
    articles, errors = 0, []
    for path in sorted((corpus / "feeds").iterdir()):
        try:
            articles += len(fetch(path, now).articles)
        except ConnectorError as exc:
            errors.append(str(exc))
    assert articles > 150
    assert len(errors) <= 3, errors


def first(corpus: Path, now: datetime, name: str, **config: str):
    return fetch(corpus / "feeds" / name, now, **config).articles[0]


def test_german_blog(corpus: Path, now: datetime) -> None:
    article = first(corpus, now, "fastfeedparser__ninaklose_de_german_blog.xml")
    assert article.language == "de"
    assert article.url == "https://ninaklose.de/geile-texte-schreiben/"
    assert article.title.startswith("Geile Texte schreiben")
    assert article.published == datetime(2024, 6, 22, 9, 26, 46, tzinfo=UTC)


def test_polish_feeds_declare_pl_and_pl_pl(corpus: Path, now: datetime) -> None:
    assert first(corpus, now, "fastfeedparser__openstreetmap_polska.xml").language == "pl"
    assert first(corpus, now, "feedrs__spreaker_polish_radio_podcast.xml").language == "pl"


def test_undeclared_encodings_are_sniffed(corpus: Path, now: datetime) -> None:
    russian = first(corpus, now, "feedparser__illformed_koi8r_no_encoding_decl.xml", language="ru")
    assert (russian.title, russian.language) == ("Как пережить новогоднюю ночь", "ru")
    japanese = first(corpus, now, "feedparser__illformed_shiftjis_no_encoding_decl.xml")
    assert japanese.title.startswith("DrecomRSSに記事投稿")


def test_gzip_file_reads_like_the_plain_one(corpus: Path, now: datetime) -> None:
    packed = fetch(corpus / "feeds" / "nodefeedparser__gzip_compressed_body.xml", now)
    plain = fetch(corpus / "feeds" / "nodefeedparser__oren_ru_windows1251_russian.xml", now)
    assert [a.title for a in packed.articles] == [a.title for a in plain.articles]
    assert packed.articles[0].url == "http://www.oren.ru/news/2743422/"
    assert packed.articles[0].title.startswith("В Бузулуке")


def test_relative_atom_links_resolve_against_the_self_link(corpus: Path, now: datetime) -> None:
    article = first(corpus, now, "nodefeedparser__intertwingly_sam_ruby.atom")
    assert article.url == "http://intertwingly.net/blog/2012/07/16/Inhibiting-Suspend"
    assert article.published == datetime(2012, 7, 16, 15, 48, 1, tzinfo=UTC)


def test_html_descriptions_become_plain_text(corpus: Path, now: datetime) -> None:
    batch = fetch(corpus / "feeds" / "nodefeedparser__washingtonpost_wellness.xml", now)
    assert len(batch.articles) > 20
    for article in batch.articles:
        assert "<img" not in article.summary and "&amp;" not in article.summary


def test_duplicate_guids_and_nested_empty_items(corpus: Path, now: datetime) -> None:
    batch = fetch(corpus / "feeds" / "nodefeedparser__pcmag_dvorak_illegally_nested.xml", now)
    assert len(batch.articles) == len({a.id for a in batch.articles}) == 10


def test_unchanged_file_costs_no_parse(tmp_path: Path, corpus: Path, now: datetime) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes((corpus / "feeds" / "fastfeedparser__openstreetmap_polska.xml").read_bytes())
    source = feed_source(FeedConfig(url=str(path), name="osm"), OPTIONS)
    with mock.patch.object(feedparser, "parse", wraps=feedparser.parse) as spy:
        batch = source.fetch(None, now=now)
        again = source.fetch(batch.cursor, now=now)
        assert spy.call_count == 1
        assert (again.not_modified, again.articles, again.cursor) == (True, (), batch.cursor)
        os.utime(path, ns=(1, 1))
        assert not source.fetch(batch.cursor, now=now).not_modified
        assert spy.call_count == 2
    assert batch.feed == "osm"


def test_missing_too_large_and_directory_files_are_reported(tmp_path: Path, now: datetime) -> None:
    with pytest.raises(ConnectorError, match="nope.xml: cannot read it"):
        fetch(tmp_path / "nope.xml", now)
    with pytest.raises(ConnectorError, match="cannot read it"):
        fetch(tmp_path, now)
    big = tmp_path / "big.xml"
    big.write_bytes(b" " * 20_000)
    small = FeedOptionsConfig(max_bytes=10_000)
    too_big = r"big.xml: more than \[feed_options\] max_bytes \(10000\)"
    with pytest.raises(ConnectorError, match=too_big):
        LocalFeedSource(FeedConfig(url=big.as_uri()), small).fetch(None, now=now)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "lollollollollollollollollollol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rss version="2.0"><channel><title>Bomb &i;</title>
<item><title>Laugh &i;</title><link>http://example.com/a</link><description>&i;</description></item>
</channel></rss>"""


def test_entity_bomb_is_bounded() -> None:
    meta = FeedMeta("bomb", "bomb.xml", FeedConfig(url="bomb.xml"))
    started = time.perf_counter()
    try:
        articles = parse_document(BILLION_LAUGHS, meta, max_bytes=OPTIONS.max_bytes)
    except ConnectorError as exc:
        assert "bomb.xml" in str(exc)
    else:
        assert all(len(a.title) < 1000 and len(a.summary) <= 1000 for a in articles)
    assert time.perf_counter() - started < 5


def test_gzip_bomb_in_a_file_is_cut_off(tmp_path: Path, now: datetime) -> None:
    path = tmp_path / "bomb.xml"
    path.write_bytes(gzip.compress(b"<rss>" + b" " * 30_000_000))
    with pytest.raises(ConnectorError, match="bomb.xml: unpacked body is larger than"):
        fetch(path, now)


FEEDISH = st.lists(
    st.sampled_from(
        [
            b"<?xml version='1.0'?>",
            b"<rss>",
            b"<channel>",
            b"<item>",
            b"<title>",
            b"</title>",
            b"<link>http://x/</link>",
            b"</item>",
            b"<feed xmlns='http://www.w3.org/2005/Atom'>",
            b"<entry>",
            b"&amp;",
            b"&bogus;",
            b"<![CDATA[",
            b"]]>",
            b"\x1f\x8b",
            b"\xff\xfe",
        ]
    )
    | st.binary(max_size=40),
    max_size=30,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=3000) | FEEDISH)
def test_random_bytes_raise_nothing_but_connector_error(data: bytes) -> None:
    meta = FeedMeta("fuzz", "fuzz.xml", FeedConfig(url="fuzz.xml"))
    try:
        articles = parse_document(data, meta, max_bytes=100_000)
    except ConnectorError as exc:
        assert "fuzz.xml" in str(exc)
    else:
        assert all(isinstance(a.title, str) for a in articles)
