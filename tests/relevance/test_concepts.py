"""Related concepts: a topic finds an article about the same thing in other words, in
English, in Danish and across; one ambiguous word does not; the reason names the concept."""

from __future__ import annotations

from functools import partial
from importlib import resources
from types import SimpleNamespace

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
    read_ambiguous,
    read_groups,
    read_related,
    read_splits,
    split_groups,
    word_zipf,
)
from kaffe.relevance.index import ArticleIndex
from kaffe.relevance.lexicon import phrase_stems
from kaffe.relevance.profile import adjusted
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


def matches(topic: str, *articles: Article, threshold: float | None = None,
            concepts_on: bool = True) -> tuple[Match, ...]:
    index = ArticleIndex(RelevanceConfig(concepts=concepts_on))
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


def test_a_split_moves_its_terms_into_a_new_group_after_all_others():
    rows = merged(read_groups("wine\tvineyards | wine exports | wine bars | sommelier\tvinbarer\n"
                              "beer\tbreweries\tbryggerier\n"))
    splits = read_splits("wine\twine__going_out\twine bars | sommelier | beer\tvinbarer\n"
                         "nope\tnope__x\tsomething\t\n"  # no such group: nothing
                         "beer\tbeer__x\tcider\t\n"  # a term the group lacks: nothing
                         "wine\tbeer\tvineyards\t\n"  # an id that exists: nothing
                         "malformed line\n")
    assert len(splits) == 4
    assert split_groups(rows, splits) == [
        ("wine", ["vineyards", "wine exports"], []), ("beer", ["breweries"], ["bryggerier"]),
        ("wine__going_out", ["wine bars", "sommelier"], ["vinbarer"])]
    table = Concepts.from_groups(split_groups(rows, splits), None)
    bars, exports = (table.runs(phrase_stems(t, "en", None), "en")[0][2]
                     for t in ("wine bars", "wine exports"))
    assert bars == (2,) and exports == (0,)


def test_the_shipped_table_is_the_shipped_thesaurus_analysed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.undo()
    data = resources.files("kaffe.relevance").joinpath("data")
    texts = [data.joinpath(name).read_text(encoding="utf-8") for name in SOURCES]
    assert sum(len(read_groups(t)) for t in texts) >= 100
    ambiguous = "\n".join(data.joinpath(name).read_text(encoding="utf-8")
                          for name in concepts.AMBIGUOUS)
    assert len(read_ambiguous(ambiguous)) >= 100
    related = "\n".join(data.joinpath(name).read_text(encoding="utf-8")
                        for name in concepts.LINKS)
    assert len(read_related(related)) >= 1000
    splits = "\n".join(data.joinpath(name).read_text(encoding="utf-8")
                       for name in concepts.SPLITS)
    assert data.joinpath("concepts.bin").read_bytes() == analysed(
        texts, ambiguous, related, splits).encode(), "run tools/concept_table.py"
    table = Concepts.load()
    again = Concepts.decode(table.encode())
    assert again.names == table.names and again.links == table.links
    assert sum(len(table.related(g)) for g in range(len(table.names))) >= 3000
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


def test_an_ambiguous_term_never_makes_its_group_present_alone():
    table = Background.load()
    # (a made-up second sense: the mechanism, not the word)
    rows = [("obesity_drugs", ["wegovy", "semaglutide", "wegovy pen"], ["vægttabsmedicin"])]
    plain = Concepts.from_groups(rows, Splitter(table).split, partial(word_zipf, table))
    marked = Concepts.from_groups(rows, Splitter(table).split, partial(word_zipf, table),
                                  read_ambiguous("obesity_drugs\twegovy\ta racehorse\n"))
    assert plain.present(["wegovi", "race"], "en") == {0: 1}  # a rare word alone
    assert marked.present(["wegovi", "race"], "en") == {}  # ... not when it is ambiguous
    assert marked.present(["wegovi", "semaglutid"], "en") == {0: 2}  # with a second term
    assert marked.present(["wegovi", "pen"], "en") == {0: 1}  # and a phrase of it is


