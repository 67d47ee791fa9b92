"""A compressed sparse row matrix in numpy alone: the few operations the index needs.

scipy.sparse cost the daemon about 23 MB of resident memory on top of numpy (its
compiled kernels and the modules its package imports), for a handful of operations
on arrays kaffe builds itself. The results here are the ones scipy gave, bit for bit:
products sum float32 values in the query row's term order, as scipy's kernel does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Csr:
    """Rows of (column, value) pairs: row ``i`` is ``indices[indptr[i]:indptr[i+1]]``."""

    data: np.ndarray
    indices: np.ndarray  # int32 column of each value
    indptr: np.ndarray  # int64, one more than there are rows
    shape: tuple[int, int]

    @classmethod
    def empty(cls, rows: int = 0, cols: int = 0) -> Csr:
        """An all-zero matrix."""
        return cls(np.empty(0, np.float32), np.empty(0, np.int32),
                   np.zeros(rows + 1, np.int64), (rows, cols))

    @classmethod
    def of(cls, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
           shape: tuple[int, int]) -> Csr:
        """A matrix from its three arrays (as ``scipy.sparse.csr_matrix`` takes them)."""
        return cls(data, indices.astype(np.int32, copy=False),
                   indptr.astype(np.int64, copy=False), shape)

    def with_columns(self, cols: int) -> Csr:
        """The same rows, ``cols`` wide (the vocabulary only grows)."""
        return Csr(self.data, self.indices, self.indptr, (self.shape[0], cols))

    def rows(self, which: np.ndarray | slice) -> Csr:
        """The rows ``which`` (a slice, a boolean mask or row numbers, repeats allowed)."""
        picked = np.arange(self.shape[0])[which]
        starts = self.indptr[picked]
        counts = self.indptr[picked + 1] - starts
        indptr = np.zeros(picked.size + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        at = np.repeat(starts - indptr[:-1], counts) + np.arange(indptr[-1])
        return Csr(self.data[at], self.indices[at], indptr, (picked.size, self.shape[1]))

    def row_of_each(self) -> np.ndarray:
        """The row number of every stored value."""
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def row_sums(self) -> np.ndarray:
        """Per row, the sum of its values (float32, exact for whole counts)."""
        sums = np.bincount(self.row_of_each(), weights=self.data, minlength=self.shape[0])
        return sums.astype(self.data.dtype)

    def transposed(self) -> Csr:
        """The transpose, each new row's columns ascending (as scipy's ``.T.tocsr()``)."""
        order = np.argsort(self.indices, kind="stable")
        indptr = np.zeros(self.shape[1] + 1, np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.shape[1]), out=indptr[1:])
        return Csr(self.data[order], self.row_of_each()[order].astype(np.int32), indptr,
                   (self.shape[1], self.shape[0]))

    def ones(self) -> Csr:
        """The same pattern with every value 1."""
        return Csr(np.ones_like(self.data), self.indices, self.indptr, self.shape)


def vstack(top: Csr, bottom: Csr) -> Csr:
    """``top`` above ``bottom`` (of the same width)."""
    indptr = np.concatenate([top.indptr, bottom.indptr[1:] + top.indptr[-1]])
    return Csr(np.concatenate([top.data, bottom.data]),
               np.concatenate([top.indices, bottom.indices]), indptr,
               (top.shape[0] + bottom.shape[0], top.shape[1]))


def product(query: Csr, weights: Csr, counts: Csr | None = None) -> tuple[Csr, np.ndarray | None]:
    """``query @ weights`` (the query's values weigh its terms; its zero sums left out),
    and with ``counts`` (the pattern of ``weights`` as ones) ``query @ counts`` at the
    same places.

    The sums are made in a dense block of ``query`` rows x ``weights`` columns (callers
    bound it by chunking), one query column position at a time, so that every cell adds
    its float32 terms in the order scipy's kernel does.
    """
    n, width = query.shape[0], weights.shape[1]
    block = np.zeros(n * width, weights.data.dtype)
    tally = np.zeros(n * width, np.float32) if counts is not None else None
    lengths = np.diff(query.indptr)
    for j in range(int(lengths.max()) if n else 0):
        who = np.flatnonzero(lengths > j)
        at_query = query.indptr[who] + j
        terms = query.indices[at_query]
        starts = weights.indptr[terms]
        sizes = weights.indptr[terms + 1] - starts
        at = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        cells = np.repeat(who * width, sizes) + weights.indices[at]
        # one term per row and step: no cell twice
        block[cells] += weights.data[at] * np.repeat(query.data[at_query], sizes)
        if tally is not None:
            tally[cells] += 1
    found = np.flatnonzero(block != 0)  # a bool scan: several times faster than float's
    indptr = np.searchsorted(found, np.arange(n + 1) * width).astype(np.int64)
    scores = Csr(block[found], (found % width).astype(np.int32), indptr, (n, width))
    return scores, (tally[found] if tally is not None else None)


def multiply(left: Csr, right: Csr) -> tuple[Csr, np.ndarray]:
    """Element-wise product of two matrices of one shape whose rows hold each column at
    most once; each row's columns descending (the order scipy's ``multiply`` gives when
    ``left``'s columns are sorted ascending and ``right``'s are not); and the factors
    from ``right`` of each of its entries, in the same order."""
    width = max(left.shape[1], 1)
    left_keys = left.row_of_each().astype(np.int64) * width + left.indices
    right_rows = right.row_of_each()
    right_keys = right_rows.astype(np.int64) * width + right.indices
    both = np.flatnonzero(np.isin(right_keys, left_keys))
    order = both[np.lexsort((-right.indices[both], right_rows[both]))]
    left_values = left.data[np.searchsorted(left_keys, right_keys[order])]
    indptr = np.zeros(right.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(right_rows[order], minlength=right.shape[0]), out=indptr[1:])
    right_values = right.data[order]
    return Csr(left_values * right_values, right.indices[order], indptr, right.shape), right_values
