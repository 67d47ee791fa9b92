"""Related concepts: a topic finds articles about the same thing in other words.

"semiconductors" shares no word with an article about a chip plant, nor "venture
capital" with one about seed rounds. The thesaurus (``data/thesaurus_*.tsv``: one
concept group a line, ``concept_id<TAB>english terms<TAB>danish terms<TAB>domain``,
terms separated by `` | ``; written for kaffe, see ``data/ATTRIBUTION.md``) is shipped
analysed as topics and articles are (stop words dropped, compounds split, Snowball
stems) in ``data/concepts.bin``, built by ``tools/concept_table.py``, and kept as
:class:`array.array` (sorted CRC-32 keys of "<language>|<stems of a term>", per key its
groups; the sorted CRC-32 keys of every term's first stem; the groups' first terms, as
names).

An article is scanned once, when it is indexed (word order is still known then): a
group is *present* in it when it holds at least :data:`MIN_TERMS` distinct terms of
the group, or one term of several words (:data:`PHRASE_ALONE`: "seed round"), or one
word rare in ordinary text (:data:`SPECIFIC_ZIPF`: "wegovy", "såkornsrunde"; a Danish
compound is one word here, judged as a whole: "lastbil" is common). Each present group
becomes one extra term of the article (:func:`concept_stem`), its frequency the number
of distinct terms found. A topic, or a run of its words, that is a term of a group
queries that group's term, weighing :data:`WEIGHT` of the run's share of the topic
(:func:`kaffe.relevance.profile.query_weights`). A run and its concept count once
(:func:`kaffe.relevance.profile.adjusted`): an article holding the group scores the
larger of the two; one holding the run's words without the group scores the words at
:data:`ABSENT` of their weight. One ambiguous
word in an article ("drone" bees; the terms of ``data/ambiguous_*.tsv`` at all) makes
no group present.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from importlib import resources
from typing import TYPE_CHECKING

from kaffe.relevance.lexicon import longest_runs, phrase_key, phrase_stems
from kaffe.relevance.stopwords import STOP_WORDS
from kaffe.relevance.text import Split, stem, tokens

if TYPE_CHECKING:
    from kaffe.relevance.background import Background

MAX_RUN = 4  # the longest term, in stems
# A group is present in an article with this many distinct terms of it, ...
MIN_TERMS = 2
# ... or with one term of several words ("seed round"), ...
PHRASE_ALONE = True
# ... or with one word rarer than this in ordinary text (Zipf, the background table's:
# "wegovy", "psd3"); 0: none. Common words ("chip", "drone") need a second term.
SPECIFIC_ZIPF = 2.5
# The most of the distinct terms counted as the concept term's frequency.
MAX_COUNT = 3
# A concept credits this much of the weight of the topic words it stands for.
WEIGHT = 1.0
# A topic's words that are a term of a group count this much of their weight in an
# article that does not hold the group (:func:`kaffe.relevance.profile.adjusted`).
ABSENT = 0.25
# in data/, groups numbered in order of first appearance; a later line with a known
# concept id adds terms to that group (thesaurus_t3.tsv mostly does)
SOURCES = ("thesaurus_t1.tsv", "thesaurus_t2.tsv", "thesaurus_t3.tsv", "thesaurus_t4.tsv",
           "thesaurus_t5.tsv", "thesaurus_t6.tsv", "thesaurus_t7.tsv")
# lists of terms with another common meaning in news text (concept_id<TAB>term<TAB>the
# other meaning): never enough alone to make their group present
AMBIGUOUS = ("ambiguous_t4.tsv", "ambiguous_t6.tsv", "ambiguous_t7.tsv")
_NEVER_ALONE = 255  # the rarity byte of an ambiguous term
_MAGIC = b"KCN1"
_PREFIX = "\x00c"  # concept terms' stems: no word is spelt so


def concept_stem(group: int) -> str:
    """The index term of a concept group (present in an article)."""
    return f"{_PREFIX}{group}"


def read_groups(text: str) -> list[tuple[str, list[str], list[str]]]:
    """(concept id, english terms, danish terms) of each well-formed line of a
    thesaurus's TSV text (three or four fields, the fourth a domain; an id and some
    term)."""
    groups = []
    for line in text.splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) not in (3, 4) or not fields[0].strip():
            continue
        english, danish = (_terms(f) for f in fields[1:3])
        if english or danish:
            groups.append((fields[0].strip(), english, danish))
    return groups


def _terms(field: str) -> list[str]:
    return [t.strip() for t in field.split("|") if t.strip()]


def _head(stem_: str) -> int:
    return zlib.crc32(stem_.encode())


class Concepts:
    """The analysed thesaurus: which groups a run of stems is a term of."""

    def __init__(self, keys: array, starts: array, rarity: bytes, groups: array, heads: array,
                 names: Sequence[str]) -> None:
        # rarity per key: 0 for a term of several words, else 20 x its word's Zipf value
        self.keys, self.starts, self.rarity, self.groups = keys, starts, rarity, groups
        self.heads, self.names = heads, tuple(names)  # key i: groups[starts[i]:starts[i+1]]

    @classmethod
    def from_groups(cls, rows: Sequence[tuple[str, list[str], list[str]]],
                    split: Split | None,
                    zipf: Callable[[str, str], float] | None = None,
                    ambiguous: Iterable[str] = ()) -> Concepts:
        """The table of (concept id, english terms, danish terms) groups; ``zipf``: how
        common a word of a language is in ordinary text (Zipf); ``ambiguous``: terms
        that make no group present alone (in any group, in either language)."""
        found: dict[int, list[int]] = {}
        size: dict[int, int] = {}
        word: dict[int, tuple[str, str]] = {}  # a term written as one word: (language, word)
        heads: set[int] = set()
        for group, (_name, english, danish) in enumerate(rows):
            for language, terms in (("en", english), ("da", danish)):
                for term in terms:
                    stems = phrase_stems(term, language, split)
                    if not stems or len(stems) > MAX_RUN:
                        continue
                    key = phrase_key(language, stems)
                    known = found.setdefault(key, [])
                    if group not in known:
                        known.append(group)
                    written = [w for w in tokens(term) if w not in STOP_WORDS[language]]
                    size[key] = len(written)
                    if len(written) == 1:
                        word[key] = (language, written[0])
                    heads.add(_head(stems[0]))
        keys = array("I", sorted(found))
        starts, groups = array("I", [0]), array("H")
        for key in keys:
            groups.extend(found[key])
            starts.append(len(groups))
        common = {k: zipf(*word[k]) for k in keys if k in word} if zipf is not None else {}
        unclear = {phrase_key(language, stems) for term in ambiguous
                   for language in ("en", "da")
                   if (stems := phrase_stems(term, language, split))}
        rarity = bytes(_NEVER_ALONE if k in unclear else 0 if size[k] > 1
                       else min(_NEVER_ALONE - 1, max(1, round(20 * common.get(k, 12.0))))
                       for k in keys)
        return cls(keys, starts, rarity, groups, array("I", sorted(heads)),
                   [(english or danish or [name.replace("_", " ")])[0]
                    for name, english, danish in rows])

    @classmethod
    def load(cls) -> Concepts:
        """The shipped thesaurus (``data/concepts.bin``)."""
        return cls.decode(resources.files("kaffe.relevance").joinpath("data/concepts.bin")
                          .read_bytes())

    def encode(self) -> bytes:
        """magic, counts (keys, group entries, heads), keys, starts, rarity, groups, heads,
        names (newline-separated), little-endian."""
        arrays = [array("I", self.keys), array("I", self.starts), array("H", self.groups),
                  array("I", self.heads)]
        if sys.byteorder == "big":
            for a in arrays:
                a.byteswap()
        keys, starts, groups, heads = arrays
        head = _MAGIC + struct.pack("<III", len(keys), len(groups), len(heads))
        return (head + keys.tobytes() + starts.tobytes() + self.rarity + groups.tobytes()
                + heads.tobytes() + "\n".join(self.names).encode())

    @classmethod
    def decode(cls, data: bytes) -> Concepts:
        if data[:4] != _MAGIC:
            raise ValueError("kaffe/relevance/data/concepts.bin: not a concept table")
        n_keys, n_groups, n_heads = struct.unpack_from("<III", data, 4)
        at = 16
        keys, starts, groups, heads = array("I"), array("I"), array("H"), array("I")
        keys.frombytes(data[at:at + 4 * n_keys])
        at += 4 * n_keys
        starts.frombytes(data[at:at + 4 * (n_keys + 1)])
        at += 4 * (n_keys + 1)
        rarity = bytes(data[at:at + n_keys])
        at += n_keys
        groups.frombytes(data[at:at + 2 * n_groups])
        at += 2 * n_groups
        heads.frombytes(data[at:at + 4 * n_heads])
        at += 4 * n_heads
        if sys.byteorder == "big":
            for a in (keys, starts, groups, heads):
                a.byteswap()
        return cls(keys, starts, rarity, groups, heads, data[at:].decode().split("\n"))

    def _find(self, language: str, stems: Sequence[str]) -> int:
        """The position of the term ``stems`` of ``language``, -1 if none."""
        wanted = phrase_key(language, stems)
        at = bisect_left(self.keys, wanted)
        return at if at < len(self.keys) and self.keys[at] == wanted else -1

    def is_head(self, stem_: str) -> bool:
        """Whether some term starts with ``stem_`` (in any language)."""
        wanted = _head(stem_)
        at = bisect_left(self.heads, wanted)
        return at < len(self.heads) and self.heads[at] == wanted

    def runs(self, stems: Sequence[str], language: str, heads: Sequence[bool] | None = None
             ) -> list[tuple[int, int, tuple[int, ...]]]:
        """Runs of ``stems`` that are terms: (start, end, groups), the longest at each
        start, left to right. ``heads[i]``: whether stem i may start a term (else
        :meth:`is_head` is asked)."""
        return [(start, end, groups) for start, end, groups, _ in self._runs(stems, language,
                                                                              heads)]

    def _runs(self, stems: Sequence[str], language: str, heads: Sequence[bool] | None
              ) -> list[tuple[int, int, tuple[int, ...], int]]:
        """:meth:`runs`, each with its term's rarity byte."""
        def find(start: int, end: int) -> int | None:
            at = self._find(language, stems[start:end])
            return at if at >= 0 else None

        def may_start(i: int) -> bool:
            return heads[i] if heads is not None else self.is_head(stems[i])

        return [(start, end, tuple(self.groups[self.starts[at]:self.starts[at + 1]]),
                 self.rarity[at])
                for start, end, at in longest_runs(len(stems), MAX_RUN, find, may_start)]

    def present(self, stems: Sequence[str], language: str,
                heads: Sequence[bool] | None = None) -> dict[int, int]:
        """The groups present in an article of ``stems`` (in order) and how many distinct
        terms of each it holds (at most :data:`MAX_COUNT`)."""
        terms: dict[int, set[tuple[str, ...]]] = {}
        strong: set[int] = set()
        specific = round(20 * SPECIFIC_ZIPF)
        for start, end, groups, rarity in self._runs(stems, language, heads):
            for group in groups:
                terms.setdefault(group, set()).add(tuple(stems[start:end]))
                if (PHRASE_ALONE and rarity == 0) or 0 < rarity < specific:  # not ambiguous
                    strong.add(group)
        return {g: min(MAX_COUNT, len(t)) for g, t in terms.items()
                if len(t) >= MIN_TERMS or g in strong}

    def name(self, group: int) -> str:
        """A group's name as the reasons show it: its first term (English if any: the
        group industry_4_0 is "industry 4.0")."""
        return self.names[group]