def test_a_term_that_analysis_leaves_one_word_of_is_left_out(monkeypatch: pytest.MonkeyPatch):
    # "it" is a stop word (and numbers are not kept: "scope 3"): "IT procurement" and "IT
    # tender" would be the words "procurement" and "tender", two terms of the group in
    # any article about buying anything
    table = Background.load()
    rows = [("it_procurement", ["it procurement", "it tender", "software procurement"], [])]
    kept = Concepts.from_groups(rows, Splitter(table).split, partial(word_zipf, table))
    assert kept.present(["procur", "tender"], "en") == {}
    assert kept.present(["softwar", "procur", "tender"], "en") == {0: 1}
    monkeypatch.setattr(concepts, "COLLAPSED", False)
    before = Concepts.from_groups(rows, Splitter(table).split, partial(word_zipf, table))
    assert before.present(["procur", "tender"], "en") == {0: 2}


ROAD = article("road", "Singapore upgrades chip gantries",
               "New chip readers for the road tolls go live in May.", "en")


def test_topic_words_without_their_concept_count_a_quarter():
    # "chip" is a term of the semiconductors group, the article does not hold the group
    (plain,) = matches("chip", ROAD, threshold=0.0)
    assert plain.score == pytest.approx(concepts.ABSENT * matches(
        "chip", ROAD, threshold=0.0, concepts_on=False)[0].score, rel=1e-4)


def test_topic_words_and_their_concept_count_once():
    # term 1, 2: the words of a run that is a term of group term 9; term 3 another word
    profile = SimpleNamespace(runs=((frozenset({1, 2}), frozenset({9})),), named=((),),
                              related=(frozenset(),))
    assert adjusted(profile, {1: 2.0, 2: 1.0, 3: 4.0, 9: 5.0}, 0.25) == 9.0  # max(3, 5) + 4
    assert adjusted(profile, {1: 2.0, 2: 1.0, 3: 4.0, 9: 1.0}, 0.25) == 7.0  # max(3, 1) + 4
    assert adjusted(profile, {1: 2.0, 2: 2.0, 3: 4.0}, 0.25) == 5.0  # no group: 4 / 4 + 4
    assert adjusted(profile, {3: 4.0, 9: 5.0}, 0.25) == 9.0  # the group without the words
    # a run that is a term of two groups: the better group counts, once
    two = SimpleNamespace(runs=((frozenset({1, 2}), frozenset({8, 9})),), named=((),),
                          related=(frozenset(),))
    assert adjusted(two, {1: 3.0, 8: 2.0, 9: 5.0}, 0.25) == 5.0


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


def test_a_topic_that_is_one_specific_word_counts_whole_where_an_article_names_it():
    # term 1, 2: the two parts of a compound topic ("efteruddannelse"), a term of group 9
    named = SimpleNamespace(runs=((frozenset({1, 2, 3}), frozenset({9})),),
                            named=(((1, 3), (2,)),), related=(frozenset(),))
    assert adjusted(named, {1: 2.0, 2: 2.0}, 0.25) == 4.0  # both parts: the word itself
    assert adjusted(named, {3: 2.0, 2: 2.0}, 0.25) == 4.0  # (either stem of a part)
    assert adjusted(named, {1: 2.0}, 0.25) == 0.5  # one part only: a quarter
    common = SimpleNamespace(runs=named.runs, named=((),), related=(frozenset(),))
    assert adjusted(common, {1: 2.0, 2: 2.0}, 0.25) == 1.0


