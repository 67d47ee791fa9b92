"""Compounds split against the background table: Danish compounds and run-together
hashtags, on the topic and the article side."""

from __future__ import annotations

import pytest

from kaffe.config.schema import RelevanceConfig
from kaffe.model import Article, Topic
from kaffe.relevance.background import Background
from kaffe.relevance.compounds import Splitter
from kaffe.relevance.index import ArticleIndex
from tests.relevance.articles import NOW, article


@pytest.fixture(scope="module")
def splitter() -> Splitter:
    return Splitter(Background.load())


@pytest.mark.parametrize(("word", "language", "parts"), [
    ("sundhedsdataplatforme", "da", ("sundhed", "data", "platforme")),  # linking "s"
    ("havvindmølleparker", "da", ("hav", "vind", "mølle", "parker")),  # a part split again
    ("genbrugstøj", "da", ("genbrug", "tøj")),  # not genbrug + støj
    ("kundehenvendelserne", "da", ("kunde", "henvendelserne")),  # an inflected last part
    ("dataquality", "en", ("data", "quality")),
    ("digitaltwins", "en", ("digital", "twins")),
    ("digitaltwins", "", ("digital", "twins")),  # a topic of no telling language
])
def test_compounds_split_into_their_words(splitter, word, language, parts):
    assert splitter.split(word, language) == parts


@pytest.mark.parametrize(("word", "language"), [
    ("forsikring", "da"),  # "for" is a stop word, not a part
    ("betaling", "da"),  # more common than "beta" + "ling"
    ("vedligehold", "da"),
    ("data", "da"),  # too short to try
    ("cybersecurity", "en"),  # a word the table knows
    ("healthcare", ""),  # English, so left whole as an English article leaves it
])
def test_words_that_are_not_compounds_stay_whole(splitter, word, language):
    assert splitter.split(word, language) == ()


def best(topic: str, *articles: Article, threshold: float | None = None) -> list[str]:
    config = RelevanceConfig() if threshold is None else RelevanceConfig(threshold=threshold)
    index = ArticleIndex(config)
    index.add(articles)
    found = index.match({"x": [Topic("x", topic, "note", NOW)]})
    return [m.article_id for m in found.get("x", ())]


PLATFORM = article("p", "Regionerne vil samle patientdata i én national sundhedsdataplatform",
                   "Danske Regioner foreslår en fælles løsning for forskere.", "da")
OTHER = article("o", "Ny cykelsti langs havnen", "Kommunen åbner stien til sommer.", "da")


def test_a_topic_finds_an_article_through_its_compounds():
    assert best("data i sundhed", PLATFORM, OTHER) == ["p"]


def test_a_compound_topic_finds_its_words_apart():
    apart = article("a", "Data i sundhed", "Hvordan data bruges i sundhed og på platforme.",
                    "da")
    assert best("sundhedsdataplatforme", apart, OTHER) == ["a"]


def test_the_parts_of_a_compound_weigh_the_same():
    # "mad" is far more common than "spild": without equal parts, "spild" alone would
    # hold most of the topic's weight
    waste = article("w", "Spild af tid", "Derfor er jeres møder så ineffektive.", "da")
    food = article("f", "Madspild i kantinerne halveret", "Overskudsmad bliver til frokost.",
                   "da")
    assert best("madspild", waste, food) == ["f"]


def test_match_terms_show_the_compound_as_written():
    index = ArticleIndex(RelevanceConfig(threshold=0.1))
    index.add([PLATFORM, OTHER])
    (match,) = index.match({"x": [Topic("x", "Sundhedsdata", "note", NOW)]})["x"]
    assert match.terms == ("Sundhedsdata",)


def test_hashtag_topics_find_their_words():
    twins = article("t", "Digital twins for bridges", "Engineers model every bolt.", "en")
    other = article("n", "Cake recipe", "Bake with butter and sugar.", "en")
    assert best("#DigitalTwins", twins, other) == ["t"]
