"""The sparse, chunked, threaded scoring equals BM25 computed pair by pair: idf over the
articles plus the background, each term weighted by the share of its topic it is.

Rows here are long enough (hundreds of candidates per contact) that the
sample-based cut before ranking is used, and chunks run on two threads.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from kaffe.config.schema import RelevanceConfig
from kaffe.model import Article, Topic
from kaffe.relevance.background import Background, document_share
from kaffe.relevance.index import K1, TITLE_WEIGHT, VIRTUAL, ArticleIndex, B
from kaffe.relevance.matcher import SCALE
from kaffe.relevance.text import article_terms, tokens, topic_words

NOW = datetime(2026, 3, 10, tzinfo=UTC)
WORDS = [f"{c}{v}{c2}{v2}" for c in "bdkmst" for v in "aeiou" for c2 in "lnr" for v2 in "ao"]


def corpus(rng: random.Random, n: int) -> list[Article]:
    weights = [1 / (r + 1) for r in range(len(WORDS))]  # Zipf-like
    def text(k: int) -> str:
        return " ".join(rng.choices(WORDS, weights, k=k))
    return [Article(id=f"a{i}", feed="f", url="u", title=text(rng.randint(2, 6)),
                    summary=text(rng.randint(5, 30)), language="en",
                    published=NOW - timedelta(hours=i)) for i in range(n)]


def profiles(rng: random.Random, n: int) -> dict[str, list[Topic]]:
    return {f"c{i}": [Topic(f"c{i}", " ".join(rng.sample(WORDS[:40], rng.randint(1, 3))),
                            "note", NOW) for _ in range(rng.randint(1, 4))] for i in range(n)}


def reference(articles: list[Article], topics: list[Topic]) -> dict[str, tuple[float, int]]:
    """Score and distinct-stem count per article, computed the slow, obvious way."""
    docs = {a.id: Counter({t: TITLE_WEIGHT * c for t, c in
                           Counter(article_terms(tokens(a.title), "en")).items()})
            + Counter(article_terms(tokens(a.summary), "en")) for a in articles}
    df = Counter(t for doc in docs.values() for t in doc)
    avg = sum(sum(d.values()) for d in docs.values()) / len(docs)
    background = Background.load()

    def idf(term: str) -> float:
        seen = float(document_share(background.stem_zipf([term]), avg)[0]) * VIRTUAL
        return math.log1p((len(docs) + VIRTUAL - df[term] - seen + 0.5)
                          / (df[term] + seen + 0.5))

    query: dict[str, float] = {}
    for topic in topics:
        words = topic_words(topic.text)
        total = sum(min(idf(s) for s in w.stems) for w in words)
        for w in words:
            for s in w.stems:
                query[s] = max(query.get(s, 0.0), SCALE / total)
    result = {}
    for aid, doc in docs.items():
        norm = K1 * (1 - B + B * sum(doc.values()) / avg)
        shared = query.keys() & doc.keys()
        score = sum(query[t] * idf(t) * doc[t] * (K1 + 1) / (doc[t] + norm) for t in shared)
        result[aid] = (score, len(shared))
    return result


@pytest.mark.parametrize(("seed", "limit", "workers", "threshold"), [
    (1, 1, 1, 0.5), (2, 3, 2, 2.0), (3, 5, 2, 4.0), (4, 2, 1, 0.0),
])
def test_matches_are_the_exact_top_scores(seed, limit, workers, threshold):
    rng = random.Random(seed)
    articles, people = corpus(rng, 600), profiles(rng, 40)
    exclude = {c: {f"a{rng.randrange(600)}" for _ in range(20)} for c in list(people)[:10]}
    since = NOW - timedelta(hours=450)
    index = ArticleIndex(RelevanceConfig(threshold=threshold), workers=workers)
    index.add(articles)
    found = index.match(people, since=since, exclude=exclude, limit=limit)
    for contact, topics in people.items():
        ref = reference(articles, topics)
        allowed = sorted(((s, aid) for aid, (s, _n) in ref.items()
                          if s >= threshold and s > 0 and int(aid[1:]) <= 450
                          and aid not in exclude.get(contact, ())), reverse=True)
        got = found.get(contact, ())
        assert [m.score for m in got] == pytest.approx([s for s, _ in allowed[:limit]], rel=1e-4)
        assert all(ref[m.article_id][0] == pytest.approx(m.score, rel=1e-4) for m in got)