def test_an_article_holding_two_related_groups_scores_the_best_of_them():
    # terms 1, 2: a run of group 9; 20, 21, 22: groups related to 9; 3: another word
    profile = SimpleNamespace(runs=((frozenset({1, 2}), frozenset({9})),), named=((),),
                              related=(frozenset({20, 21, 22}),))
    assert adjusted(profile, {20: 6.0, 21: 9.0, 3: 1.0}, 0.25) == 10.0  # max(6, 9) + 1
    assert adjusted(profile, {21: 9.0, 3: 1.0}, 0.25) == 1.0  # one related group: nothing
    assert adjusted(profile, {9: 12.0, 20: 6.0, 21: 9.0}, 0.25) == 12.0  # the group wins
    assert adjusted(profile, {1: 4.0, 20: 2.0, 22: 1.0}, 0.25) == 2.0  # max(1/4 x 4, 2)


WAREHOUSE = [
    ("warehouse_automation", ["warehouse automation", "automated warehouse"],
     ["lagerautomatisering"]),
    ("robotics", ["robot", "robotics", "cobot"], ["robot", "robotteknologi"]),
    ("logistics", ["logistics", "freight", "third-party logistics"], ["logistik", "fragt"]),
    ("warehouse", ["warehouse", "distribution centre"], ["lager", "distributionscenter"]),
]
ROBOTS = article("robots", "Autonomous mobile robots cut picking times at a Dutch warehouse",
                 "The third-party logistics provider says its robots and cobots halved "
                 "walking distances between shelves, and freight volumes grew.", "en")
FACTORY = article("factory", "Car maker adds welding robots",
                  "The plant now has 400 robots and cobots on its lines.", "en")


def test_related_groups_find_an_article_that_names_none_of_the_topics_terms(
        monkeypatch: pytest.MonkeyPatch):
    table = Concepts.from_groups(WAREHOUSE, Splitter(Background.load()).split,
                                 related=[("warehouse_automation",
                                           ["robotics", "logistics", "warehouse", "nowhere"])])
    assert table.related(0) == (1, 2, 3) and table.related(1) == ()  # unknown ids left out
    assert Concepts.decode(table.encode()).related(0) == (1, 2, 3)
    monkeypatch.setattr(Concepts, "load", classmethod(lambda cls: table))
    (match,) = matches("lagerautomatisering", ROBOTS)  # robotics + logistics (+ warehouse)
    assert match.article_id == "robots"
    assert any("~" in term for term in match.terms), match.terms  # "... ~ robot"
    assert matches("lagerautomatisering", FACTORY) == ()  # robotics alone is not enough
    monkeypatch.setattr(concepts, "RELATED", 0.0)
    assert matches("lagerautomatisering", ROBOTS) == ()


WELLBEING = [
    ("burnout", ["burnout", "mental health at work", "work-related stress"], ["udbrændthed"]),
    ("mental_health", ["mental health", "mental illness", "anxiety"], ["psykisk sundhed"]),
    ("brand_strategy", ["branding", "brand refresh"], ["branding"]),
    ("employer_branding", ["employer branding"], ["employer branding"]),
]
PROGRAMMES = article("programmes", "Managers are the missing link in workplace mental health "
                     "programmes", "Employee assistance lines go unused when line managers "
                     "don't notice warning signs, a new report argues.", "en")
LIVERY = article("livery", "Airline unveils new logo and livery in brand refresh",
                 "The planes will be repainted in a darker blue with a simpler emblem.", "en")


def test_a_phrase_inside_a_longer_topic_term_queries_its_own_group(
        monkeypatch: pytest.MonkeyPatch):
    table = Concepts.from_groups(WELLBEING, Splitter(Background.load()).split)
    monkeypatch.setattr(Concepts, "load", classmethod(lambda cls: table))
    # "mental health at work" is a term of burnout, which the article does not hold; it
    # holds "mental health", a term inside the topic's term: the topic's words count whole
    (match,) = matches("mental health at work", PROGRAMMES)
    assert {"mental", "health"} <= set(match.terms), match.terms  # the words are the reason
    monkeypatch.setattr(concepts, "INNER", False)
    assert matches("mental health at work", PROGRAMMES) == ()
    monkeypatch.setattr(concepts, "INNER", True)
    # one word inside a term is not enough: "branding" of "employer branding" is a logo
    assert matches("employer branding", LIVERY) == ()
