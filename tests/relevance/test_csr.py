"""relevance/csr.py against dense numpy arithmetic on random matrices."""

from __future__ import annotations

import numpy as np
import pytest

from kaffe.relevance.csr import Csr, multiply, product, vstack


def random_csr(rng: np.random.Generator, rows: int, cols: int, density: float,
               *, ones: bool = False, shuffled: bool = True) -> tuple[Csr, np.ndarray]:
    """A matrix whose rows list each column once (in random order when ``shuffled``)."""
    dense = np.where(rng.random((rows, cols)) < density,
                     1.0 if ones else rng.integers(1, 9, (rows, cols)), 0).astype(np.float32)
    data, indices, indptr = [], [], [0]
    for row in dense:
        cols_ = np.flatnonzero(row)
        if shuffled:
            rng.shuffle(cols_)
        indices += cols_.tolist()
        data += row[cols_].tolist()
        indptr.append(len(indices))
    return Csr.of(np.array(data, np.float32), np.array(indices), np.array(indptr),
                  (rows, cols)), dense


def dense_of(m: Csr) -> np.ndarray:
    out = np.zeros(m.shape, np.float32)
    out[m.row_of_each(), m.indices] = m.data
    return out


@pytest.mark.parametrize("seed", range(5))
def test_product_and_counts_are_the_dense_product(seed: int) -> None:
    rng = np.random.default_rng(seed)
    query, q = random_csr(rng, 7, 30, 0.2, ones=True, shuffled=False)
    weights, w = random_csr(rng, 30, 50, 0.3)
    weights = weights.transposed().transposed()  # rows sorted, as the index keeps them
    scores, counts = product(query, weights, weights.ones())
    assert np.array_equal(dense_of(scores), q @ w)
    assert counts is not None
    assert np.array_equal(counts, (q @ (w != 0))[scores.row_of_each(), scores.indices])
    assert np.all(scores.data != 0)


@pytest.mark.parametrize("seed", range(5))
def test_multiply_is_the_element_wise_product_columns_descending(seed: int) -> None:
    rng = np.random.default_rng(seed)
    left, a = random_csr(rng, 9, 40, 0.3, ones=True, shuffled=False)
    right, b = random_csr(rng, 9, 40, 0.3)
    found, factors = multiply(left, right)
    assert np.array_equal(dense_of(found), a * b)
    # the factors are right's values at the product's entries, in its order
    assert np.array_equal(dense_of(Csr(factors, found.indices, found.indptr, found.shape)),
                          np.where(a * b != 0, b, 0))
    for i in range(found.shape[0]):
        cols = found.indices[found.indptr[i]:found.indptr[i + 1]]
        assert list(cols) == sorted(cols, reverse=True)


def test_rows_transpose_vstack_and_sums() -> None:
    rng = np.random.default_rng(9)
    m, d = random_csr(rng, 12, 20, 0.25)
    keep = rng.random(12) < 0.5
    assert np.array_equal(dense_of(m.rows(keep)), d[keep])
    assert np.array_equal(dense_of(m.rows(np.array([3, 3, 0]))), d[[3, 3, 0]])
    assert np.array_equal(dense_of(m.rows(slice(2, 5))), d[2:5])
    assert np.array_equal(dense_of(m.transposed()), d.T)
    assert np.array_equal(m.row_sums(), d.sum(axis=1))
    both = vstack(m.with_columns(25), Csr.empty(0, 25))
    assert both.shape == (12, 25) and np.array_equal(dense_of(both)[:, :20], d)
    assert vstack(Csr.empty(), m.rows(slice(0, 0))).shape == (0, 0)
