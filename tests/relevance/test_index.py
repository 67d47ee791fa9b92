"""ArticleIndex: indexing once, filters, thresholds and the reasons of a match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kaffe.config.schema import RelevanceConfig
from kaffe.model import Article, Topic
from kaffe.relevance.index import ArticleIndex

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LOW = RelevanceConfig(threshold=0.1)

FILLER = [
    ("Football results", "The match ended two-nil after a late goal in the rain."),
    ("Apple cake recipe", "Bake the cake with butter, sugar and apples for an hour."),
    ("Weather warning", "Snow and icy roads expected across the region tonight."),
    ("Stock markets", "Shares fell as investors waited for the central bank."),
]


def article(aid: str, title: str, summary: str = "", *, age_days: float = 1,
            language: str = "en", tags: tuple[str, ...] = ()) -> Article:
    return Article(id=aid, feed="test", url=f"https://example.org/{aid}", title=title,
                   summary=summary, published=NOW - timedelta(days=age_days),
                   language=language, tags=tags)


def fillers() -> list[Article]:
    return [article(f"filler-{n}", t, s) for n, (t, s) in enumerate(FILLER)]


def topics(contact: str, *texts: str) -> list[Topic]:
    return [Topic(contact, text, "note", NOW - timedelta(days=30)) for text in texts]


def index_with(*articles: Article, config: RelevanceConfig = LOW) -> ArticleIndex:
    index = ArticleIndex(config)
    index.add([*articles, *fillers()])
    return index


def test_an_article_added_twice_is_indexed_once():
    index = ArticleIndex(LOW)
    first = article("a", "Data platform migration")
    assert index.add([first, first]) == 1
    assert index.add([first]) == 0
    assert len(index) == 1 and "a" in index
    found = index.match({"x": topics("x", "data platform")})
    assert [m.article_id for m in found["x"]] == ["a"]


def test_stemming_joins_migrating_and_migration():
    index = index_with(article("a", "Migration of the warehouse", "A migration story."))
    match = index.match({"x": topics("x", "migrating")})["x"][0]
    assert match.article_id == "a" and match.terms == ("migrating",)


def test_stemming_joins_danish_plural_and_singular():
    index = index_with(article("v", "Ny vindmølle ved kysten", language="da"))
    match = index.match({"x": topics("x", "Vindmøller")})["x"][0]
    assert match.article_id == "v" and match.terms == ("Vindmøller",)


def test_stop_words_never_match():
    index = index_with(article("s", "The and of it", "It is what it is, and that is that."),
                       article("d", "Det er og på", "Det er en god dag, og vi er her.",
                               language="da"))
    assert index.match({"x": topics("x", "the and of it", "det er og på")}) == {}
    found = index.match({"x": topics("x", "what is the cake")})["x"]
    assert all(m.terms == ("cake",) for m in found)


def test_terms_are_the_words_as_written_in_the_topic():
    index = index_with(article("a", "AI in healthcare", "Hospitals test AI for x-rays."))
    match = index.match({"x": topics("x", "AI for Healthcare", "healthcare budgets")})["x"][0]
    assert set(match.terms) == {"AI", "Healthcare"}
    assert match.topic == "AI for Healthcare"


def test_the_topic_sharing_most_weight_is_named():
    index = index_with(article("a", "Wind turbines offshore", "New wind turbines at sea."))
    found = index.match({"x": topics("x", "offshore sailing", "wind turbines")})
    assert found["x"][0].topic == "wind turbines"


def test_title_weighs_more_than_summary():
    index = index_with(article("t", "Kubernetes upgrade", "Notes from the week."),
                       article("s", "Notes from the week", "A kubernetes upgrade."))
    found = index.match({"x": topics("x", "kubernetes")})["x"]
    assert [m.article_id for m in found] == ["t", "s"]


def test_tags_count_as_terms():
    index = index_with(article("a", "Weekly notes", tags=("Kubernetes",)))
    assert index.match({"x": topics("x", "kubernetes")})["x"][0].article_id == "a"


def test_threshold_is_respected():
    index = index_with(article("a", "Kubernetes upgrade"), article("b", "Kubernetes"))
    scores = [m.score for m in index.match({"x": topics("x", "kubernetes")})["x"]]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)
    between = RelevanceConfig(threshold=(scores[0] + scores[1]) / 2)
    strict = index_with(article("a", "Kubernetes upgrade"), article("b", "Kubernetes"),
                        config=between)
    kept = strict.match({"x": topics("x", "kubernetes")})["x"]
    assert [m.score >= between.threshold for m in kept] == [True]
    high = index_with(article("a", "Kubernetes"), config=RelevanceConfig(threshold=999))
    assert high.match({"x": topics("x", "kubernetes")}) == {}


def test_min_terms_counts_distinct_words():
    one = article("one", "Kubernetes upgrade tips")
    two = article("two", "Kubernetes security hardening")
    index = index_with(one, two, config=RelevanceConfig(threshold=0.1, min_terms=2))
    found = index.match({"x": topics("x", "kubernetes security")})
    assert [m.article_id for m in found["x"]] == ["two"]
    # Two forms of one word are one term, not two.
    same = index.match({"y": topics("y", "migrating", "migration")})
    assert same == {}


def test_min_terms_looks_past_candidates_that_share_stems_but_one_word():
    # A Danish article with "omstil" and "omstilling" shares both stems of the one
    # topic word "omstilling": two stems, one word. Six such decoys outscore the
    # real two-word match and fill the first candidates; it must still be found.
    decoys = [article(f"d{n}", "Omstil omstilling omstilling", language="da") for n in range(6)]
    real = article("real", "Omstilling og vindmøller",
                   "Et langt referat fra et møde om energi, klima, transport, byggeri, "
                   "landbrug, skat og penge i regionen.", language="da")
    others = [article(f"f{n}", f"Filler number {n} about things") for n in range(200)]
    index = ArticleIndex(RelevanceConfig(threshold=0.1, min_terms=2))
    index.add([*decoys, real, *others])
    found = index.match({"x": topics("x", "omstilling vindmøller")}, limit=1)
    assert [m.article_id for m in found["x"]] == ["real"]
    assert set(found["x"][0].terms) == {"omstilling", "vindmøller"}


def test_exclude_skips_articles_already_sent_to_that_contact():
    index = index_with(article("a", "Kubernetes upgrade"), article("b", "Kubernetes news"))
    profiles = {"x": topics("x", "kubernetes"), "y": topics("y", "kubernetes")}
    found = index.match(profiles, exclude={"x": {"a", "unknown-id"}})
    assert [m.article_id for m in found["x"]] == ["b"]
    assert {m.article_id for m in found["y"]} == {"a", "b"}


def test_since_keeps_recent_articles_and_uses_fetched_time_without_published():
    old = article("old", "Kubernetes upgrade", age_days=40)
    undated = Article(id="undated", feed="t", url="u", title="Kubernetes news")
    index = ArticleIndex(LOW)
    index.add([old, *fillers()])
    index.add([undated], fetched=NOW)
    found = index.match({"x": topics("x", "kubernetes")}, since=NOW - timedelta(days=14))
    assert [m.article_id for m in found["x"]] == ["undated"]


def test_discard_older_than_drops_and_refuses_old_articles():
    old, new = article("old", "Kubernetes upgrade", age_days=40), article("new", "Kubernetes")
    index = index_with(old, new)
    index.match({"x": topics("x", "kubernetes")})  # weights built before the discard
    assert index.discard_older_than(NOW - timedelta(days=30)) == 1
    assert "old" not in index and "new" in index
    assert index.add([old]) == 0  # the feed still lists it: not taken back
    found = index.match({"x": topics("x", "kubernetes")})
    assert [m.article_id for m in found["x"]] == ["new"]


def test_articles_added_after_a_match_are_found_next_time():
    index = index_with(article("a", "Kubernetes upgrade"))
    assert [m.article_id for m in index.match({"x": topics("x", "kubernetes")})["x"]] == ["a"]
    index.add([article("b", "Kubernetes kubernetes kubernetes")])
    assert index.match({"x": topics("x", "kubernetes")})["x"][0].article_id == "b"


def test_topics_changing_between_runs_are_recompiled():
    index = index_with(article("a", "Kubernetes upgrade"), article("b", "Wind turbines"))
    assert index.match({"x": topics("x", "kubernetes")})["x"][0].article_id == "a"
    assert index.match({"x": topics("x", "turbines")})["x"][0].article_id == "b"


def test_limit_and_contacts_without_matches():
    index = index_with(*(article(f"k{n}", f"Kubernetes {n}") for n in range(8)))
    found = index.match({"x": topics("x", "kubernetes"), "y": topics("y", "sailing")},
                        limit=3)
    assert len(found["x"]) == 3 and "y" not in found


@pytest.mark.parametrize("profiles", [{}, {"x": []}, {"x": topics("x", "", "  ")}])
def test_nothing_to_match(profiles):
    assert index_with(article("a", "Kubernetes")).match(profiles) == {}


def test_an_empty_index_matches_nothing():
    assert ArticleIndex(LOW).match({"x": topics("x", "kubernetes")}) == {}
    assert ArticleIndex(LOW).discard_older_than(NOW) == 0


def test_contacts_with_the_same_topics_match_alike_and_change_alone():
    index = index_with(article("a", "Green hydrogen plant opens", "Electrolysers at scale."),
                       article("b", "Heat pumps for flats", "Installers are busy."))
    same = {c: topics(c, "green hydrogen") for c in ("x", "y")}
    found = index.match(same)
    assert [m.article_id for m in found["x"]] == [m.article_id for m in found["y"]] == ["a"]
    changed = {"x": topics("x", "heat pumps"), "y": topics("y", "green hydrogen")}
    found = index.match(changed)
    assert [m.article_id for m in found["x"]] == ["b"]
    assert [m.article_id for m in found["y"]] == ["a"]
