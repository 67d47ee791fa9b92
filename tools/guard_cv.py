"""Measure variants of the guard's model by leave-one-author-out CV on the training
files only (``tests/data/guard/train*.jsonl``), as ``tools/train_guard.py`` chooses its
setting: per language, the share of asks blocked (model or patterns) at the threshold
that flags at most 2.5% of the ok lines, on the pooled out-of-fold scores.

The held-out ``test*.jsonl`` sets are never read here. Results go to standard error,
one line per variant; ``bench/RESULTS.md`` (guard) keeps the table.

``python tools/guard_cv.py [NAME ...]`` (default: every variant; about 20 s each on two
cores).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import train_guard as tg  # noqa: E402  (puts src/ on the path)
from scipy.sparse import csr_matrix, vstack  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from kaffe import jobask  # noqa: E402
from kaffe.config.schema import GuardConfig  # noqa: E402

SHIPPED = jobask.Options(words=True, bigrams=True, stems=False, chars=(4,), classes=True,
                         sequence=True, normalise=True)


@dataclass(frozen=True)
class Variant:
    options: jobask.Options = SHIPPED
    c: float = 300.0
    keep: int = 6000  # mlp: rows of weights (by their length)
    learner: str = "lr"  # lr | l1 | svm | mlp
    hidden: int = 32  # mlp: units of its one hidden layer (relu)
    alpha: float = 1e-3  # mlp: L2 penalty
    epochs: int = 25  # mlp: passes over the data (adam, batches of 256, seed 0)
    min_df: int = 3  # mlp: features in at least this many training sentences
    quantise: bool = False  # mlp: first-layer weights as int8 (a scale per unit)
    seed: int = 0  # mlp: the initial weights and the order of the batches
    nb: float = 0.0  # NB log-count-ratio scaling: 0 off, else the interpolation
    conjoin: bool = False  # a copy of every feature per language ("en|w:job")
    extra: tuple[str, ...] = ()  # extra feature families (EXTRA)
    balanced: bool = False
    members: tuple[Variant, ...] = field(default=())  # an ensemble: average of logits
    clause_max: bool = False  # score each clause too (clauses()), take the max


def clauses(text: str) -> list[str]:
    parts = re.split(r"[,;:–—]| - | but | men | og | and | so | så ", text)
    return [p for p in parts if p.strip()]


def extra_features(text: str, lang: str, families: Sequence[str]) -> dict[str, float]:
    words = jobask.tokens(text)
    out: dict[str, float] = {}
    if "skip" in families:  # word pairs with one word between
        for a, b in zip(words, words[2:], strict=False):
            out[f"x:{a} _ {b}"] = 1.0
    if "trigrams" in families:
        padded = ["<s>", *words, "</s>"]
        for a, b, c in zip(padded, padded[1:], padded[2:], strict=False):
            out[f"g:{a} {b} {c}"] = 1.0
    if "benefit" in families:  # who the sentence is about, by position
        classes = [jobask._classes_of(w, lang) for w in words]
        first = next((c[0] for c in classes if c and c[0] in ("self", "you", "third")), "none")
        last = next((c[0] for c in reversed(classes) if c and c[0] in ("self", "you", "third")),
                    "none")
        out[f"k:first={first}"] = 1.0
        out[f"k:last={last}"] = 1.0
        out[f"k:first={first}+last={last}"] = 1.0
    if "neg" in families:
        neg = {"not", "no", "never", "don't", "dont", "isn't", "wasn't", "won't", "ikke",
               "aldrig", "ingen", "intet", "nej"}
        if any(w in neg for w in words):
            out["k:neg"] = 1.0
    if "len" in families:
        out[f"k:len{min(len(words) // 5, 6)}"] = 1.0
    return out


def featurise(rows: Sequence[tg.Example], v: Variant) -> list[dict[str, float]]:
    out = []
    for r in rows:
        f = jobask.features(r.text, r.lang, replace(v.options, normalise=False))
        if v.extra:
            f.update(extra_features(r.text, r.lang, v.extra))
        if v.conjoin:
            f.update({f"{r.lang}|{n}": x for n, x in list(f.items())})
        if v.options.normalise and f:
            s = 1.0 / np.sqrt(sum(x * x for x in f.values()))
            f = {n: x * s for n, x in f.items()}
        out.append(f)
    return out


def clause_matrix(rows: Sequence[tg.Example], v: Variant,
                  names: list[str]) -> tuple[csr_matrix, list[int]]:
    """A row per clause of each sentence (in the sentence's columns), and its sentence."""
    column = {n: i for i, n in enumerate(names)}
    parts = [(i, replace(r, text=c)) for i, r in enumerate(rows) for c in clauses(r.text)]
    feats = featurise([p for _, p in parts], v)
    data, cols, ptr = [], [], [0]
    for f in feats:
        for name in sorted(f):
            if name in column:
                cols.append(column[name])
                data.append(f[name])
        ptr.append(len(cols))
    return csr_matrix((data, cols, ptr), shape=(len(feats), len(names))), [i for i, _ in parts]


def linear(x: csr_matrix, y: np.ndarray, xt: csr_matrix, v: Variant,
           more: csr_matrix | None = None) -> np.ndarray:
    """Decision values of ``xt`` (then of ``more``, appended) from a model fitted on
    (x, y), pruned to ``keep``."""
    if v.learner == "mlp":
        return mlp(x, y, xt if more is None else vstack([xt, more]), v)
    weight = "balanced" if v.balanced else None
    if v.learner == "svm":
        m = LinearSVC(C=v.c, max_iter=20000, class_weight=weight, tol=1e-6)
    elif v.learner == "l1":
        m = LogisticRegression(C=v.c, penalty="l1", solver="liblinear", max_iter=5000,
                               class_weight=weight, tol=1e-6)
    else:
        m = LogisticRegression(C=v.c, solver="lbfgs", max_iter=5000, tol=1e-8,
                               class_weight=weight)
    m.fit(x, y)
    w = m.coef_[0].copy()
    if v.keep and np.count_nonzero(w) > v.keep:
        cut = np.sort(np.abs(w))[-v.keep]
        w[np.abs(w) < cut] = 0.0
    w = np.round(w, 4)
    out = np.asarray(xt @ w).ravel() + float(m.intercept_[0])
    if more is not None:
        out = np.concatenate([out, np.asarray(more @ w).ravel() + float(m.intercept_[0])])
    return out


def mlp(x: csr_matrix, y: np.ndarray, xt: csr_matrix, v: Variant) -> np.ndarray:
    """Logits of ``xt`` from a one-hidden-layer network fitted on (x, y), on the features
    at least ``min_df`` training sentences have (a word's order and company count: "I"
    + "you" + a job word is not the sum of the three)."""
    used, net = tg.fit_network(x, y, v.hidden, v.alpha, v.epochs, v.min_df, v.seed)
    w1 = np.zeros_like(net.coefs_[0])
    kept = tg.largest_rows(net.coefs_[0], v.keep)
    w1[kept] = net.coefs_[0][kept]
    w2 = net.coefs_[1][:, 0]
    b1, b2 = net.intercepts_[0], float(net.intercepts_[1][0])
    if v.quantise:
        scale = np.abs(w1).max(axis=0) / 127.0
        w1 = np.round(w1 / scale) * scale
    hidden = np.maximum(xt[:, used] @ w1 + b1, 0.0)
    return hidden @ w2 + b2


def oof(rows: Sequence[tg.Example], v: Variant, cache: dict) -> np.ndarray:
    if v.members:
        return np.mean([oof(rows, m, cache) for m in v.members], axis=0)
    key = (v.options, v.extra, v.conjoin)
    if key not in cache:
        cache[key] = tg.matrix(featurise(rows, v))
    x, names = cache[key]
    y = np.array([r.ask for r in rows], dtype=int)
    scores = np.zeros(len(rows))
    if v.clause_max:
        xc, owner = clause_matrix(rows, v, names)
        where = np.array(owner)
        for train, test in tg.folds(rows, 0):
            inside = np.isin(where, test)
            got = linear(x[train], y[train], x[test], v, xc[inside])
            scores[test] = got[:len(test)]
            for i, z in zip(where[inside], got[len(test):], strict=True):
                scores[i] = max(scores[i], z)
        return scores
    for train, test in tg.folds(rows, 0):
        xa = x[train]
        if v.nb:
            xb = (xa > 0).astype(float)
            p = 1.0 + np.asarray(xb[y[train] == 1].sum(axis=0)).ravel()
            q = 1.0 + np.asarray(xb[y[train] == 0].sum(axis=0)).ravel()
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            scale = (1 - v.nb) + v.nb * np.abs(ratio) if v.nb < 1 else ratio
            d = csr_matrix((scale, (np.arange(len(scale)), np.arange(len(scale)))))
            scores[test] = linear(xa @ d, y[train], x[test] @ d, v)
        else:
            scores[test] = linear(xa, y[train], x[test], v)
    return scores


def measure(rows: Sequence[tg.Example], patterns: list[bool], v: Variant,
            cache: dict) -> dict[str, tuple[float, float]]:
    s = oof(rows, v, cache)
    prob = [round(float(1 / (1 + np.exp(-np.clip(z, -50, 50)))), 4) for z in s]
    out = {}
    for lang in jobask.LANGUAGES:
        t = tg.choose_threshold(rows, prob, patterns, lang)
        out[lang] = tg.rates(rows, prob, patterns, lang, t)
    return out


C4 = SHIPPED
WORDS = jobask.Options(words=True, bigrams=True, stems=False, normalise=True)
STEMS = replace(C4, stems=True, stem_bigrams=True)
VARIANTS: dict[str, Variant] = {
    "shipped": Variant(),
    "shipped-all": Variant(keep=0),
    "C100": Variant(c=100.0),
    "C1000": Variant(c=1000.0),
    "C30": Variant(c=30.0),
    "balanced": Variant(balanced=True),
    "chars25": Variant(options=replace(C4, chars=(2, 3, 4, 5)), keep=20000),
    "chars35": Variant(options=replace(C4, chars=(3, 4, 5)), keep=20000),
    "chars3": Variant(options=replace(C4, chars=(3, 4)), keep=12000),
    "stems": Variant(options=STEMS, keep=12000),
    "conjoin": Variant(conjoin=True, keep=12000),
    "skip": Variant(extra=("skip",), keep=12000),
    "trigrams": Variant(extra=("trigrams",), keep=12000),
    "benefit": Variant(extra=("benefit",)),
    "neg": Variant(extra=("neg",)),
    "len": Variant(extra=("len",)),
    "nb1": Variant(nb=1.0),
    "nb.5": Variant(nb=0.5),
    "svm1": Variant(learner="svm", c=1.0),
    "svm10": Variant(learner="svm", c=10.0),
    "l1-100": Variant(learner="l1", c=100.0),
    "l1-10": Variant(learner="l1", c=10.0),
    "noclass": Variant(options=replace(C4, classes=False, sequence=False)),
    "words": Variant(options=WORDS),
    "keep12k": Variant(keep=12000),
    "keep25k": Variant(keep=25000),
    "scale2": Variant(options=replace(C4, class_scale=2.0), keep=0),
    "scale3": Variant(options=replace(C4, class_scale=3.0), keep=0),
    "scale.5": Variant(options=replace(C4, class_scale=0.5), keep=0),
    "all-C1000": Variant(keep=0, c=1000.0),
    "all-nb.5": Variant(keep=0, nb=0.5),
    "all-nb.25": Variant(keep=0, nb=0.25),
    "stems-all": Variant(options=STEMS, keep=0),
    "stems-nb.5": Variant(options=STEMS, keep=0, nb=0.5),
    "stems-nb.25": Variant(options=STEMS, keep=0, nb=0.25),
    "ens-stems": Variant(members=(Variant(options=STEMS, keep=0),
                                  Variant(options=STEMS, keep=0, nb=0.5))),
    "stems-s.5": Variant(options=replace(STEMS, class_scale=0.5), keep=0),
    "stems-s.35": Variant(options=replace(STEMS, class_scale=0.35), keep=0),
    "stems-s.7": Variant(options=replace(STEMS, class_scale=0.7), keep=0),
    "scale.35": Variant(options=replace(C4, class_scale=0.35), keep=0),
    "scale.5-25k": Variant(options=replace(C4, class_scale=0.5), keep=25000),
    "scale.5-C100": Variant(options=replace(C4, class_scale=0.5), keep=0, c=100.0),
    "scale.5-C1000": Variant(options=replace(C4, class_scale=0.5), keep=0, c=1000.0),
    "scale.7": Variant(options=replace(C4, class_scale=0.7), keep=0),
    "clause-max": Variant(options=replace(C4, class_scale=0.5), keep=25000, clause_max=True),
    "scale.5-nb.5": Variant(options=replace(C4, class_scale=0.5), keep=25000, nb=0.5),
    "ens-scale.5-stems": Variant(members=(
        Variant(options=replace(C4, class_scale=0.5), keep=25000),
        Variant(options=replace(STEMS, class_scale=0.5), keep=25000))),
    "ens-lr-nb": Variant(members=(Variant(keep=0), Variant(keep=0, nb=0.5))),
    "mlp16": Variant(learner="mlp", hidden=16, keep=0),
    # as shipped: the 25,000 features with the largest rows, weights as int8
    "mlp16-25k-q": Variant(learner="mlp", hidden=16, keep=25000, quantise=True),
    "mlp16-a1e-4": Variant(learner="mlp", hidden=16, alpha=1e-4, keep=25000, quantise=True),
    # three networks from three seeds, their logits averaged (= one of 48 units)
    "mlp16x3": Variant(members=tuple(Variant(learner="mlp", hidden=16, alpha=1e-4,
                                             keep=25000, quantise=True, seed=s)
                                     for s in (0, 1, 2))),
    "mlp16-e40": Variant(learner="mlp", hidden=16, alpha=1e-4, keep=25000, quantise=True,
                         epochs=40),
    "mlp16-stems": Variant(options=STEMS, learner="mlp", hidden=16, alpha=1e-4, keep=25000,
                           quantise=True),
    "mlp16-df2": Variant(learner="mlp", hidden=16, alpha=1e-4, keep=25000, quantise=True,
                         min_df=2),
    "mlp16-chars35": Variant(options=replace(C4, chars=(3, 4, 5)), learner="mlp", hidden=16,
                             alpha=1e-4, keep=25000, quantise=True),
    "mlp32": Variant(learner="mlp", hidden=32, keep=0),
    "mlp64": Variant(learner="mlp", hidden=64, keep=0),
    "mlp32-a1e-4": Variant(learner="mlp", hidden=32, alpha=1e-4, keep=0),
    "mlp32-e40": Variant(learner="mlp", hidden=32, epochs=40, keep=0),
}


def main(argv: Sequence[str]) -> int:
    paths = [tg.DATA / f for f in tg.TRAIN_FILES]
    rows = tg.load(paths)
    config = GuardConfig()
    patterns = [tg.check_patterns(r.text, config).blocked for r in rows]
    cache: dict = {}
    for name in argv or list(VARIANTS):
        got = measure(rows, patterns, VARIANTS[name], cache)
        print(f"{name:14s} " + "  ".join(f"{lang} {r:.1%}/{f:.1%}"
                                         for lang, (r, f) in got.items()),
              file=sys.stderr, flush=True)
    return 0

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
