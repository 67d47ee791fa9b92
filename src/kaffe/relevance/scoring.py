"""Sparse scoring kernels: every contact against every article, top k per contact.

These functions hold no state and touch no Python objects per pair: a chunk
of contacts is scored by one sparse product, filtered with numpy masks, cut
per contact below a bound taken from a sample, and only the few survivors are
sorted. numpy releases the GIL in these loops, so chunks run in
parallel threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from kaffe.relevance.csr import Csr, product

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Filters:
    """What a candidate pair must pass besides its score."""

    threshold: float
    min_stems: int = 1  # distinct shared stems, checked against ``present``
    fresh: np.ndarray | None = None  # per article: True if recent enough
    present: Csr | None = None  # term x article, 1 where the term occurs


@dataclass(frozen=True)
class Candidates:
    """The best articles of each contact in a chunk, best first.

    ``articles[i]`` is at most ``k`` long; ``more[i]`` says the contact had further
    candidates beyond them (the matcher scores the candidates again, counting concept
    runs once: :func:`kaffe.relevance.profile.adjusted`).
    """

    articles: list[np.ndarray]
    more: np.ndarray


def score_chunk(
    query: Csr,
    weights: Csr,
    filters: Filters,
    excluded: Sequence[np.ndarray],
    k: int,
) -> Candidates:
    """Score a chunk of contacts (``query``: contact x term) against all articles.

    ``weights`` is term x article. ``excluded[i]`` lists article rows the i-th
    contact must not get.
    """
    counted = filters.present if filters.min_stems > 1 else None
    scores, shared = product(query, weights, counted)
    rows = scores.row_of_each()
    valid = scores.data >= filters.threshold
    if filters.fresh is not None:
        valid &= filters.fresh[scores.indices]
    if shared is not None:
        valid &= shared >= filters.min_stems
    valid &= ~_excluded_mask(rows, scores.indices, excluded, scores.shape[1])
    values = np.where(valid, scores.data, -np.inf)
    cut = _row_cut(values, scores.indptr, k, filters.threshold)
    chosen = np.flatnonzero(values >= cut[rows])
    more = np.bincount(rows[valid], minlength=scores.shape[0]) > k
    return top_k(rows[chosen], scores.indices[chosen], values[chosen], scores.shape[0], k, more)


def _excluded_mask(
    rows: np.ndarray, cols: np.ndarray, excluded: Sequence[np.ndarray], width: int
) -> np.ndarray:
    pairs = [r * width + np.asarray(a, np.int64) for r, a in enumerate(excluded) if len(a)]
    if not pairs:
        return np.zeros(rows.size, dtype=bool)
    return np.isin(rows.astype(np.int64) * width + cols, np.concatenate(pairs))


def _row_cut(values: np.ndarray, indptr: np.ndarray, k: int, floor: float) -> np.ndarray:
    """Per row, a value no higher than its k-th largest (and at least ``floor``).

    The k-th largest of an evenly spaced sample of a row can only be lower
    than the row's own, so everything below it can be dropped before the
    exact ranking, which then sorts a few entries instead of every pair.
    """
    counts = np.diff(indptr)
    size = max(200 * k, 256)  # survivors: about k / size of a long row
    if values.size == 0 or size >= int(counts.max()):
        return np.full(counts.size, floor)
    steps = np.arange(size)
    # Long rows: every (count / size)-th entry. Short rows: each entry once, as
    # a repeated entry would count twice towards the k-th largest.
    spread = np.where(counts[:, None] > size, (steps[None, :] * counts[:, None]) // size, steps)
    picks = indptr[:-1, None] + spread
    sample = np.where(steps[None, :] < counts[:, None], values[np.minimum(picks, values.size - 1)],
                      -np.inf)
    kth = -np.partition(-sample, k - 1, axis=1)[:, k - 1]
    return np.maximum(kth, floor)


def top_k(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int, k: int,
          more: np.ndarray) -> Candidates:
    """Per row of ``n``, the ``k`` highest values (ties: lower column first), best first."""
    order = np.lexsort((cols, -values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    starts = np.searchsorted(rows, np.arange(n))
    ends = np.minimum(np.searchsorted(rows, np.arange(n), side="right"), starts + k)
    articles = [cols[lo:hi] for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True)]
    return Candidates(articles, more)


def run_chunks(fn: Callable[[T], R], chunks: Sequence[T], workers: int) -> list[R]:
    """``[fn(c) for c in chunks]``, on ``workers`` threads when that helps."""
    if workers <= 1 or len(chunks) <= 1:
        return [fn(c) for c in chunks]
    with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
        return list(pool.map(fn, chunks))
