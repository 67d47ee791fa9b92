"""The trends notebook: topics grouped into themes (stems, compounds, en <-> da), ranked
by how many people raised them and how recently."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaffe.model import Article, Match, Topic
from kaffe.relevance.background import Background
from kaffe.relevance.compounds import Splitter
from kaffe.relevance.lexicon import Lexicon
from kaffe.topics.trends import (
    Analysis,
    articles_on,
    concept,
    covers,
    others_on,
    profiles,
    theme_analysis,
    themes,
)

NOW = datetime(2026, 4, 1, 9, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def lexicon() -> Analysis:
    return Analysis(Lexicon.load())


@pytest.fixture(scope="module")
def full() -> Analysis:
    return Analysis(Lexicon.load(), Splitter(Background.load()).split)


def said(*items: tuple[str, str, float]) -> dict[str, tuple[Topic, ...]]:
    """(contact, topic, days ago) -> the topics mapping the store gives."""
    out: dict[str, list[Topic]] = {}
    for contact, text, days in items:
        out.setdefault(contact, []).append(Topic(contact, text, "note", NOW - days * DAY))
    return {c: tuple(t) for c, t in out.items()}


def grouped(found) -> list[set[str]]:
    return [set(t.texts) for t in found]


def test_green_hydrogen_in_both_languages_and_hydrogen_are_one_theme(lexicon) -> None:
    found = themes(said(("a@x", "grøn brint", 3), ("b@x", "green hydrogen", 20),
                        ("c@x", "hydrogen", 40), ("d@x", "green energy", 1)), NOW, lexicon)
    assert {"grøn brint", "green hydrogen", "hydrogen"} in grouped(found)
    assert {"green energy"} in grouped(found)  # green, but not hydrogen: its own theme


def test_without_the_lexicon_the_languages_stay_apart() -> None:
    found = themes(said(("a@x", "grøn brint", 3), ("b@x", "green hydrogen", 20)), NOW,
                   Analysis())
    assert len(found) == 2


def test_word_forms_join_by_stem(lexicon) -> None:
    found = themes(said(("a@x", "vindmøller", 1), ("b@x", "vindmølle", 2)), NOW, lexicon)
    assert grouped(found) == [{"vindmøller", "vindmølle"}]


def test_compounds_join_when_split(full, lexicon) -> None:
    topics = said(("a@x", "data quality", 1), ("b@x", "dataquality", 2))
    assert len(themes(topics, NOW, lexicon)) == 2
    assert grouped(themes(topics, NOW, full)) == [{"data quality", "dataquality"}]


def test_a_broad_word_joins_one_theme_and_does_not_chain_two(lexicon) -> None:
    found = themes(said(("a@x", "data quality", 1), ("b@x", "data mesh", 2),
                        ("c@x", "data mesh", 3), ("d@x", "data", 4)), NOW, lexicon)
    assert grouped(found) == [{"data mesh", "data"}, {"data quality"}]
    assert found[0].label == "data mesh"  # the wording most people used


def test_ranked_by_people_weighted_by_recency(lexicon) -> None:
    found = themes(said(("a@x", "ports", 400), ("b@x", "ports", 400), ("c@x", "ports", 400),
                        ("a@x", "dbt", 1), ("d@x", "dbt", 2),
                        ("e@x", "kafka", 1)), NOW, lexicon)
    assert [t.label for t in found] == ["dbt", "kafka", "ports"]
    assert found[0].score == pytest.approx(0.5 ** (1 / 90) + 0.5 ** (2 / 90), abs=1e-4)
    assert found[2].score == pytest.approx(3 * 0.5 ** (400 / 90), abs=1e-4)


def test_one_mention_per_person_their_latest_with_name_and_date(lexicon) -> None:
    found = themes(said(("a@x", "hydrogen", 30), ("a@x", "grøn brint", 5),
                        ("b@x", "hydrogen", 10)), NOW, lexicon, names={"a@x": "Ana"})
    (theme,) = found
    assert [(m.contact, m.text, m.name, m.at) for m in theme.mentions] == [
        ("a@x", "grøn brint", "Ana", NOW - 5 * DAY), ("b@x", "hydrogen", "", NOW - 10 * DAY)]
    assert theme.latest == NOW - 5 * DAY


def test_a_meetings_topics_after_now_are_not_raised_yet(lexicon) -> None:
    agenda = Topic("a@x", "dbt", "event:google:primary/up", NOW + 2 * DAY)
    found = themes({"a@x": (agenda,), **said(("b@x", "dbt", 1))}, NOW, lexicon)
    assert [m.contact for m in found[0].mentions] == ["b@x"]
    assert themes({"a@x": (agenda,)}, NOW, lexicon) == ()


def test_a_note_dated_after_now_counts_as_raised_now(lexicon) -> None:
    (theme,) = themes(said(("a@x", "dbt", -2)), NOW, lexicon)
    assert theme.latest == NOW and theme.score == 1.0


def test_nothing_gives_nothing(lexicon) -> None:
    assert themes({}, NOW, lexicon) == ()
    assert themes(said(("a@x", "the and", 1)), NOW, lexicon) == ()  # stop words only


def test_known_concepts_are_reused_and_filled(lexicon) -> None:
    known: dict = {}
    themes(said(("a@x", "dbt", 1)), NOW, lexicon, known=known)
    assert set(known) == {"dbt"}
    known["dbt"] = concept("kafka", lexicon)  # a remembered reading is used as is
    assert themes(said(("a@x", "dbt", 1)), NOW, lexicon, known=known)[0].label == "dbt"


def test_the_lexicon_reads_without_numpy() -> None:
    """Trends group topics with it in a daemon that has no feeds, which never loads numpy."""
    code = ("import sys; from kaffe.relevance.lexicon import Lexicon; "
            "assert Lexicon.load().translations('da', ('grøn', 'brint')); "
            "assert 'numpy' not in sys.modules, 'numpy loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_theme_analysis_splits_only_when_asked() -> None:
    assert theme_analysis(False).split is None
    assert theme_analysis(True).split is not None


def test_others_on_a_theme(lexicon) -> None:
    found = themes(said(("a@x", "grøn brint", 3), ("b@x", "green hydrogen", 20),
                        ("c@x", "hydrogen", 40), ("a@x", "dbt", 1)), NOW, lexicon)
    ((theme, own, others),) = others_on(found, "a@x")
    assert own.text == "grøn brint"
    assert [m.contact for m in others] == ["b@x", "c@x"]
    assert [m.contact for m in others_on(found, "a@x", frozenset({"b@x"}))[0][2]] == ["c@x"]


def test_profiles_and_articles_per_theme(lexicon) -> None:
    found = themes(said(("a@x", "dbt", 1), ("b@x", "kafka", 2)), NOW, lexicon)
    wanted = profiles(found)
    assert {k: [t.text for t in v] for k, v in wanted.items()} == {
        "theme:0": ["dbt"], "theme:1": ["kafka"]}
    art = Article("a1", "Feed", "https://x/a1", "dbt at scale", published=NOW)
    matches = {"theme:0": (Match("theme:0", "a1", 9.0, ("dbt",), "dbt"),
                           Match("theme:0", "gone", 8.0, ("dbt",), "dbt"))}
    assert articles_on(found, matches, {"a1": art}) == [[art], []]


WORDS = st.sampled_from(["data", "mesh", "quality", "hydrogen", "brint", "grøn", "green",
                         "vind", "ports", "dbt", "kafka", "energi", "energy"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a@x", "b@x", "c@x", "d@x"]),
                          st.lists(WORDS, min_size=1, max_size=3).map(" ".join),
                          st.integers(0, 500)), max_size=12))
def test_every_topic_lands_in_exactly_one_theme(items) -> None:
    analysis = Analysis(Lexicon.load())
    found = themes(said(*items), NOW, analysis)
    texts = [t for theme in found for t in theme.texts]
    assert sorted(texts) == sorted({text for _, text, _ in items})
    for theme in found:
        assert len({m.contact for m in theme.mentions}) == len(theme.mentions)
        assert 0 < theme.score <= len(theme.mentions)
    scores = [t.score for t in found]
    assert scores == sorted(scores, reverse=True)


def test_covers_is_word_by_word(lexicon) -> None:
    big, small = concept("green hydrogen", lexicon), concept("brint", lexicon)
    assert covers(big, small) and not covers(small, big)


def test_a_kept_grouping_is_reused_while_the_topics_stay_and_redone_when_they_change(
        lexicon) -> None:
    from kaffe.topics.trends import Grouped

    kept = Grouped()
    topics = said(("a@x", "grøn brint", 3), ("b@x", "green hydrogen", 20))
    first = themes(topics, NOW, lexicon, grouped=kept)
    assert kept.groups == [["green hydrogen", "grøn brint"]]
    kept.groups = [["green hydrogen"], ["grøn brint"]]  # a stale answer is used as is...
    assert len(themes(topics, NOW + DAY, lexicon, grouped=kept)) == 2
    more = {**topics, **said(("c@x", "hydrogen", 1))}
    (theme,) = themes(more, NOW, lexicon, grouped=kept)  # ...until the topics change
    assert len(theme.mentions) == 3 and first[0].label in theme.texts


def test_names_from_contacts_then_invitations() -> None:
    from kaffe.model import Attendee, Contact, Event
    from kaffe.topics.trends import names_of

    event = Event(id="e", calendar="c", summary="Coffee", start=NOW, end=NOW,
                  attendees=(Attendee("a@x", "Ana from the invite"), Attendee("b@x", "Bo"),
                             Attendee("c@x")))
    found = names_of({"a@x": Contact("a@x", "Ana Silva"), "d@x": Contact("d@x")}, [event])
    assert found == {"a@x": "Ana Silva", "b@x": "Bo"}
