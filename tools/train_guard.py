"""Train the guard's job-ask model (``src/kaffe/jobask/model.tsv``) on the labelled
training sentences in ``tests/data/guard`` (never on ``test*.jsonl``: those are held out),
and on kaffe's own sentences (the golden drafts in ``tests/compose/golden``, every template
kaffe ships, rendered), ok lines of one more author: a model that blocks kaffe's own words
stops kaffe drafting (``--no-own-lines`` leaves them out).

The model is a network with one hidden layer of ReLU units (scikit-learn's
MLPClassifier: adam, batches of 256, a fixed number of epochs, seed 0) over the
features of :mod:`kaffe.jobask` that at least ``min_df`` training sentences have.

1. The setting (features, units, L2 penalty) is chosen by cross-validation on the
   training data, leaving one author (one training file) out at a time when there are
   three or more (else repeated stratified 5-fold): the score of a setting is, per language, the
   share of asks blocked (by the model or the guard's patterns, as ``kaffe guard``
   decides) at the threshold that flags at most 2.5% of ok lines; the worst language
   counts.
2. The threshold per language is chosen on the out-of-fold scores of the chosen
   setting: the lowest score that keeps the ok lines flagged at or under 2.5%
   (false positives count patterns too), so as many asks as possible are blocked.
3. The model is fitted on all of the training data, pruned to the features with the
   largest rows of weights, stored as int8 steps (:func:`kaffe.jobask.quantise`) and
   written in the order of their hashes (kaffe reads them straight into arrays).
   Out-of-fold scores come from the same pruned, quantised model kaffe would load.

Deterministic: the same data gives the same file byte for byte on one machine (fixed
folds, seed and epochs, sorted vocabulary). Needs scikit-learn (the ``tools`` extra);
kaffe itself scores the model in pure Python.

``python tools/train_guard.py [--quick] [--out PATH] [--data FILE...]``; ``--evaluate`` also
prints the figures on the held-out ``test*.jsonl`` sets (report only);
``--same-setting`` skips the grid and refits the shipped model's setting (new data; on
42 authors 17 minutes on two cores, on 61 and kaffe's own lines 40, most of it the
leave-one-author-out fits that choose the thresholds, which grow with the authors; the
grid takes about six times as long).
``--jobs`` fits that many folds at once (default one per CPU, about 0.9 GB each): every
fit runs on one thread, so the file is the same whatever the number.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import json
import multiprocessing
import os
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402  (scikit-learn's own dependency)

from kaffe import jobask  # noqa: E402
from kaffe.compose.guard import check_patterns, sentence_language  # noqa: E402
from kaffe.config.schema import GuardConfig  # noqa: E402

DATA = ROOT / "tests" / "data" / "guard"
GOLDEN = ROOT / "tests" / "compose" / "golden"  # every template kaffe ships, rendered


def numbered(prefix: str) -> tuple[str, ...]:
    """The files ``<prefix>.jsonl``, ``<prefix>2.jsonl``, ... of DATA, in number order
    (each by its own author)."""
    numbers = [found.group(1) for path in DATA.iterdir()
               if (found := re.fullmatch(rf"{prefix}(\d*)\.jsonl", path.name))]
    return tuple(f"{prefix}{n}.jsonl" for n in sorted(numbers, key=lambda n: int(n or 1)))


TRAIN_FILES = numbered("train")
HELD_OUT = numbered("test")  # reported, never trained or tuned on
OUT = ROOT / "src" / "kaffe" / "jobask" / "model.tsv"
MAX_FP = 0.025
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    ask: bool
    author: int = 0  # which training file (each is one author's)


@dataclass(frozen=True)
class Setting:
    options: jobask.Options
    hidden: int = 16  # units of the hidden layer
    alpha: float = 1e-3  # L2 penalty
    keep: int = 25_000  # features kept after pruning (0 = all)
    epochs: int = 25  # passes over the training data
    min_df: int = 3  # features in at least this many training sentences

    def describe(self) -> str:
        return (f"hidden={self.hidden} alpha={self.alpha:g} epochs={self.epochs} "
                f"min_df={self.min_df} keep={self.keep or 'all'} {self.options.as_json()}")


def load(paths: Sequence[Path]) -> list[Example]:
    rows = []
    for author, path in enumerate(paths):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                rows.append(Example(raw["text"], raw["lang"], raw["label"] == "ask", author))
    return rows


def own_lines(golden: Path = GOLDEN) -> list[tuple[str, str]]:
    """kaffe's own sentences, (text, language), once each: the subject and body of every
    golden draft (each template kaffe ships, rendered in English and Danish), split and
    judged as the guard splits and judges a draft (greeting and sign-off lines skipped, a
    sentence's language its own, else the draft's). None of them asks for a job (kaffe
    never does), and a model that blocks one stops kaffe drafting: they are ok lines of
    one more author."""
    found: dict[str, str] = {}
    for path in sorted(golden.glob("*.expected")):
        head, _, body = path.read_text("utf-8").partition("\n\n")
        subject = str(email.message_from_string(head + "\n\n", policy=email.policy.default)
                      .get("subject", ""))
        draft = "da" if path.stem.endswith("_da") else "en"
        text = subject + "\n" + body
        for a, b in jobask.sentences(text):
            sentence = text[a:b]
            if jobask.salutation(sentence) or sentence in found:
                continue
            found[sentence] = sentence_language(sentence, lambda lang=draft: lang)
    return list(found.items())


def with_own_lines(rows: list[Example], golden: Path = GOLDEN) -> list[Example]:
    """``rows`` and kaffe's own sentences (:func:`own_lines`) as the next author's."""
    author = max((r.author for r in rows), default=-1) + 1
    return rows + [Example(text, lang, False, author) for text, lang in own_lines(golden)]


Features = list[dict[str, float]]


def featurise(rows: Sequence[Example], options: jobask.Options) -> Features:
    return [jobask.features(r.text, r.lang, options) for r in rows]


def matrix(feats: Features) -> tuple[csr_matrix, list[str]]:
    names = sorted({n for f in feats for n in f})
    column = {n: i for i, n in enumerate(names)}
    data, cols, ptr = [], [], [0]
    for f in feats:
        for name in sorted(f):
            cols.append(column[name])
            data.append(f[name])
        ptr.append(len(cols))
    return csr_matrix((data, cols, ptr), shape=(len(feats), len(names))), names


def fit_network(x: csr_matrix, y: np.ndarray, hidden: int, alpha: float, epochs: int,
                min_df: int, seed: int = 0) -> tuple[np.ndarray, MLPClassifier]:
    """The columns of ``x`` at least ``min_df`` rows have, and the network fitted on
    them (a fixed number of epochs of adam, not to convergence)."""
    used = np.flatnonzero(np.asarray((x > 0).sum(axis=0)).ravel() >= min_df)
    net = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, max_iter=epochs,
                        batch_size=min(256, x.shape[0]), learning_rate_init=1e-3,
                        random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(x[:, used], y)
    return used, net


def largest_rows(weights: np.ndarray, keep: int) -> np.ndarray:
    """Indices of the ``keep`` rows of ``weights`` with the largest length (ties: the
    earlier row, i.e. the feature name first in order), all when ``keep`` is 0."""
    if not keep or len(weights) <= keep:
        return np.arange(len(weights))
    return np.argsort(-np.linalg.norm(weights, axis=1), kind="stable")[:keep]


def fit(rows: Sequence[Example], feats: Features,
        setting: Setting) -> tuple[jobask.Model, dict[str, list[int]]]:
    """The model fitted on ``rows``, and its int8 rows by feature name (for the file)."""
    x, names = matrix(feats)
    y = np.array([r.ask for r in rows], dtype=int)
    used, net = fit_network(x, y, setting.hidden, setting.alpha, setting.epochs,
                            setting.min_df)
    weights = net.coefs_[0]
    kept = np.sort(largest_rows(weights, setting.keep))
    floats = {names[used[i]]: [float(w) for w in weights[i]] for i in kept}
    steps, scale = jobask.quantise(floats, setting.hidden)
    model = jobask.Model.from_steps(
        setting.options, dict.fromkeys(jobask.LANGUAGES, 0.5), steps, scale,
        [float(b) for b in net.intercepts_[0]], [float(w) for w in net.coefs_[1][:, 0]],
        float(net.intercepts_[1][0]))
    return model, steps


def folds(rows: Sequence[Example], seed: int) -> list[tuple[list[int], list[int]]]:
    """Leave one author out when there are three or more (each sentence is scored by a
    model that never saw its author's way of writing, as kaffe's users will be: the
    threshold chosen on these scores holds for a new author); else stratified 5-fold."""
    authors = sorted({r.author for r in rows})
    if len(authors) >= 3:
        return [([i for i, r in enumerate(rows) if r.author != a],
                 [i for i, r in enumerate(rows) if r.author == a]) for a in authors]
    strata = [f"{r.lang}-{r.ask}" for r in rows]
    split = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    return [(list(a), list(b)) for a, b in split.split(np.zeros(len(rows)), strata)]


def cv_name(rows: Sequence[Example]) -> str:
    """How the cross-validation split ``rows`` (see :func:`folds`)."""
    authors = len({r.author for r in rows})
    return f"CV leaving one of {authors} authors out" if authors >= 3 else "5-fold CV"


def out_of_fold(rows: Sequence[Example], feats: Features, setting: Setting,
                seed: int, jobs: int = 1) -> list[float]:
    """Each sentence's score by the model fitted on the other folds (as kaffe scores),
    the folds fitted ``jobs`` at a time (the same scores for any ``jobs``: every fit runs
    on one thread, and a fold's fit does not depend on the others)."""
    global _SHARED
    splits = folds(rows, seed)
    scores = [0.0] * len(rows)
    _SHARED = (rows, feats, setting)
    try:
        if jobs > 1 and len(splits) > 1:
            # fork: the workers inherit the rows and features instead of a pickled copy
            context = multiprocessing.get_context("fork")
            with context.Pool(min(jobs, len(splits))) as pool:
                results = pool.map(_fold_scores, splits, chunksize=1)
        else:
            results = [_fold_scores(split) for split in splits]
    finally:
        _SHARED = ()
    for pairs in results:
        for i, score in pairs:
            scores[i] = score
    return scores


_SHARED: tuple = ()  # (rows, feats, setting) of the out_of_fold call under way


def _fold_scores(split: tuple[list[int], list[int]]) -> list[tuple[int, float]]:
    """The held-out sentences of one fold and their scores (in a worker: see out_of_fold)."""
    rows, feats, setting = _SHARED
    train, test = split
    with threadpool_limits(1):  # a second BLAS thread does not speed a fit up (measured)
        model, _ = fit([rows[i] for i in train], [feats[i] for i in train], setting)
    return [(i, jobask.probability(feats[i], model)) for i in test]


def rates(rows: Sequence[Example], scores: Sequence[float], patterns: Sequence[bool],
          lang: str, threshold: float) -> tuple[float, float]:
    """(share of asks blocked, share of ok lines flagged) in ``lang`` at ``threshold``."""
    asks = oks = caught = flagged = 0
    for r, s, p in zip(rows, scores, patterns, strict=True):
        if r.lang != lang:
            continue
        blocked = p or s >= threshold
        if r.ask:
            asks, caught = asks + 1, caught + blocked
        else:
            oks, flagged = oks + 1, flagged + blocked
    return caught / max(asks, 1), flagged / max(oks, 1)


def choose_threshold(rows: Sequence[Example], scores: Sequence[float],
                     patterns: Sequence[bool], lang: str) -> float:
    """The lowest threshold that flags at most MAX_FP of the ok lines in ``lang``."""
    ok_scores = sorted((s for r, s, p in zip(rows, scores, patterns, strict=True)
                        if r.lang == lang and not r.ask and not p), reverse=True)
    oks = sum(1 for r in rows if r.lang == lang and not r.ask)
    by_patterns = sum(1 for r, p in zip(rows, patterns, strict=True)
                      if r.lang == lang and not r.ask and p)
    allowed = int(MAX_FP * oks) - by_patterns  # ok lines the model may still flag
    if allowed < 0:
        return 1.0
    if allowed >= len(ok_scores):
        return 0.0
    # just above the (allowed+1)-th highest ok score
    return round(ok_scores[allowed] + 1e-4, 4)


def evaluate(rows: Sequence[Example], feats: Features, setting: Setting,
             patterns: Sequence[bool], jobs: int = 1
             ) -> tuple[float, dict[str, tuple[float, float, float]], list[float]]:
    """Min over languages of recall at the chosen threshold, averaged over SEEDS, per
    language (threshold, recall, fp) on the pooled out-of-fold scores, and the first
    seed's out-of-fold scores (what the thresholds are chosen on)."""
    per: dict[str, list[tuple[float, float, float]]] = {lang: [] for lang in jobask.LANGUAGES}
    first: list[float] = []
    # leave-one-author-out folds are the same for every seed
    for seed in SEEDS if len({r.author for r in rows}) < 3 else SEEDS[:1]:
        scores = out_of_fold(rows, feats, setting, seed, jobs)
        first = first or scores
        for lang in jobask.LANGUAGES:
            t = choose_threshold(rows, scores, patterns, lang)
            recall, fp = rates(rows, scores, patterns, lang, t)
            per[lang].append((t, recall, fp))
    summary = {lang: tuple(float(np.mean([v[i] for v in values])) for i in range(3))
               for lang, values in per.items()}
    worst = min(v[1] for v in summary.values())
    return worst, summary, first  # type: ignore[return-value]


def candidates(quick: bool) -> list[Setting]:
    """The grid: the number of hidden units and the L2 penalty, on the features the
    linear models chose (words, word pairs, in-word character 4-grams, word classes and
    their order; stems and other families lost there: bench/RESULTS.md, guard), pruned
    to the 25,000 features with the largest rows. Fewer units first: on a tie the
    smaller network wins."""
    shape = jobask.Options(words=True, bigrams=True, stems=False, chars=(4,), classes=True,
                           sequence=True, normalise=True)
    if quick:
        return [Setting(shape, hidden=4, epochs=5, min_df=1, keep=2000)]
    return [Setting(shape, hidden=h, alpha=a)
            for h, a in itertools.product((8, 16, 32), (1e-4, 1e-3))]


def shipped_setting(path: Path) -> Setting:
    """The setting a model file was fitted with (its summary line names the network's
    size, penalty, epochs and pruning; ``@options`` the features)."""
    text = path.read_text("utf-8")
    found = re.search(r"hidden=(\d+) alpha=(\S+) epochs=(\d+) min_df=(\d+) keep=(\S+) ", text)
    if found is None:
        raise SystemExit(f"{path}: no 'hidden=... keep=...' in its summary line")
    hidden, alpha, epochs, min_df, keep = found.groups()
    return Setting(jobask.parse(text).options, int(hidden), float(alpha),
                   0 if keep == "all" else int(keep), int(epochs), int(min_df))


def recall_target_fp(rows: Sequence[Example], scores: Sequence[float],
                     patterns: Sequence[bool], lang: str, recall: float = 0.95) -> float:
    """The share of ok lines flagged at the highest threshold that blocks ``recall`` of
    the asks in ``lang`` (the other end of the trade-off, for the report)."""
    asks = sorted((s for r, s, p in zip(rows, scores, patterns, strict=True)
                   if r.lang == lang and r.ask and not p), reverse=True)
    total = sum(1 for r in rows if r.lang == lang and r.ask)
    need = max(0, int(np.ceil(recall * total)) - (total - len(asks)))
    threshold = asks[need - 1] if need else 1.01
    return rates(rows, scores, patterns, lang, threshold)[1]


def choose(results: Sequence[tuple[float, tuple[int, int], Setting]],
           rows: Sequence[Example]) -> Setting:
    """The cheapest setting (the earliest feature shape in the grid, then the fewest
    hidden units) within one standard error of the best recall overall (a difference of
    a few sentences is noise), and of those the one with the best recall."""
    top = max(r[0] for r in results)
    asks = min(sum(1 for r in rows if r.lang == lang and r.ask) for lang in jobask.LANGUAGES)
    error = float(np.sqrt(top * (1 - top) / max(asks, 1)))
    near = [r for r in results if r[0] >= top - error - 1e-9]
    shape = min(r[1] for r in near)
    chosen = max((r for r in near if r[1] == shape), key=lambda r: r[0])
    print(f"best {top:.1%}, one standard error {error:.1%}: {chosen[2].describe()}",
          file=sys.stderr)
    return chosen[2]


def write(model: jobask.Model, steps: dict[str, list[int]], path: Path, summary: str) -> None:
    def numbers(values: Sequence[float]) -> str:
        return "\t".join(str(v) for v in values)

    lines = [
        "# kaffe's job-ask model: written by tools/train_guard.py, do not edit by hand",
        f"# {summary}",
        f"@options\t{model.options.as_json()}",
    ]
    lines += [f"@threshold\t{lang}\t{model.thresholds[lang]:.4f}" for lang in jobask.LANGUAGES]
    lines += [f"@scale\t{numbers(model.scale)}", f"@hidden_bias\t{numbers(model.hidden_bias)}",
              f"@output\t{numbers(model.output)}", f"@bias\t{model.bias}"]
    lines += [f"{name}\t{jobask.hex_row(row)}" for name, row in jobask.ordered(steps)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def held_out(model: jobask.Model | None) -> None:
    """The figures on each held-out set, per language (``model`` None: the shipped one)."""
    from kaffe.compose.guard import check

    config = GuardConfig()
    for name in HELD_OUT:
        rows = load([DATA / name])
        for lang in jobask.LANGUAGES:
            for label, what in ((True, "asks blocked"), (False, "ok lines flagged")):
                subset = [r for r in rows if r.lang == lang and r.ask == label]
                if not subset:
                    continue
                hits = sum(check(r.text, config, fitted=model).blocked for r in subset)
                print(f"{name} {lang}: {what} {hits}/{len(subset)} = "
                      f"{hits / max(len(subset), 1):.1%}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small grid (for tests)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--data", type=Path, nargs="*", help="training files (default: "
                        "the train*.jsonl files of tests/data/guard that exist)")
    parser.add_argument("--limit", type=int, default=0, help="use the first N sentences")
    parser.add_argument("--evaluate", action="store_true", help="also report held-out figures")
    parser.add_argument("--same-setting", action="store_true",
                        help="skip the grid: refit with the shipped model's setting (features, "
                        "C, pruning) on the training data; thresholds by CV as always")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="folds fitted at once (default: one per CPU; about 1 GB each "
                        "on the full data)")
    parser.add_argument("--no-own-lines", action="store_true",
                        help="leave out kaffe's own sentences (the golden drafts), which are "
                        "otherwise one more author's ok lines")
    parser.add_argument("--evaluate-only", action="store_true",
                        help="only report the shipped model's held-out figures")
    args = parser.parse_args(argv)
    if args.evaluate_only:
        held_out(None)
        return 0
    paths = args.data or [DATA / f for f in TRAIN_FILES]
    rows = load(paths)
    if args.limit:
        rows = rows[: args.limit]
    read = len(rows)
    if not args.no_own_lines:
        rows = with_own_lines(rows)
    config = GuardConfig()
    patterns = [check_patterns(r.text, config).blocked for r in rows]
    cache: dict[jobask.Options, Features] = {}
    results: list[tuple[float, tuple[int, int], Setting]] = []
    oof: dict[Setting, list[float]] = {}
    grid = [shipped_setting(OUT)] if args.same_setting else candidates(args.quick)
    shapes = list(dict.fromkeys(c.options for c in grid))
    for setting in grid:
        if setting.options not in cache:
            cache[setting.options] = featurise(rows, setting.options)
        feats = cache[setting.options]
        worst, summary, oof[setting] = evaluate(rows, feats, setting, patterns, args.jobs)
        shown = "  ".join(f"{lang}: t={t:.3f} recall={r:.1%} fp={f:.1%}"
                          for lang, (t, r, f) in summary.items())
        print(f"{worst:.1%}  {setting.describe()}  {shown}", file=sys.stderr, flush=True)
        results.append((worst, (shapes.index(setting.options), setting.hidden), setting))
    setting = choose(results, rows)
    feats = cache[setting.options]
    # the thresholds: on the pooled out-of-fold scores of the first seed's folds
    scores = oof[setting]
    thresholds = {lang: choose_threshold(rows, scores, patterns, lang)
                  for lang in jobask.LANGUAGES}
    figures = []
    for lang in jobask.LANGUAGES:
        recall, fp = rates(rows, scores, patterns, lang, thresholds[lang])
        figures.append(f"{lang} t={thresholds[lang]:.4f} recall={recall:.1%} fp={fp:.1%} "
                       f"(fp at 95% recall: {recall_target_fp(rows, scores, patterns, lang):.1%})")
    with threadpool_limits(1):  # as the folds: the same file on any number of cores
        fitted, steps = fit(rows, feats, setting)
    model = replace(fitted, thresholds=thresholds)
    own = f" and {len(rows) - read} of kaffe's own" if len(rows) > read else ""
    note = (f"{read} sentences from {', '.join(p.name for p in paths)}{own}; "
            f"{setting.describe()}; {cv_name(rows)} (with patterns): {'; '.join(figures)}")
    write(model, steps, args.out, note)
    print(note)
    if args.evaluate:
        held_out(jobask.parse(args.out.read_text("utf-8")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
