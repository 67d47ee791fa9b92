"""The article index: BM25 over stemmed terms, all contacts scored in one product.

idf blends the indexed articles with a background of word frequencies
(:mod:`.background`), and each query term is weighted by the share of its topic it is,
so that scores do not depend on how many articles happen to be indexed.

Articles are analysed once, as they arrive, into a sparse article x term
matrix of term frequencies; the concept groups an article holds (:mod:`.concepts`) are
terms of it too (found then, while the words' order is known: the concept table is read
with the first article, as the background table is). When something changed, the BM25
weights are rebuilt lazily in one vectorised pass (idf and average length depend on the
whole collection). Matching compiles every contact's topics into one sparse
contact x term query matrix and multiplies it by the term x article weights:
one product scores every pair, and only the few best per contact are
explained in Python. Matrices stay sparse throughout (:mod:`.csr`: numpy alone).
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import numpy as np

from kaffe.config.schema import RelevanceConfig
from kaffe.model import Article, Match, Topic
from kaffe.relevance.background import Background, document_share
from kaffe.relevance.compounds import Splitter
from kaffe.relevance.concepts import Concepts, concept_stem
from kaffe.relevance.csr import Csr, vstack
from kaffe.relevance.lexicon import Lexicon
from kaffe.relevance.matcher import Collection, MatchRun
from kaffe.relevance.profile import Profile, compile_profile
from kaffe.relevance.scoring import Filters
from kaffe.relevance.text import article_language, article_terms, tokens
from kaffe.relevance.weights import Bm25

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2  # a title word counts as two summary words
# Background articles blended into idf (see :class:`.weights.Bm25`): below this many
# indexed articles the word frequencies of ordinary text weigh more than the index.
VIRTUAL = 2_000
_NO_TIME = -math.inf  # an article without any time passes no ``since`` filter


class ArticleIndex:
    """Articles indexed once by id; contacts' topic profiles scored against them.

    Keep one index for the life of the daemon: add each cycle's new articles,
    discard old ones now and then, and match all contacts in one call. Not
    thread-safe: call it from one thread (it uses worker threads internally).
    """

    def __init__(self, config: RelevanceConfig, *, k1: float = K1, b: float = B,
                 workers: int | None = None) -> None:
        self.config = config
        self.k1, self.b = k1, b
        # Scoring runs in numpy without the GIL: a few threads pay off.
        self.workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self._vocab: dict[str, int] = {}
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._times = np.empty(0, dtype=np.float64)
        self._tf = Csr.empty()
        self._pending: list[tuple[str, float, Counter[int]]] = []
        self._floor = _NO_TIME
        self._weights: Bm25 | None = None
        self._profiles: dict[str, tuple[tuple[str, ...], Profile]] = {}
        self._by_topics: dict[tuple[str, ...], Profile] = {}
        self._background: Background | None = None
        self._lexicon: Lexicon | None = None
        self._concepts: Concepts | None = None
        self._heads = bytearray()  # per term: 1 if some concept term starts with it
        self._zipf = np.empty(0, dtype=np.float32)  # per term: how common in ordinary text
        self._generation = 0

    @property
    def generation(self) -> int:
        """Moves whenever articles are added or discarded: equal values, equal articles."""
        return self._generation

    def count_since(self, since: datetime) -> int:
        """How many indexed articles are from ``since`` on (what ``match`` keeps): for one
        :attr:`generation`, equal counts mean equal sets of articles."""
        self._flush()
        return int(np.count_nonzero(self._times >= since.timestamp()))

    def __len__(self) -> int:
        return len(self._ids) + len(self._pending)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._row

    def add(self, articles: Iterable[Article], *, fetched: datetime | None = None) -> int:
        """Index new articles; return how many were new.

        An article is indexed once by id. Its time is its published time, else
        ``fetched``; articles older than the last :meth:`discard_older_than`
        are not taken back in.
        """
        added = 0
        splitter = Splitter(self._table())  # remembers this call's words, no longer
        for article in articles:
            when = _timestamp(article.published or fetched)
            if article.id in self._row or when < self._floor:
                continue
            self._row[article.id] = len(self._ids) + len(self._pending)
            self._pending.append((article.id, when, self._terms(article, splitter)))
            added += 1
        if added:
            self._weights = None
            self._generation += 1
        return added

    def discard_older_than(self, moment: datetime) -> int:
        """Drop articles published (or fetched) before ``moment``; return how many."""
        self._floor = max(self._floor, moment.timestamp())
        self._flush()
        keep = self._times >= self._floor
        dropped = int(keep.size - np.count_nonzero(keep))
        if dropped:
            self._tf = self._tf.rows(keep)
            self._times = self._times[keep]
            self._ids = [i for i, k in zip(self._ids, keep, strict=True) if k]
            self._row = {article_id: n for n, article_id in enumerate(self._ids)}
            self._weights = None
            self._generation += 1
            log.debug("discarded %d articles, %d left", dropped, len(self._ids))
        return dropped

    def match(
        self,
        profiles: Mapping[str, Sequence[Topic]],
        *,
        since: datetime | None = None,
        exclude: Mapping[str, set[str]] | None = None,
        limit: int = 5,
        threshold: float | None = None,
    ) -> dict[str, tuple[Match, ...]]:
        """The best articles per contact, best first, at most ``limit`` each.

        A match needs a score (10 x the share of a topic's weight the article holds,
        :func:`.profile.query_weights`) of at least ``threshold`` (by default
        ``config.threshold``; ``kaffe plan`` asks lower for near misses) and at least
        ``config.min_terms`` distinct matched words. ``since`` keeps articles
        published (or fetched) at or after it; ``exclude[contact]`` holds
        article ids already sent to that contact. Contacts without a match are
        left out.
        """
        contacts = list(profiles)
        splitter = Splitter(self._table())
        compiled = [self._profile(c, profiles[c], splitter) for c in contacts]
        weights = self._ensure_weights()
        if weights.idf.size < len(self._vocab):  # topic words no article has
            self._weights = None
            weights = self._ensure_weights()
        if not contacts or not self._ids or limit <= 0:
            return {}
        collection = Collection(self._ids, self._tf, weights)
        filters = self._filters(weights, since, threshold)
        run = MatchRun(collection, compiled, contacts, filters, limit)
        excluded = [self._rows_of((exclude or {}).get(c, ())) for c in contacts]
        found = run.run(excluded, self.workers)
        return {contacts[n]: matches for n, matches in found.items()}

    # -- analysis ---------------------------------------------------------------

    def _terms(self, article: Article, splitter: Splitter) -> Counter[int]:
        title, rest = tokens(article.title), tokens(article.summary)
        tags = [w for tag in article.tags for w in tokens(tag)]
        lang = article_language(article.language, title + rest)
        counts: Counter[int] = Counter()
        stems: list[str] = []
        for words, weight in ((title, TITLE_WEIGHT), (rest, 1), (tags, 1)):
            terms = article_terms(words, lang, splitter.split)
            for term in terms:
                counts[self._term_id(term)] += weight
            stems.extend(terms)
        concepts = self._thesaurus()
        if concepts is not None:  # the groups the article's words are terms of
            heads = self._head_flags()
            starts = [bool(heads[self._vocab[s]]) for s in stems]
            if any(starts):
                for group, count in concepts.present(stems, lang, starts).items():
                    counts[self._term_id(concept_stem(group))] += count
        return counts

    def _head_flags(self) -> bytearray:
        """Per term of the vocabulary: whether a concept term starts with it (looked up
        once per term)."""
        if len(self._heads) < len(self._vocab) and self._concepts is not None:
            new = itertools.islice(self._vocab, len(self._heads), None)
            self._heads.extend(self._concepts.is_head(t) for t in new)
        return self._heads

    def _term_id(self, term: str) -> int:
        return self._vocab.setdefault(term, len(self._vocab))

    def _profile(self, contact: str, topics: Sequence[Topic], splitter: Splitter) -> Profile:
        # Profiles are compiled once per distinct set of topic texts, and contacts with
        # the same topics share one (a profile with its translations is a few KB): term
        # ids are stable because the vocabulary only grows.
        key = tuple(t.text for t in topics)
        cached = self._profiles.get(contact)
        if cached is None or cached[0] != key:
            profile = self._by_topics.get(key)
            if profile is None:
                if len(self._by_topics) > 2 * len(self._profiles) + 16:  # forget unused ones
                    self._by_topics = {k: p for k, p in self._profiles.values()}
                profile = compile_profile(topics, self._term_id, splitter.split,
                                          self._translations(), self._thesaurus())
                self._by_topics[key] = profile
            cached = (key, profile)
            self._profiles[contact] = cached
        return cached[1]

    # -- weights ----------------------------------------------------------------

    def _flush(self) -> None:
        """Move pending articles into the term-frequency matrix."""
        if not self._pending:
            return
        self._tf = vstack(self._tf.with_columns(len(self._vocab)), self._pending_block())
        self._ids.extend(article_id for article_id, _, _ in self._pending)
        times = np.array([when for _, when, _ in self._pending], dtype=np.float64)
        self._times = np.concatenate([self._times, times])
        self._pending.clear()

    def _pending_block(self) -> Csr:
        indptr, cols, vals = [0], list[int](), list[int]()
        for _id, _when, counts in self._pending:
            cols.extend(counts)
            vals.extend(counts.values())
            indptr.append(len(cols))
        arrays = (np.array(vals, np.float32), np.array(cols, np.int32), np.array(indptr))
        return Csr.of(*arrays, (len(self._pending), len(self._vocab)))

    def _ensure_weights(self) -> Bm25:
        self._flush()
        if self._weights is None:
            lengths = self._tf.row_sums()
            average = float(lengths.mean()) if lengths.size else 1.0
            prior = document_share(self._term_zipf(), average)
            self._weights = Bm25.build(self._tf, self.k1, self.b, prior, VIRTUAL)
        return self._weights

    def _term_zipf(self) -> np.ndarray:
        """How common each term of the vocabulary is in ordinary text (looked up once)."""
        if self._zipf.size < len(self._vocab):
            new = list(itertools.islice(self._vocab, self._zipf.size, None))
            self._zipf = np.concatenate([self._zipf, self._table().stem_zipf(new)])
        return self._zipf

    def _translations(self) -> Lexicon:
        """The en <-> da lexicon, read once (when the first topics are compiled)."""
        if self._lexicon is None:
            self._lexicon = Lexicon.load()
        return self._lexicon

    def _thesaurus(self) -> Concepts | None:
        """The concept groups, read once (with the first article), if
        ``config.concepts``."""
        if self._concepts is None and self.config.concepts:
            self._concepts = Concepts.load()
        return self._concepts

    def _table(self) -> Background:
        """The background table, read once (with the first article)."""
        if self._background is None:
            self._background = Background.load()
        return self._background

    # -- matching ---------------------------------------------------------------

    def _filters(self, weights: Bm25, since: datetime | None,
                 threshold: float | None) -> Filters:
        fresh = self._times >= since.timestamp() if since is not None else None
        present = weights.present if self.config.min_terms > 1 else None
        floor = self.config.threshold if threshold is None else threshold
        return Filters(floor, self.config.min_terms, fresh, present)

    def _rows_of(self, article_ids: Iterable[str]) -> np.ndarray:
        rows = [self._row[a] for a in article_ids if a in self._row]
        return np.array(rows, dtype=np.int64)


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else _NO_TIME