def analysed(texts: Iterable[str], ambiguous: str = "") -> Concepts:
    """The concept table of thesaurus TSV ``texts`` (groups numbered in order) and the
    ambiguity lists' text ``ambiguous`` (joined), analysed as kaffe analyses topics and articles
    (what ``tools/concept_table.py`` ships)."""
    from kaffe.relevance.background import Background
    from kaffe.relevance.compounds import Splitter

    rows = merged(row for text in texts for row in read_groups(text))
    table = Background.load()
    return Concepts.from_groups(rows, Splitter(table).split, partial(word_zipf, table),
                                read_ambiguous(ambiguous))


def read_ambiguous(text: str) -> list[str]:
    """The terms of an ambiguity list's TSV text (concept_id, term, other meaning)."""
    return [fields[1].strip() for line in text.splitlines()
            if not line.startswith("#") and len(fields := line.split("\t")) >= 2
            and fields[1].strip()]


def merged(rows: Iterable[tuple[str, list[str], list[str]]]
           ) -> list[tuple[str, list[str], list[str]]]:
    """Rows of one concept id merged into its first (terms in order, once)."""
    groups: dict[str, tuple[str, list[str], list[str]]] = {}
    for name, english, danish in rows:
        known = groups.setdefault(name, (name, [], []))
        known[1].extend(t for t in english if t not in known[1])
        known[2].extend(t for t in danish if t not in known[2])
    return list(groups.values())


def word_zipf(table: Background, language: str, word: str) -> float:
    """How common ``word`` is in ordinary text: a Danish word as a whole (a compound
    too), an English one by its stem."""
    if language == "da":
        return table.danish_zipf(word)
    return float(table.stem_zipf([stem(word, language)])[0])

