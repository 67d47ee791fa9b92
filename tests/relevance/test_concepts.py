"""Related concepts: a topic finds an article about the same thing in other words, in
English, in Danish and across; one ambiguous word does not; the reason names the concept."""

from __future__ import annotations

from functools import partial
from importlib import resources

import pytest

from kaffe.config.schema import RelevanceConfig
from kaffe.model import Article, Match, Topic
from kaffe.relevance import concepts
from kaffe.relevance.background import Background
from kaffe.relevance.compounds import Splitter
from kaffe.relevance.concepts import (
    SOURCES,
    Concepts,
    analysed,
    merged,
    read_groups,
    word_zipf,
)
from kaffe.relevance.index import ArticleIndex
from tests.relevance.articles import NOW, article

GROUPS = [
    ("semiconductors", ["semiconductor", "chip", "microchip", "foundry", "wafer", "chip plant"],
     ["halvleder", "chip", "mikrochip", "chipfabrik", "wafer"]),
    ("venture_capital", ["venture capital", "seed round", "angel investor", "startup funding"],
     ["venturekapital", "risikovillig kapital", "såkornsrunde", "business angel"]),
    ("food_waste", ["food waste", "surplus food", "leftovers"], ["madspild", "overskudsmad"]),
]


CHIPS = article("chips", "New plant opens in Arizona",
                "The foundry will make wafers for processors and microchips.", "en")
CHIPS_DA = article("chips-da", "Ny chipfabrik åbner i Arizona",
                   "Fabrikken skal lave mikrochips og wafers til processorer.", "da")
SEED = article("seed", "Fintech startup closes seed round",
               "The company raised startup funding from an angel investor and two funds.", "en")
SEED_DA = article("seed-da", "Ung virksomhed henter penge i såkornsrunde",
                  "Virksomheden har fået risikovillig kapital fra en business angel.", "da")
POTATO = article("potato", "Potato chips sales rise",
                 "Snack makers sold more crisps and chip dips this summer.", "en")
FOOTBALL = article("football", "Football results",
                   "The match ended two-nil after a late goal.", "en")
SURPLUS = article("surplus", "App sells surplus food from bakeries",
                  "Restaurants list what they did not sell; users pick it up cheaply.", "en")


@pytest.fixture(autouse=True)
def tiny(monkeypatch: pytest.MonkeyPatch) -> Concepts:
    table = Concepts.from_groups(GROUPS, Splitter(Background.load()).split)
    monkeypatch.setattr(Concepts, "load", classmethod(lambda cls: table))
    return table


def matches(topic: str, *articles: Article, threshold: float | None = None
            ) -> tuple[Match, ...]:
    index = ArticleIndex(RelevanceConfig(concepts=True))
    index.add([*articles, FOOTBALL])
    found = index.match({"x": [Topic("x", topic, "note", NOW)]}, threshold=threshold)
    return found.get("x", ())


def test_a_concept_bridges_topic_and_article_in_english():
    assert [m.article_id for m in matches("semiconductors", CHIPS)] == ["chips"]
    assert [m.article_id for m in matches("venture capital", SEED)] == ["seed"]


def test_a_concept_bridges_in_danish():
    assert [m.article_id for m in matches("halvledere", CHIPS_DA)] == ["chips-da"]
    assert [m.article_id for m in matches("venturekapital", SEED_DA)] == ["seed-da"]


def test_a_concept_bridges_across_languages():
    assert [m.article_id for m in matches("semiconductors", CHIPS_DA)] == ["chips-da"]
    assert [m.article_id for m in matches("madspild", SURPLUS)] == ["surplus"]


def test_one_ambiguous_word_is_not_the_concept():
    assert matches("semiconductors", POTATO) == ()


def test_without_the_option_nothing_bridges():
    index = ArticleIndex(RelevanceConfig(concepts=False))
    index.add([CHIPS, FOOTBALL])
    assert index.match({"x": [Topic("x", "semiconductors", "note", NOW)]}) == {}


def test_the_reason_names_the_concept():
    (match,) = matches("semiconductors", CHIPS)
    assert match.terms == ("≈ semiconductor",)  # the group's first term
    # a run of the topic's words is the concept's term: it weighs what those words weigh
    (match,) = matches("Nordic venture capital", SEED, threshold=0.0)
    assert match.terms == ("≈ venture capital",) and match.score < matches(
        "venture capital", SEED)[0].score


def test_groups_present_need_two_terms_or_a_phrase(tiny: Concepts):
    assert tiny.present(["chip", "wafer"], "en") == {0: 2}
    assert tiny.present(["chip", "dip"], "en") == {}
    assert tiny.present(["seed", "round"], "en") == {1: 1}  # a phrase alone
    assert tiny.present(["round", "seed"], "en") == {}  # not in order


def test_malformed_lines_are_skipped():
    text = "a\tone | two\ten\tx\nbroken line\nb\t\t\tx\n# note\tx\ty\tz\nc\tthree\t\tx\n"
    assert read_groups(text) == [("a", ["one", "two"], ["en"]), ("c", ["three"], [])]


def test_a_later_line_of_a_known_id_adds_terms_to_its_group():
    rows = read_groups("a\tone | two\ten\tx\nb\tthree\tto\ty\n") + read_groups(
        "a\ttwo | four\tfire\n")
    assert merged(rows) == [("a", ["one", "two", "four"], ["en", "fire"]),
                            ("b", ["three"], ["to"])]


def test_the_shipped_table_is_the_shipped_thesaurus_analysed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.undo()
    data = resources.files("kaffe.relevance").joinpath("data")
    texts = [data.joinpath(name).read_text(encoding="utf-8") for name in SOURCES]
    assert sum(len(read_groups(t)) for t in texts) >= 100
    assert data.joinpath("concepts.bin").read_bytes() == analysed(texts).encode(), (
        "run tools/concept_table.py")
    table = Concepts.load()
    assert Concepts.decode(table.encode()).names == table.names
    assert concepts.MAX_RUN >= 2


def test_one_rare_word_is_the_concept_a_common_one_is_not():
    table = Background.load()
    rows = [("obesity_drugs", ["wegovy", "weight loss drug", "obesity"], ["vægttabsmedicin"]),
            *GROUPS]
    rows += [("trucks", ["truck", "lorry"], ["lastbil"])]
    rare = Concepts.from_groups(rows, Splitter(table).split, partial(word_zipf, table))
    assert rare.present(["wegovi", "sale"], "en") == {0: 1}  # unknown to ordinary text
    assert rare.present(["obes", "rate"], "en") == {}  # an ordinary word
    assert rare.present(["chip", "sale"], "en") == {}
    assert rare.present(["last", "bil", "væl"], "da") == {}  # a common compound: one word


def test_the_table_is_read_once_with_the_first_article(monkeypatch: pytest.MonkeyPatch,
                                                        tiny: Concepts):
    reads = []
    monkeypatch.setattr(Concepts, "load", classmethod(lambda cls: reads.append(1) or tiny))
    index = ArticleIndex(RelevanceConfig())
    assert reads == []
    index.add([CHIPS])
    index.add([SEED])
    index.match({"x": [Topic("x", "semiconductors", "note", NOW)]})
    assert reads == [1]


def test_kaffe_plan_names_the_concept():
    from kaffe.rules.cadence import match_reason

    (match,) = matches("halvledere", CHIPS)
    assert "(terms: halvledere ≈ semiconductor;" in match_reason(match, CHIPS)
