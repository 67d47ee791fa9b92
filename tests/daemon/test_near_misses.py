"""Near misses (``kaffe plan`` only): for contacts without a match, the best fresh
articles that share a word with their topics however low they score, asked with a
threshold for that one call (the index's config is left alone); the daemon's cycles
never ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kaffe.config.schema import RelevanceConfig
from kaffe.daemon.memo import CycleMemo, near_misses
from kaffe.model import Article, Topic
from kaffe.relevance.live import Relevance
from kaffe.store import Store
from tests.rules.factories import make_config

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
ANA, BO, CY = "ana@x.dk", "bo@y.dk", "cy@z.dk"
HIGH = 500.0  # no pair can reach it: every pair with a shared word is a near miss


def article(n: int, title: str, summary: str, age_days: float = 1) -> Article:
    return Article(f"a{n}", "Feed", f"https://news.example/{n}", title, summary,
                   NOW - timedelta(days=age_days), "da")


ARTICLES = [
    article(1, "Grøn brint: første store anlæg", "Brint fra havvind erstatter naturgas."),
    article(2, "Fem opskrifter på boller", "Bagning med hele familien."),
    article(3, "Gammel nyhed om brint", "Brint i 2020.", age_days=60),
]


def topics(*pairs: tuple[str, str]) -> dict[str, tuple[Topic, ...]]:
    return {c: (Topic(c, text, "note", NOW),) for c, text in pairs}


def relevance(tmp_path: Path, threshold: float) -> Relevance:
    config = make_config(relevance=RelevanceConfig(threshold=threshold))
    found = Relevance(config)
    with Store.open(tmp_path / "kaffe.db") as store:
        found.update(store, ARTICLES, NOW)
    return found


def test_the_best_fresh_articles_below_the_threshold(tmp_path: Path) -> None:
    live = relevance(tmp_path, HIGH)
    known = topics((ANA, "grøn brint"), (BO, "kvantecomputere"))
    assert live.matches(known, {}, [ANA, BO], NOW) == {}  # nothing reaches the threshold
    near = near_misses(live, known, {}, [ANA, BO, CY], NOW)
    assert set(near) == {ANA}  # Bo shares no word with any article, Cy has no topics
    (best, *_) = near[ANA]
    assert best.article_id == "a1" and 0 < best.score < HIGH
    assert "a3" not in {m.article_id for m in near[ANA]}  # too old to be matched
    assert live.index.config.threshold == HIGH  # as it was


def test_articles_already_shared_are_left_out(tmp_path: Path) -> None:
    live = relevance(tmp_path, HIGH)
    near = near_misses(live, topics((ANA, "grøn brint")), {ANA: {"a1"}}, [ANA], NOW)
    assert near == {}


def test_a_lower_threshold_for_one_call_leaves_the_next_as_configured(tmp_path: Path) -> None:
    live = relevance(tmp_path, HIGH)
    known = topics((ANA, "grøn brint"))
    low = live.matches(known, {}, [ANA], NOW, threshold=1e-9)
    assert [m.article_id for m in low[ANA]] == ["a1"]
    assert live.matches(known, {}, [ANA], NOW) == {}  # the configured threshold again
    top = low[ANA][0].score
    assert live.matches(known, {}, [ANA], NOW, threshold=top) == low
    assert live.matches(known, {}, [ANA], NOW, threshold=top + 0.01) == {}


def test_no_articles_no_near_misses(tmp_path: Path) -> None:
    live = Relevance(make_config())
    assert near_misses(live, topics((ANA, "grøn brint")), {}, [ANA], NOW) == {}
    live = relevance(tmp_path, HIGH)
    assert near_misses(live, topics((ANA, "grøn brint")), {}, [], NOW) == {}


def test_the_config_object_is_not_changed(tmp_path: Path) -> None:
    live = relevance(tmp_path, HIGH)
    before = live.index.config
    near_misses(live, topics((ANA, "grøn brint")), {}, [ANA], NOW)
    assert live.index.config is before


def test_only_a_dry_run_looks_for_them(tmp_path: Path) -> None:
    config = make_config()
    live = Relevance(config)
    with Store.open(tmp_path / "kaffe.db") as store:
        memo = CycleMemo(store)
        assert memo.build(NOW, config, live)[0].near is None  # the daemon's cycle
        assert memo.build(NOW, config, live, near=True)[0].near == {}  # `kaffe plan`
