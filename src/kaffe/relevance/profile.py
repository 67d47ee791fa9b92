"""A contact's topics compiled into query terms, and the reason for a match.

A profile is the set of term ids of all the contact's topic words (each word
brings its English and its Danish stem). To explain a match it keeps, per term,
the words as you wrote them, and per topic its own terms, so that a Match can
say which words matched and which single topic shares most with the article.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kaffe.model import Topic
from kaffe.relevance import concepts as thesaurus
from kaffe.relevance.concepts import concept_stem
from kaffe.relevance.text import (
    LANGUAGES,
    Split,
    TopicWord,
    guess_language,
    stem,
    tokens,
    topic_words,
)

if TYPE_CHECKING:
    from kaffe.relevance.concepts import Concepts
    from kaffe.relevance.lexicon import Lexicon

# A translated topic's words weigh this much of what the topic's own words weigh.
TRANSLATED = 1.0


@dataclass(frozen=True)
class Profile:
    """The compiled topics of one contact."""

    terms: np.ndarray  # sorted, unique term ids (int32)
    words: Mapping[int, tuple[str, ...]]  # term id -> surface words, first seen first
    topics: tuple[tuple[str, frozenset[int]], ...]  # (topic text, its term ids)
    # per topic (in the order of ``topics``), its words, each as the ids of its stems
    groups: tuple[tuple[tuple[int, ...], ...], ...] = ()
    # per topic, per word of ``groups``: the word as written it belongs to (the parts of
    # a compound share one)
    units: tuple[tuple[int, ...], ...] = ()
    # per entry of ``groups``: how much its words weigh (translations: TRANSLATED)
    scales: tuple[float, ...] = ()
    # concept terms: (term id, entry of ``groups``, start, end, last): the words start:end
    # of that entry (a topic as written) are a term of the concept group
    # (:mod:`.concepts`); the entries up to ``last`` are the topic's translations
    concepts: tuple[tuple[int, int, int, int, int], ...] = ()
    # each run of topic words that is a term of some groups, once: the term ids that stand
    # for its words (their stems in both languages, and the stems of translations of just
    # those words), and the concept terms of its groups and of the groups of the phrases
    # inside it (:func:`inner_runs`) (:func:`adjusted`)
    runs: tuple[tuple[frozenset[int], frozenset[int]], ...] = ()
    # per entry of ``runs``: for a run that is the whole topic, one word as written and a
    # term specific enough (:data:`.concepts.NAMED_ZIPF`), per part of the word the ids
    # of its own stems (not translations): an article holding them all names the topic
    # itself; else ()
    named: tuple[tuple[tuple[int, ...], ...], ...] = ()
    # per entry of ``runs``: the concept terms of the groups related to its groups
    # (:meth:`.concepts.Concepts.related`), none of them a group of a run of the profile
    related: tuple[frozenset[int], ...] = ()
    # related concept terms: (term id, entry of ``groups``, start, end) as in ``concepts``
    links: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why an article matched: the words, how many distinct ones, the best topic."""

    terms: tuple[str, ...]
    distinct: int
    topic: str


