"""BM25 weights of a whole collection, from its term-frequency matrix and a background."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kaffe.relevance.csr import Csr


@dataclass(frozen=True)
class Bm25:
    """BM25 (Okapi) weights, term-major for the contact x term product.

    idf is Lucene's always-positive ``ln(1 + (N - df + 0.5) / (df + 0.5))`` over the
    indexed articles plus ``virtual`` background articles, in which a term occurs as
    often as ``prior`` (its share of ordinary articles, from word frequencies) says. With
    two articles indexed the background decides how rare a word is; with tens of
    thousands the collection itself does: a strong match is strong on day one.
    """

    tt: Csr  # term x article weights
    present: Csr  # term x article, 1 where the term occurs
    idf: np.ndarray  # per term
    norm: np.ndarray  # per article: k1 * (1 - b + b * length / average length)
    k1: float

    @classmethod
    def build(cls, tf: Csr, k1: float, b: float, prior: np.ndarray | None = None,
              virtual: float = 0.0) -> Bm25:
        """Weights for article x term frequencies ``tf``; ``prior`` has an entry per
        term of the vocabulary (which may be wider than ``tf``)."""
        n_docs = tf.shape[0]
        width = tf.shape[1] if prior is None else max(tf.shape[1], prior.size)
        df = np.bincount(tf.indices, minlength=width).astype(np.float64)
        if prior is not None:
            df += virtual * prior[:width]
        idf = np.log1p((n_docs + virtual - df + 0.5) / (df + 0.5))
        lengths = tf.row_sums()
        average = float(lengths.mean()) if n_docs else 1.0
        norm = k1 * (1 - b + b * lengths / (average or 1.0))
        data = cls._weigh(idf[tf.indices], tf.data, np.repeat(norm, np.diff(tf.indptr)), k1)
        tt = Csr(data.astype(np.float32), tf.indices, tf.indptr, tf.shape).transposed()
        return cls(tt, tt.ones(), idf, norm, k1)

    def weigh(self, terms: np.ndarray, tf: np.ndarray, articles: np.ndarray) -> np.ndarray:
        """Weights of single (term, frequency, article row) entries."""
        return self._weigh(self.idf[terms], tf, self.norm[articles], self.k1)

    @staticmethod
    def _weigh(idf: np.ndarray, tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
        return idf * tf * (k1 + 1) / (tf + norm)
