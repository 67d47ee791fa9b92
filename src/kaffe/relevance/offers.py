"""Which of your ``[me] offer`` fits a person best: the offers ranked against a text
(their company, role, theme, topics) by the word stems they share, English and Danish.

Pure and small. The stemmers (:mod:`.text`) are imported on the first match only, so a
configuration without offers never loads them (the daemon without feeds stays as
light as before)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class OfferMatch:
    """One offer and the words of it that the text shares (as written in the offer)."""

    offer: str
    shared: tuple[str, ...]

    @property
    def score(self) -> int:
        return len(self.shared)


def _stems(text: str) -> dict[str, str]:
    """Every stem (en and da) of the content words of ``text`` -> the word as written."""
    from kaffe.relevance.text import topic_words  # the stemmers: only when asked

    found: dict[str, str] = {}
    for word in topic_words(text):
        for stem in word.stems:
            found.setdefault(stem, word.surface)
    return found


def rank_offers(offers: Sequence[str], texts: Iterable[str]) -> list[OfferMatch]:
    """The ``offers`` that share at least one content word (by stem) with ``texts``,
    most shared words first; ties keep the order you listed them in."""
    about = " ".join(t for t in texts if t)
    if not offers or not about.strip():
        return []
    wanted = set(_stems(about))
    ranked = []
    for offer in offers:
        words = _stems(offer)
        shared = tuple(dict.fromkeys(words[s] for s in words if s in wanted))
        if shared:
            ranked.append(OfferMatch(offer, shared))
    return sorted(ranked, key=lambda m: -m.score)  # stable: your order on ties


def best_offer(offers: Sequence[str], texts: Iterable[str]) -> OfferMatch | None:
    """The offer that fits ``texts`` best (:func:`rank_offers`), None when none shares
    a word."""
    ranked = rank_offers(offers, texts)
    return ranked[0] if ranked else None