def compile_profile(topics: Sequence[Topic], term_id: Callable[[str], int],
                    split: Split | None = None, lexicon: Lexicon | None = None,
                    concepts: Concepts | None = None) -> Profile:
    """Compile ``topics`` into a :class:`Profile`; ``term_id`` maps a stem to its id;
    ``split`` splits compounds (:func:`.text.topic_words`); with ``lexicon`` each topic
    is matched in translation too (:func:`translated`), its words weighing
    :data:`TRANSLATED`; with ``concepts``, a topic (or a run of its words) that is a
    term of a concept group also queries that group (:func:`concept_runs`)."""
    words: dict[int, list[str]] = {}
    compiled = []
    groups: list[tuple[tuple[int, ...], ...]] = []
    units: list[tuple[int, ...]] = []
    scales: list[float] = []
    bridges: list[tuple[int, int, int, int, int]] = []
    spans: list[set[int]] = []
    wholes: list[tuple[tuple[int, ...], ...]] = []
    nears: list[set[int]] = []
    links: list[tuple[int, int, int, int]] = []
    anchors: dict[int, int] = {}  # inner run's bridge -> its outer run's bridge
    for text in dict.fromkeys(t.text.strip() for t in topics if t.text.strip()):
        ids: set[int] = set()
        outer_at: dict[tuple[int, int], int] = {}
        found = topic_words(text, split)
        if concepts is not None:
            runs_here = concept_runs(text, found, concepts)
            own_groups = {concept for _s, _e, concept, _r in runs_here}
            for start, end, concept, rarity in runs_here:
                tid = term_id(concept_stem(concept))
                ids.add(tid)
                outer_at[(start, end)] = len(bridges)
                bridges.append((tid, len(groups), start, end, -1))
                spans.append({term_id(s) for w in found[start:end] for s in w.stems})
                one_word = (start, end) == (0, len(found)) and len({w.unit for w in found}) == 1
                wholes.append(tuple(tuple(term_id(s) for s in w.stems) for w in found[start:end])
                              if one_word and 0 < rarity < thesaurus.named_rarity() else ())
                shown = " ".join(dict.fromkeys(w.surface for w in found[start:end]))
                near = set()
                for other in concepts.related(concept) if thesaurus.RELATED > 0 else ():
                    if other in own_groups:
                        continue
                    near_id = term_id(concept_stem(other))
                    near.add(near_id)
                    links.append((near_id, len(groups), start, end))
                    label = f"{shown} ~ {concepts.name(other)}"
                    surfaces = words.setdefault(near_id, [])
                    if label not in surfaces:
                        surfaces.append(label)
                nears.append(near)
                _name_concept(words, tid, shown, concepts.name(concept))
            for start, end, concept, outer in (
                    inner_runs(text, found, concepts, runs_here) if thesaurus.INNER else ()):
                if concept in own_groups:
                    continue
                tid = term_id(concept_stem(concept))
                ids.add(tid)
                anchors[len(bridges)] = outer_at[outer]
                bridges.append((tid, len(groups), start, end, -1))
                spans.append(set())  # the outer run's, once translations are in
                wholes.append(())
                nears.append(set())
                shown = " ".join(dict.fromkeys(w.surface for w in found[start:end]))
                _name_concept(words, tid, shown, concepts.name(concept))
        variants = [(found, 1.0)]
        if lexicon is not None:
            variants += [(v, TRANSLATED) for v in translated(text, found, lexicon)]
        for k, (variant, scale) in enumerate(variants):
            group = []
            for word in variant:
                own = []
                for stem_ in word.stems:
                    tid = term_id(stem_)
                    ids.add(tid)
                    own.append(tid)
                    surfaces = words.setdefault(tid, [])
                    for surface in word.sources or (word.surface,):
                        if surface.lower() not in (s.lower() for s in surfaces):
                            surfaces.append(surface)
                group.append(tuple(dict.fromkeys(own)))
            groups.append(tuple(group))
            units.append(tuple(word.unit for word in variant))
            scales.append(scale)
            if k:
                _add_translations(variant, found, bridges, spans, term_id)
        bridges = [(*b[:4], len(groups)) if b[4] < 0 else b for b in bridges]
        compiled.append((text, frozenset(ids)))
    terms = np.array(sorted(words), dtype=np.int32)
    frozen = {tid: tuple(s) for tid, s in words.items()}
    runs: dict[frozenset[int], set[int]] = {}
    named: dict[frozenset[int], tuple[tuple[int, ...], ...]] = {}
    near_of: dict[frozenset[int], set[int]] = {}
    spans = [spans[anchors.get(n, n)] for n in range(len(spans))]
    for (tid, *_), span, whole, near in zip(bridges, spans, wholes, nears, strict=True):
        runs.setdefault(frozenset(span), set()).add(tid)
        near_of.setdefault(frozenset(span), set()).update(near)
        if whole:
            named[frozenset(span)] = whole
    own_groups = {tid for tid, *_ in bridges}
    return Profile(terms, frozen, tuple(compiled), tuple(groups), tuple(units), tuple(scales),
                   tuple(bridges), tuple((span, frozenset(t)) for span, t in runs.items()),
                   tuple(named.get(span, ()) for span in runs),
                   tuple(frozenset(near_of[span] - own_groups) for span in runs), tuple(links))


def _add_translations(variant: Sequence[TopicWord], found: Sequence[TopicWord],
                      bridges: Sequence[tuple[int, int, int, int, int]],
                      spans: list[set[int]], term_id: Callable[[str], int]) -> None:
    """Add to the spans of this topic's concept runs (``last`` still -1) the stems of the
    translated words of ``variant`` that translate only words of the run."""
    for n, (_tid, _group, start, end, last) in enumerate(bridges):
        if last >= 0:
            continue
        surfaces = {w.surface for w in found[start:end]}
        for word in variant:
            if word.sources and set(word.sources) <= surfaces:
                spans[n].update(term_id(s) for s in word.stems)


def _stemmed(text: str, found: Sequence[TopicWord]) -> list[tuple[str, list[str]]]:
    """(language, the stems of the topic's words ``found``) for the language the topic
    ``text`` is in, or for each language when it cannot tell."""
    lang = guess_language(tokens(text))
    return [(source, [stem(w.part or w.surface.lower(), source) for w in found])
            for source in ([lang] if lang else LANGUAGES)]


