"""One matching run: score all contacts in chunks, then explain the winners.

Scoring is numpy work (see :mod:`kaffe.relevance.scoring`); only the
few best pairs per contact become Python objects, and their reasons (matched
words, best topic) are computed for all of them with one sparse element-wise
product before the per-pair bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kaffe.model import Match
from kaffe.relevance.concepts import ABSENT
from kaffe.relevance.csr import Csr, multiply
from kaffe.relevance.profile import Profile, Reason, adjusted, explain, query_weights
from kaffe.relevance.scoring import Candidates, Filters, run_chunks, score_chunk
from kaffe.relevance.weights import Bm25

# A match's score: this times the share of a topic's weight the article holds.
SCALE = 10.0
# Contacts per chunk: bounds the padded score block to about this many cells.
_CELLS_PER_CHUNK = 2_000_000
# With min_terms > 1 some candidates fail the exact word count: fetch extra.
_SLACK = 4
# Worker threads only from this many article-contact pairs: each thread keeps its own
# malloc arena, and with 1,000 articles x 1,000 contacts (20 feeds) the daemon's RSS
# rose by 7 MB after every match for a gain of a few milliseconds.
_THREADS_FROM = 10_000_000


@dataclass(frozen=True)
class Collection:
    """The indexed articles a run reads: ids, frequencies, BM25 weights."""

    ids: Sequence[str]  # article id per row
    tf: Csr  # article x term frequencies
    weights: Bm25


class MatchRun:
    """Matches for a list of compiled profiles against one collection."""

    def __init__(self, collection: Collection, profiles: Sequence[Profile],
                 contacts: Sequence[str], filters: Filters, limit: int) -> None:
        self.collection, self.profiles, self.contacts = collection, profiles, contacts
        self.filters, self.limit = filters, limit
        # candidates can fail the word count or lose score to a concept run (adjusted)
        checked = filters.min_stems > 1 or any(p.runs for p in profiles)
        self.k = limit * _SLACK if checked else limit
        idf = collection.weights.idf
        self.query = query_matrix(profiles, collection.weights.tt.shape[0],
                                  [query_weights(p, idf, SCALE) for p in profiles])

    def run(self, excluded: Sequence[np.ndarray], workers: int) -> dict[int, tuple[Match, ...]]:
        """Matches per contact position; contacts without one are left out."""
        step = max(8, min(512, _CELLS_PER_CHUNK // max(1, len(self.collection.ids))))
        spans = [(lo, min(lo + step, len(self.contacts)))
                 for lo in range(0, len(self.contacts), step)]
        if len(self.collection.ids) * len(self.contacts) < _THREADS_FROM:
            workers = 1
        chunks = run_chunks(lambda s: self._score(s, excluded, self.k), spans, workers)
        found: dict[int, tuple[Match, ...]] = {}
        for (lo, _hi), chunk in zip(spans, chunks, strict=True):
            found.update(self._matches(lo, chunk, excluded))
        return found

    def _score(self, span: tuple[int, int], excluded: Sequence[np.ndarray],
               k: int) -> Candidates:
        lo, hi = span
        return score_chunk(self.query.rows(slice(lo, hi)), self.collection.weights.tt, self.filters,
                           excluded[lo:hi], k)

    def _matches(self, lo: int, chunk: Candidates,
                 excluded: Sequence[np.ndarray]) -> dict[int, tuple[Match, ...]]:
        pairs = self._pairs(lo, chunk.articles)
        found = {}
        for i, rows in enumerate(chunk.articles):
            matches = self._accept(lo + i, rows, pairs, i)
            if len(matches) < self.limit and chunk.more[i] and len(matches) < len(rows):
                matches = self._exhaustive(lo + i, excluded)  # rare: rejected candidates
            if matches:
                found[lo + i] = matches
        return found

    def _accept(self, n: int, rows: np.ndarray, pairs: Pairs, i: int) -> tuple[Match, ...]:
        """Up to ``limit`` candidates of contact ``n`` (the ``i``-th of the chunk ``pairs``
        holds) that, counting each concept run once (:func:`.profile.adjusted`), keep
        enough score and enough distinct words; best first. Only those are explained."""
        matches: list[Match] = []
        scored = pairs.scores[i]
        for k in sorted(range(len(scored)), key=lambda k: -scored[k]):  # stable on ties
            if scored[k] < self.filters.threshold or len(matches) == self.limit:
                break
            reason = pairs.reason(self.profiles[n], i, k)
            if reason.distinct >= self.filters.min_stems:
                matches.append(Match(self.contacts[n], self.collection.ids[int(rows[k])],
                                     scored[k], reason.terms, reason.topic))
        return tuple(matches)

    def _exhaustive(self, n: int, excluded: Sequence[np.ndarray]) -> tuple[Match, ...]:
        everything = len(self.collection.ids)
        chunk = self._score((n, n + 1), excluded, everything)
        return self._accept(n, chunk.articles[0], self._pairs(n, chunk.articles), 0)

    def _pairs(self, lo: int, articles: list[np.ndarray]) -> Pairs:
        """The shared terms and adjusted scores of every candidate pair of a chunk."""
        contacts = np.repeat(np.arange(lo, lo + len(articles)), [a.size for a in articles])
        rows = np.concatenate(articles) if articles else np.empty(0, np.int64)
        query, tf = self.query.rows(contacts), self.collection.tf.rows(rows)
        shared, counts = multiply(query, tf)
        pair_of = shared.row_of_each()
        bm25 = self.collection.weights
        values = bm25.weigh(shared.indices, shared.data, rows[pair_of])
        parts = shared.data / counts * bm25.weigh(shared.indices, counts, rows[pair_of])
        bounds = shared.indptr
        # the plain sum per pair (a pair always shares a term: it was scored)
        sums = (np.add.reduceat(parts, bounds[:-1]) if parts.size
                else np.zeros(len(bounds) - 1)).tolist()
        terms, contributions, starts = shared.indices.tolist(), parts.tolist(), bounds.tolist()
        scores: list[list[float]] = []
        pair = 0
        for i, arts in enumerate(articles):
            profile, own = self.profiles[lo + i], []
            for _ in range(arts.size):
                a, b = starts[pair], starts[pair + 1]
                own.append(adjusted(profile, dict(zip(terms[a:b], contributions[a:b],
                                                      strict=True)), ABSENT)
                           if profile.runs else sums[pair])
                pair += 1
            scores.append(own)
        return Pairs(scores, terms, values.tolist(), starts,
                     [0, *np.cumsum([a.size for a in articles]).tolist()])


@dataclass
class Pairs:
    """A chunk's candidate pairs: per contact of the chunk, each candidate's adjusted
    score; and the shared terms with their BM25 weights, to explain a pair on demand."""

    scores: list[list[float]]
    terms: list[int]
    weights: list[float]
    starts: list[int]  # per pair, where its terms start in ``terms``
    first: list[int]  # per contact of the chunk, its first pair

    def reason(self, profile: Profile, i: int, k: int) -> Reason:
        pair = self.first[i] + k
        a, b = self.starts[pair], self.starts[pair + 1]
        return explain(profile, dict(zip(self.terms[a:b], self.weights[a:b], strict=True)))


def query_matrix(profiles: Sequence[Profile], width: int,
                 weights: Sequence[np.ndarray] | None = None) -> Csr:
    """Contact x term matrix: for every term of the contact's topics its weight in
    ``weights`` (aligned with ``profile.terms``), else 1. Terms no article has (``width``
    and up) are left out."""
    kept = [p.terms < width for p in profiles]
    cols = [p.terms[k] for p, k in zip(profiles, kept, strict=True)]
    indptr = np.zeros(len(cols) + 1, dtype=np.int64)
    np.cumsum([c.size for c in cols], out=indptr[1:])
    indices = np.concatenate(cols) if cols else np.empty(0, np.int32)
    if weights is None:
        data = np.ones(indices.size, dtype=np.float32)
    else:
        parts = [w[k] for w, k in zip(weights, kept, strict=True)]
        data = np.concatenate(parts).astype(np.float32) if parts else np.empty(0, np.float32)
    return Csr.of(data, indices, indptr, (len(cols), width))
