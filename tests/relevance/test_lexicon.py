"""The en <-> da lexicon: a topic in one language finds articles in the other."""

from __future__ import annotations

import gzip
from importlib import resources

from kaffe.config.schema import RelevanceConfig
from kaffe.model import Article, Topic
from kaffe.relevance.index import ArticleIndex
from kaffe.relevance.lexicon import Lexicon, analysed, merge
from tests.relevance.articles import NOW, article

HEALTH = article("h", "Health data: what hospitals learned from AI pilots",
                 "Three hospitals share what worked when they put patient data to use.", "en")
HYDROGEN = article("b", "Grøn brint: første store anlæg i Esbjerg",
                   "Brint fra havvind skal erstatte naturgas i industrien.", "da")
FOOTBALL = article("f", "Football results", "The match ended two-nil after a late goal.", "en")
CYKEL = article("c", "Ny cykelsti langs havnen", "Kommunen åbner stien til sommer.", "da")


def matched(topic: str, *articles: Article) -> list[str]:
    index = ArticleIndex(RelevanceConfig())
    index.add(articles)
    found = index.match({"x": [Topic("x", topic, "note", NOW)]})
    return [m.article_id for m in found.get("x", ())]


def test_a_danish_topic_finds_an_english_article():
    assert matched("data i sundhed", HEALTH, FOOTBALL, CYKEL) == ["h"]


def test_an_english_topic_finds_a_danish_article():
    assert matched("green hydrogen", HYDROGEN, FOOTBALL, CYKEL) == ["b"]


def test_the_match_shows_the_topic_words_the_translation_came_from():
    index = ArticleIndex(RelevanceConfig())
    index.add([HYDROGEN, FOOTBALL])
    (match,) = index.match({"x": [Topic("x", "green hydrogen", "note", NOW)]})["x"]
    assert match.topic == "green hydrogen" and set(match.terms) == {"green", "hydrogen"}


def test_longest_phrase_first_and_alternatives_merged():
    lexicon = Lexicon.from_pairs([("wind", "vind"), ("wind farm", "vindmøllepark"),
                                  ("farm", "gård"), ("price", "pris"), ("cost", "pris")],
                                 None)
    assert lexicon.translate(["wind", "farm"], "en") == [(0, 2, [("vindmøllepark",)])]
    assert lexicon.translate(["pris"], "da") == [(0, 1, [("price", "cost")])]
    assert lexicon.translate(["cake"], "en") == []
    assert merge([("a", "b"), ("c",), ("d", "e")]) == [("a", "d"), ("b", "e")]


def test_the_shipped_table_is_the_shipped_lexicon_analysed():
    data = resources.files("kaffe.relevance").joinpath("data")
    text = gzip.decompress(data.joinpath("en_da.tsv.gz").read_bytes()).decode("utf-8")
    assert len(text.splitlines()) >= 2_000
    assert data.joinpath("en_da.bin").read_bytes() == analysed(text).encode(), (
        "run tools/lexicon_table.py")


def test_the_table_reads_back():
    lexicon = Lexicon.load()
    assert Lexicon.decode(lexicon.encode()).translations("en", ["hydrogen"]) == [("brint",)]
