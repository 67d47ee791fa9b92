"""The [me] offer matcher: offers ranked by the stems they share with a person."""

from __future__ import annotations

import subprocess
import sys

from kaffe.relevance.offers import best_offer, rank_offers

OFFERS = (
    "ten years of warehouse automation",
    "an introduction to the Aarhus robotics meetup",
    "hiring and growing data teams",
)


def test_best_offer_by_shared_stems() -> None:
    found = best_offer(OFFERS, ["Nordic Robots", "Head of Robotics", "warehouses"])
    assert found is not None
    assert found.offer == "ten years of warehouse automation"  # listed first on a tie
    assert found.shared == ("warehouse",)
    ranked = rank_offers(OFFERS, ["robotic warehouses and automated picking"])
    assert ranked[0].offer == "ten years of warehouse automation"
    assert set(ranked[0].shared) == {"warehouse", "automation"}
    assert [m.offer for m in ranked][1] == "an introduction to the Aarhus robotics meetup"


def test_danish_stems_match() -> None:
    offers = ("erfaring med dataplatforme", "kontakter i energisektoren")
    found = best_offer(offers, ["Vindmøller og energisektoren"])
    assert found is not None and found.offer == "kontakter i energisektoren"


def test_no_shared_word_no_offer() -> None:
    assert best_offer(OFFERS, ["Bakery", "Head chef"]) is None
    assert best_offer((), ["warehouse"]) is None
    assert best_offer(OFFERS, ["", " "]) is None


def test_ties_keep_your_order() -> None:
    offers = ("data teams", "data platforms")
    assert [m.offer for m in rank_offers(offers, ["data"])] == ["data teams", "data platforms"]


def test_importing_loads_no_stemmer() -> None:
    """Neither the matcher nor the daemon loads what a config without offers, targets
    or notes does not use (the bench's memory budget)."""
    unused = ("snowballstemmer", "numpy", "csv", "kaffe.topics.targets", "kaffe.rules.outreach")
    code = ("import sys, kaffe.relevance.offers, kaffe.daemon.runtime; "
            f"print([m for m in {unused!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
