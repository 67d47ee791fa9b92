"""Relevance on the labelled pairs: precision and recall at the default threshold, per
index size, within one language and across English and Danish.

Run by hand: ``.venv/bin/python bench/relevance.py [--sets a,b] [--sizes 2,10,100,1000,50000]``.
It prints a table; nothing here is a threshold assertion (tests/relevance/test_harness.py
keeps a floor on set A).

Each (topic, article) pair of ``tests/data/relevance/set_*.jsonl`` is scored the way the
daemon scores it: the articles go through :class:`kaffe.relevance.live.Relevance` (the
object the daemon cycle feeds), the topic is a contact's only topic, and the match must
come out of :meth:`Relevance.matches` at the configured threshold. So that exactly the
pair's article can match, every other article of the index is marked as already shared
with that contact. The index holds N articles: the pair's own, then background, in this
order: the other pairs' articles of the same set (seeded shuffle), the items of the
real-world feeds in ``../shared/realworld/feeds`` (read in place, parsed by kaffe's feed
parser), then articles generated from those two sources' sentences (one language per
generated article, 1 title sentence + 2-4 summary sentences, seeded). Up to N = 100 each
pair gets its own index; from 1,000 on one index holds all pairs' articles plus
background (the other pairs' articles are background for each pair).

Precision counts matches among grade 0 and 2 pairs; recall is over grade 2 (grade 1:
either answer is fine). "within" = topic and article in one language, "across" = en/da.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.table import Row, print_table  # noqa: E402
from kaffe.config.schema import Config, FeedConfig, RelevanceConfig  # noqa: E402
from kaffe.model import Article, Topic  # noqa: E402
from kaffe.relevance.live import Relevance  # noqa: E402

DATA = ROOT / "tests" / "data" / "relevance"
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
SIZES = (2, 10, 100, 1_000, 50_000)
PER_PAIR_UNTIL = 100  # index sizes up to this: one index per pair
_CHUNK = 25  # contacts per matches() call on a shared index (bounds the exclusion sets)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Pair:
    id: str
    topic: str
    topic_lang: str
    article: Article
    grade: int
    note: str

    @property
    def across(self) -> bool:
        return self.topic_lang != self.article.language


@dataclass
class Tally:
    """Matches among relevant (grade 2) and not relevant (grade 0) pairs."""

    relevant: int = 0
    found: int = 0  # grade 2 matched
    wrong: int = 0  # grade 0 matched
    negatives: int = 0
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    def add(self, pair: Pair, matched: bool) -> None:
        if pair.grade == 2:
            self.relevant += 1
            self.found += matched
            if not matched:
                self.missed.append(pair.id)
        elif pair.grade == 0:
            self.negatives += 1
            self.wrong += matched
            if matched:
                self.false.append(pair.id)

    @property
    def precision(self) -> float:
        return self.found / (self.found + self.wrong) if self.found + self.wrong else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.relevant if self.relevant else 1.0


def load_pairs(name: str) -> list[Pair]:
    """The pairs of ``set_<name>.jsonl``; each article's id is its pair's id."""
    pairs = []
    for line in (DATA / f"set_{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        article = Article(id=row["id"], feed="labelled", url=f"https://example.org/{row['id']}",
                          title=row["title"], summary=row["summary"],
                          published=NOW - timedelta(days=1), language=row["article_lang"])
        pairs.append(Pair(row["id"], row["topic"], row["topic_lang"], article, row["grade"],
                          row.get("note", "")))
    return pairs


def corpus_dir() -> Path | None:
    """$KAFFE_CORPUS, else ``shared/realworld`` beside the project (or beside its worktree
    folder)."""
    env = os.environ.get("KAFFE_CORPUS")
    places = [Path(env)] if env else [ROOT.parent / "shared" / "realworld",
                                      ROOT.parent.parent / "shared" / "realworld"]
    return next((p for p in places if (p / "feeds").is_dir()), None)


def realworld_articles() -> list[Article]:
    """Every item of the real-world feeds that kaffe's parser reads (broken ones skipped)."""
    from kaffe.connectors.feeds.parse import FeedMeta, parse_document

    corpus = corpus_dir()
    if corpus is None:
        return []
    found: list[Article] = []
    for path in sorted((corpus / "feeds").iterdir()):
        meta = FeedMeta(path.stem, str(path), FeedConfig(url=str(path)))
        try:
            items = parse_document(path.read_bytes(), meta, max_bytes=20_000_000)
        except Exception:  # noqa: BLE001 - several are broken on purpose
            continue
        for n, item in enumerate(items):
            found.append(replace(item, id=f"rw-{path.stem}-{n}", published=NOW - timedelta(days=2)))
    return found


