"""bench/relevance.py: the labelled-pairs harness runs through the daemon's matcher, and
set A (development) does not fall below what the current method reaches."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from kaffe.config.schema import Config, RelevanceConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import relevance  # noqa: E402


def test_harness_prints_a_row_per_size_and_part(monkeypatch):
    monkeypatch.setattr(relevance, "realworld_articles", lambda: [])
    out = io.StringIO()
    args = relevance.parser().parse_args(["--sets", "a", "--sizes", "2,30"])
    rows = relevance.rows(args)
    relevance.print_table(rows, out)
    assert [r[1] for r in rows] == [f"N={n} {p}" for n in (2, 30)
                                    for p in ("within", "across", "all")]
    assert "P " in out.getvalue() and "relevance set A" in out.getvalue()


def test_a_pair_matches_only_through_its_own_article():
    pairs = relevance.load_pairs("a")[:20]
    config = Config(relevance=RelevanceConfig(threshold=0.0))
    scores = relevance.scores_at(pairs, [], 10, config)
    again = relevance.scores_at(pairs, [], 10, config)
    assert scores == again  # seeded
    assert set(scores) <= {p.id for p in pairs}
    # a threshold above every score matches nothing
    tally = relevance.tallies(pairs, scores, max(scores.values()) + 1)["all"]
    assert tally.found == tally.wrong == 0


@pytest.mark.parametrize(("size", "precision", "recall"), [
    (2, 0.91, 0.79), (100, 0.91, 0.79), (1000, 0.91, 0.79),
])
def test_set_a_floor(size, precision, recall):
    tally = relevance.evaluate("a", [size], Config())[size]["all"]
    assert tally.precision >= precision
    assert tally.recall >= recall