def concept_runs(text: str, found: Sequence[TopicWord], concepts: Concepts
                 ) -> list[tuple[int, int, int, int]]:
    """(start, end, group, rarity) for each run of the topic's words ``found`` that is a
    term of a concept group, in the language(s) the topic ``text`` may be in; rarity is
    the term's byte in the table (0: several words, 255: ambiguous, else 20 x Zipf)."""
    runs: dict[tuple[int, int, int], int] = {}
    for source, stems in _stemmed(text, found):
        for start, end, groups, rarity in concepts.runs(stems, source):
            for group in groups:
                runs.setdefault((start, end, group), rarity)
    return [(*run, rarity) for run, rarity in runs.items()]


def inner_runs(text: str, found: Sequence[TopicWord], concepts: Concepts,
               outer: Sequence[tuple[int, int, int, int]]
               ) -> list[tuple[int, int, int, tuple[int, int]]]:
    """(start, end, group, (outer start, outer end)) for each run of two or more of the
    topic's words ``found`` inside a longer run of ``outer`` (:func:`concept_runs`) that
    is a term of several words of a group: "mental health" in "mental health at work"
    (:data:`.concepts.INNER`)."""
    inner: dict[tuple[int, int, int], tuple[int, int]] = {}
    spans = sorted({(s, e) for s, e, _g, _r in outer if e - s >= 3})
    for source, stems in _stemmed(text, found):
        for s, e in spans:
            for i, j in ((a, b) for a in range(s, e) for b in range(a + 2, e + 1)):
                if (i, j) == (s, e):
                    continue
                for start, end, groups, rarity in concepts.runs(stems[i:j], source):
                    if (start, end) == (0, j - i) and rarity == 0:  # a phrase, all of i:j
                        for group in groups:
                            inner.setdefault((i, j, group), (s, e))
    return [(i, j, group, outer_run) for (i, j, group), outer_run in inner.items()]


def translated(text: str, found: Sequence[TopicWord], lexicon: Lexicon
               ) -> list[list[TopicWord]]:
    """The topic ``text`` (its words ``found``) in the other language, one version per
    language it may be in, where the lexicon knows some of its words: runs of words
    it has a phrase for are replaced by the translations (shown as the words they
    translate), the other words stay."""
    versions = []
    for source, stems in _stemmed(text, found):
        runs = lexicon.translate(stems, source)
        if not runs:
            continue
        version: list[TopicWord] = []
        at = 0
        for start, end, target in runs:
            version.extend(found[at:start])
            shown = tuple(dict.fromkeys(w.surface for w in found[start:end]))
            version.extend(TopicWord(" ".join(shown), alternatives, _UNITS + len(version) + k,
                                     sources=shown)
                           for k, alternatives in enumerate(target))
            at = end
        version.extend(found[at:])
        versions.append(version)
    return versions


_UNITS = 1_000_000  # translated words' units: after any word of a topic


def query_weights(profile: Profile, idf: np.ndarray, scale: float) -> np.ndarray:
    """Per term of ``profile.terms``: ``scale`` over the weight of its topic (the sum over
    the topic's words of their lightest stem's ``idf``: the stem of the other language is
    often one no text has, which would count as rare), the largest over its topics.

    An article then scores ``scale`` times the share of a topic's weight it holds (each
    word once, in a summary of average length; more for repeats and title words): a
    single common word of a two-word topic is not enough where both rare words are.

    The parts of a compound weigh the same, together what they weigh: "madspild" is
    not mostly "spild" because "mad" is common (each part's term is scaled so that its
    ``idf`` times the scale is the compound's weight over its parts).

    A concept term (:mod:`.concepts`) weighs :data:`.concepts.WEIGHT` of the share of
    the topic words that are the concept's term, over its own ``idf``.
    """
    share: dict[int, float] = {}
    for n, group in enumerate(profile.groups):
        factor = profile.scales[n] if n < len(profile.scales) else 1.0
        lightest = [min(float(idf[t]) for t in word) for word in group]
        total = sum(lightest)
        if total <= 0:
            continue
        units = profile.units[n] if n < len(profile.units) else tuple(range(len(group)))
        unit_weight: dict[int, list[float]] = {}
        for unit, weight in zip(units, lightest, strict=True):
            unit_weight.setdefault(unit, []).append(weight)
        for word, unit, weight in zip(group, units, lightest, strict=True):
            parts = unit_weight[unit]
            even = sum(parts) / len(parts) / weight if len(parts) > 1 and weight > 0 else 1.0
            for tid in word:
                share[tid] = max(share.get(tid, 0.0), scale / total * even * factor)
    bridges = [(tid, n, start, end, thesaurus.WEIGHT)
               for tid, n, start, end, _ in profile.concepts]
    bridges += [(tid, n, start, end, thesaurus.RELATED) for tid, n, start, end in profile.links]
    for tid, n, start, end, factor in bridges:
        lightest = [min(float(idf[t]) for t in word) for word in profile.groups[n]]
        # the concept term's own idf is divided out: a concept found weighs what the
        # run's words weigh, however common the concept is among the articles
        total, own = sum(lightest), float(idf[tid]) if tid < idf.size else 0.0
        if total > 0 and own > 0:
            weight = scale * factor * sum(lightest[start:end]) / total / own
            share[tid] = max(share.get(tid, 0.0), weight)
    return np.array([share.get(t, 0.0) for t in profile.terms.tolist()], dtype=np.float32)