def generated(sources: Sequence[Article], count: int, seed: int) -> list[Article]:
    """``count`` articles made of the sentences of ``sources``, one language each."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for article in sources:
        for text in (article.title, *_SENTENCE.split(article.summary)):
            if len(text.split()) >= 4:
                by_lang.setdefault(article.language or "", []).append(text)
    langs = sorted(by_lang)
    out = []
    for n in range(count):
        lang = langs[n % len(langs)]
        pool = by_lang[lang]
        title = " ".join(rng.choice(pool).split()[:12])
        summary = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
        out.append(Article(id=f"gen-{n:06d}", feed="generated", url=f"https://example.org/g{n}",
                           title=title, summary=summary, language=lang,
                           published=NOW - timedelta(days=3)))
    return out


class _NoStore:
    """What :meth:`Relevance.update` reads of the store on its first call: nothing."""

    def articles(self, *, since: datetime | None = None) -> list[Article]:
        return []


def _relevance(config: Config, articles: Iterable[Article]) -> Relevance:
    relevance = Relevance(config)
    relevance.update(_NoStore(), list(articles), NOW)  # type: ignore[arg-type]
    return relevance


def _matched(relevance: Relevance, pairs: Sequence[Pair], all_ids: set[str]) -> dict[str, float]:
    """Score of each pair whose article matched its topic (others are left out)."""
    scores: dict[str, float] = {}
    for lo in range(0, len(pairs), _CHUNK):
        chunk = pairs[lo:lo + _CHUNK]
        topics = {p.id: (Topic(p.id, p.topic, "note", NOW - timedelta(days=5)),) for p in chunk}
        shared = {p.id: all_ids - {p.article.id} for p in chunk}
        found = relevance.matches(topics, shared, list(topics), NOW)
        for contact, matches in found.items():
            for match in matches:
                if match.article_id == contact:
                    scores[contact] = match.score
    return scores


def scores_at(pairs: Sequence[Pair], background: Sequence[Article], size: int,
              config: Config, seed: int = 15) -> dict[str, float]:
    """Scores of the matched pairs in an index of ``size`` articles."""
    if size <= PER_PAIR_UNTIL:
        rng = random.Random(seed)
        scores = {}
        for pair in pairs:
            others = [p.article for p in pairs if p.id != pair.id]
            rng.shuffle(others)
            pool = others + list(background)
            index = [pair.article, *pool[:size - 1]]
            scores.update(_matched(_relevance(config, index), [pair], {a.id for a in index}))
        return scores
    own = [p.article for p in pairs]
    index = own + list(background[:max(0, size - len(own))])
    return _matched(_relevance(config, index), pairs, {a.id for a in index})


def tallies(pairs: Sequence[Pair], scores: dict[str, float],
            threshold: float) -> dict[str, Tally]:
    result = {"all": Tally(), "within": Tally(), "across": Tally()}
    for pair in pairs:
        matched = scores.get(pair.id, -1.0) >= threshold
        result["all"].add(pair, matched)
        result["across" if pair.across else "within"].add(pair, matched)
    return result


def background_for(pairs: Sequence[Pair], largest: int, seed: int = 15) -> list[Article]:
    """Real-world items, then generated ones, enough for an index of ``largest``."""
    real = realworld_articles()
    need = max(0, largest - len(pairs) - len(real))
    return real + generated([p.article for p in pairs] + real, need, seed)


def evaluate(name: str, sizes: Sequence[int], config: Config, *, limit: int | None = None
             ) -> dict[int, dict[str, Tally]]:
    """Tallies per index size for set ``name`` (its first ``limit`` pairs if given)."""
    pairs = load_pairs(name)[:limit]
    background = background_for(pairs, max(sizes))
    raw = replace(config, relevance=replace(config.relevance, threshold=0.0))
    return {size: tallies(pairs, scores_at(pairs, background, size, raw),
                          config.relevance.threshold) for size in sizes}


def sweep(name: str, sizes: Sequence[int], thresholds: Sequence[float]) -> list[str]:
    """Lines of precision/recall (all, within, across) per threshold and index size: how
    the default threshold is chosen (on set A only)."""
    pairs = load_pairs(name)
    background = background_for(pairs, max(sizes))
    config = Config(relevance=RelevanceConfig(threshold=0.0))
    scores = {size: scores_at(pairs, background, size, config) for size in sizes}
    lines = []
    for threshold in thresholds:
        cells = []
        for size in sizes:
            t = tallies(pairs, scores[size], threshold)
            cells.append(f"N={size}: " + " ".join(
                f"{label} {t[part].precision:.2f}/{t[part].recall:.2f}"
                for label, part in (("a", "all"), ("w", "within"), ("x", "across"))))
        lines.append(f"set {name.upper()} threshold {threshold:5.2f}  " + "  ".join(cells))
    return lines


def rows(args: argparse.Namespace) -> list[Row]:
    config = Config(relevance=RelevanceConfig(**({"threshold": args.threshold}
                                                 if args.threshold is not None else {})))
    target = "P>=0.90 R>=0.80"
    out: list[Row] = []
    for name in args.sets.split(","):
        results = evaluate(name, [int(s) for s in args.sizes.split(",")], config)
        for size, tally in results.items():
            for part in ("within", "across", "all"):
                t = tally[part]
                met = "yes" if t.precision >= 0.9 and t.recall >= 0.8 else "no"
                out.append((f"relevance set {name.upper()}", f"N={size:,} {part}",
                            f"P {t.precision:.2f} R {t.recall:.2f}",
                            f"{t.found}/{t.relevant} found, {t.wrong}/{t.negatives} wrong",
                            "—", target, met))
            if args.verbose:
                print(f"set {name} N={size}: missed {tally['all'].missed}", file=sys.stderr)
                print(f"set {name} N={size}: false {tally['all'].false}", file=sys.stderr)
    return out


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", default="a,b", help="comma-separated: a (development), b (held out)")
    p.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    p.add_argument("--threshold", type=float, help="instead of the configured default")
    p.add_argument("--sweep", help="thresholds lo:hi:step: P/R (a=all, w=within, x=across) "
                   "per threshold instead of the table")
    p.add_argument("--verbose", action="store_true", help="ids of missed and wrong pairs")
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.ERROR)  # the broken real-world feeds say why, once each
    args = parser().parse_args(argv)
    if args.sweep:
        lo, hi, step = (float(x) for x in args.sweep.split(":"))
        grid = [round(lo + i * step, 3) for i in range(int((hi - lo) / step + 1.5))]
        for name in args.sets.split(","):
            print("\n".join(sweep(name, [int(s) for s in args.sizes.split(",")], grid)))
        return 0
    print_table(rows(args), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
