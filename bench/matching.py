"""Matching throughput: kaffe's sparse BM25 index against a naive baseline.

Run by hand: ``.venv/bin/python bench/matching.py [--articles 50000 --contacts 1000]``.
It prints a table; nothing here is a timed assertion.

Data is synthetic but shaped like real text: a vocabulary of a few thousand
made-up words drawn from a Zipf distribution (a few words are everywhere, most
are rare), titles of 5-12 words and summaries of 30-90, and contacts with 3-8
topics of 1-4 words. Topic words come from the same Zipf distribution minus its
head (the most frequent words of a text are not what people name as topics).

The baseline is ``rank_bm25.BM25Okapi`` over the same stemmed tokens, scoring
one contact at a time and taking the top five, as a simple implementation
would. It is slow, so it is timed on ``--baseline-contacts`` contacts and
extrapolated linearly to all of them; the table says so.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.table import Row, print_table  # noqa: E402
from kaffe.config.schema import RelevanceConfig  # noqa: E402
from kaffe.model import Article, Topic  # noqa: E402
from kaffe.relevance.index import ArticleIndex  # noqa: E402
from kaffe.relevance.text import article_terms, topic_words  # noqa: E402

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
SYLLABLES = [c + v for c in "bdfgklmnprstv" for v in "aeiou"] + ["sk", "tr", "st", "nd"]
ZIPF_S = 1.07
TOPIC_HEAD = 50  # topic words skip the 50 most frequent words


class Corpus:
    """A seeded synthetic corpus: vocabulary, articles and contacts' topics."""

    def __init__(self, vocabulary: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.words = _make_words(vocabulary, random.Random(seed))
        ranks = np.arange(1, vocabulary + 1, dtype=np.float64)
        self.p = ranks**-ZIPF_S / np.sum(ranks**-ZIPF_S)
        tail = self.p[TOPIC_HEAD:]
        self.topic_p = tail / tail.sum()

    def text(self, low: int, high: int) -> str:
        picks = self.rng.choice(len(self.words), self.rng.integers(low, high + 1), p=self.p)
        return " ".join(self.words[i] for i in picks)

    def articles(self, count: int) -> list[Article]:
        return [
            Article(
                id=f"art{n:06d}", feed="bench", url=f"https://example.org/{n}",
                title=self.text(5, 12), summary=self.text(30, 90), language="en",
                published=NOW - timedelta(minutes=int(self.rng.integers(0, 60 * 24 * 30))),
            )
            for n in range(count)
        ]

    def profiles(self, count: int) -> dict[str, list[Topic]]:
        result = {}
        for n in range(count):
            contact = f"person{n}@example.org"
            topics = []
            for _ in range(self.rng.integers(3, 9)):
                picks = self.rng.choice(
                    len(self.topic_p), self.rng.integers(1, 5), p=self.topic_p
                )
                text = " ".join(self.words[TOPIC_HEAD + i] for i in picks)
                topics.append(Topic(contact, text, "bench", NOW))
            result[contact] = topics
        return result


def _make_words(count: int, rng: random.Random) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < count:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def peak_mib(fn: Callable[[], object]) -> float:
    """Peak Python heap (numpy buffers included) while ``fn`` runs, in MiB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def baseline(articles: list[Article], profiles: dict[str, list[Topic]]) -> dict[str, float]:
    """rank_bm25 over the same stems, one contact at a time: build and match seconds,
    and the peak heap of both (MiB)."""
    from rank_bm25 import BM25Okapi

    docs = [article_terms((a.title + " " + a.summary).lower().split(), "en") for a in articles]
    queries = [
        [s for t in topics for w in topic_words(t.text) for s in w.stems]
        for topics in profiles.values()
    ]
    built: list[BM25Okapi] = []
    tracemalloc.start()
    try:
        build, _ = timed(lambda: built.append(BM25Okapi(docs)))

        def run() -> None:
            for query in queries:
                scores = built[0].get_scores(query)
                np.argpartition(-scores, 5)[:5]

        seconds, _ = timed(run)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return {"build": build, "match": seconds, "peak": peak}


SECTION = "matching"
TARGET_SPEEDUP = 200


def rows(args: argparse.Namespace | None = None) -> list[Row]:
    """The matching rows of the bench table (the Row contract of bench/table.py)."""
    args = args if args is not None else parse_args([])
    corpus = Corpus(args.vocabulary, args.seed)
    articles = corpus.articles(args.articles)
    profiles = corpus.profiles(args.contacts)
    config = RelevanceConfig(threshold=args.threshold)
    size = f"{args.articles:,} articles x {args.contacts:,} contacts"

    index = ArticleIndex(config)
    build, _ = timed(lambda: index.add(articles))
    first, _ = timed(lambda: index.match(profiles))  # BM25 weights + profiles, once
    steady, found = timed(lambda: index.match(profiles))
    fresh = ArticleIndex(config)  # measured apart: tracemalloc slows what it traces
    peak = max(peak_mib(lambda: fresh.add(articles)), peak_mib(lambda: fresh.match(profiles)))

    subset = dict(list(profiles.items())[: args.baseline_contacts])
    base = baseline(articles, subset)
    scale = len(profiles) / len(subset)
    total = base["match"] * scale
    note = "" if len(subset) == len(profiles) else f", baseline timed on {len(subset)}"
    pairs = args.articles * args.contacts
    speedup = total / steady
    table: list[Row] = [
        (SECTION, f"match all contacts, s ({size}{note})", f"{steady:.3f}", f"{total:.1f}",
         f"{speedup:,.0f}x", f">= {TARGET_SPEEDUP}x faster",
         "yes" if speedup >= TARGET_SPEEDUP else "no"),
        (SECTION, "throughput, article-contact pairs/s", f"{pairs / steady:,.0f}",
         f"{pairs / total:,.0f}", f"{speedup:,.0f}x", "—", "—"),
        (SECTION, "index build, s", f"{build:.2f}", f"{base['build']:.2f}",
         f"{base['build'] / build:.1f}x", "—", "—"),
        (SECTION, "first match (weights + profiles), s", f"{first:.3f}", "—", "—", "—", "—"),
        (SECTION, "peak heap, MiB (tracemalloc)", f"{peak:.0f}", f"{base['peak']:.0f}",
         f"{base['peak'] / peak:.1f}x" if peak else "—", "—", "—"),
        (SECTION, "contacts with a match", f"{len(found):,}", "—", "—", "—", "—"),
    ]
    if args.big_contacts:
        big = corpus.profiles(args.big_contacts)
        index.match(big)
        seconds, _ = timed(lambda: index.match(big))
        big_base = base["match"] * args.big_contacts / len(subset)
        table.append((SECTION, f"match all contacts, s ({args.articles:,} articles x "
                      f"{args.big_contacts:,} contacts)", f"{seconds:.3f}", f"{big_base:.1f}",
                      f"{big_base / seconds:,.0f}x", f">= {TARGET_SPEEDUP}x faster",
                      "yes" if big_base / seconds >= TARGET_SPEEDUP else "no"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table.append((SECTION, "bench process max RSS, MiB (both, all data)", f"{rss:.0f}", "—",
                  "—", "—", "—"))
    return table


def main(argv: list[str] | None = None) -> int:
    print_table(rows(parse_args(argv)), sys.stdout)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=1_000)
    parser.add_argument("--baseline-contacts", type=int, default=50,
                        help="time the baseline on this many contacts and extrapolate")
    parser.add_argument("--big-contacts", type=int, default=10_000,
                        help="also time kaffe alone with this many contacts (0: skip)")
    parser.add_argument("--vocabulary", type=int, default=5_000)
    parser.add_argument("--threshold", type=float, default=RelevanceConfig().threshold)
    parser.add_argument("--seed", type=int, default=4)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