def adjusted(profile: Profile, contributions: Mapping[int, float], absent: float) -> float:
    """The score of an article (``contributions``: per shared term, its query weight
    times its BM25 weight; their sum is the linear score) once each concept run counts
    once: where the article holds the concept, the run's own words and the concept
    together count what the larger of the two does (an article that says "ERP" holds
    the ERP group too, and is not twice as much about ERP); where it does not, the run's
    own words count ``absent`` of their weight: "drones" in an article about bees is the
    word without the concept (:data:`.concepts.ABSENT`)."""
    total = sum(contributions.values())
    counted: set[int] = set()
    for (span, tids), whole, near in zip(profile.runs, profile.named, profile.related,
                                         strict=True):
        own = sum(contributions.get(t, 0.0) for t in span - counted)
        found = [contributions.get(t, 0.0) for t in tids - counted]
        close = [contributions[t] for t in near if t not in counted and t in contributions]
        counted |= span | tids | near
        best = max(found, default=0.0)
        if best > 0:
            value = max(own, best)
        elif whole and all(any(t in contributions for t in part) for part in whole):
            value = own
        else:
            value = absent * own
        if len(close) >= thesaurus.MIN_RELATED:
            value = max(value, max(close))
        total += value - own - sum(found) - sum(close)
    return total


def explain(profile: Profile, weights: Mapping[int, float]) -> Reason:
    """The reason for a match, from the article's BM25 weights of the shared terms.

    Terms are ordered by weight, heaviest first. Words that share a stem
    ("migrating", "migration") and the two stems of one word count once. A concept
    ("halvledere ≈ semiconductors") is named when the article does not hold the topic
    words it stands for (nor their translation).
    """
    seen: set[str] = set()
    terms: list[str] = []
    distinct = 0
    redundant = {tid for tid, n, start, end, last in profile.concepts
                 if tid in weights and (_held(profile.groups[n][start:end], weights)
                                        or any(_held(profile.groups[m], weights)
                                               for m in range(n + 1, last)))}
    near = frozenset().union(*profile.related) if profile.related else frozenset()
    if sum(tid in near for tid in weights) < thesaurus.MIN_RELATED:  # they count in twos
        weights = {tid: w for tid, w in weights.items() if tid not in near}
    for tid in sorted(weights, key=weights.__getitem__, reverse=True):
        if tid in redundant and len(redundant) < len(weights):
            continue  # the article has the topic's words themselves: they are the reason
        words = profile.words[tid]
        new = [w for w in words if w.lower() not in seen]
        distinct += len(new) == len(words)
        seen.update(w.lower() for w in new)
        terms.extend(new)
    return Reason(tuple(terms), distinct, _best_topic(profile, weights))


def _name_concept(words: dict[int, list[str]], tid: int, shown: str, name: str) -> None:
    """Add to the words of the concept term ``tid`` the topic's ``shown`` words and the
    concept's ``name`` as a reason shows them ("chips ≈ semiconductors")."""
    label = f"≈ {name}" if _same(shown, name) else f"{shown} ≈ {name}"
    surfaces = words.setdefault(tid, [])
    if label not in surfaces:
        surfaces.append(label)


def _same(shown: str, name: str) -> bool:
    """Whether a topic's words are the concept's name but for their endings."""
    return any([stem(w, lg) for w in tokens(shown)] == [stem(w, lg) for w in tokens(name)]
               for lg in LANGUAGES)


def _held(words: Sequence[tuple[int, ...]], weights: Mapping[int, float]) -> bool:
    """Whether the article holds each of ``words`` (some stem of it)."""
    return all(any(t in weights for t in word) for word in words)


def _best_topic(profile: Profile, weights: Mapping[int, float]) -> str:
    if len(profile.topics) == 1:
        return profile.topics[0][0]
    best, best_weight = "", -1.0
    for text, ids in profile.topics:
        weight = sum(weights[tid] for tid in ids if tid in weights)
        if weight > best_weight:
            best, best_weight = text, weight
    return best
