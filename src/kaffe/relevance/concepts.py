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
no group present. A group that held two subjects is split (``data/splits_*.tsv``): "café
chains" is not "coffee supply".
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
# A term of several words that analysis leaves one stem of ("IT procurement": "it" is a
# stop word; "scope 3", "tv 2": numbers are not kept) is left out: the word it keeps is
# not what the term means.
COLLAPSED = True
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
# article that does not hold the group (:func:`kaffe.relevance.profile.adjusted`), ...
ABSENT = 0.25
# ... unless the topic is one word, a term less common than this (Zipf) and not
# ambiguous, and the article holds that word itself: "efteruddannelse" named in an
# article about drivers' mandatory courses is the topic, whether or not a second term
# of lifelong learning is there. 0: never.
NAMED_ZIPF = 4.0
# A topic's group's related groups (:data:`LINKS`): an article holding this many of them
# (present as above) scores the best of them, weighing RELATED of the run's share, where
# that is more than the run scores otherwise. 0: related groups are not used.
MIN_RELATED = 2
RELATED = 1.0
# A phrase term inside a longer run of topic words ("mental health" in "mental health at
# work") queries its groups too, as one of the run's groups: an article holding them
# holds part of the topic's concept. Phrases only: one word inside a term often has
# another sense ("branding" in "employer branding").
INNER = True
# in data/, groups numbered in order of first appearance; a later line with a known
# concept id adds terms to that group (thesaurus_t3.tsv mostly does)
SOURCES = ("thesaurus_t1.tsv", "thesaurus_t2.tsv", "thesaurus_t3.tsv", "thesaurus_t4.tsv",
           "thesaurus_t5.tsv", "thesaurus_t6.tsv", "thesaurus_t7.tsv")
# lists of terms with another common meaning in news text (concept_id<TAB>term<TAB>the
# other meaning): never enough alone to make their group present
AMBIGUOUS = ("ambiguous_t4.tsv", "ambiguous_t6.tsv", "ambiguous_t7.tsv")
# related groups (concept_id<TAB>related ids separated by " | "): an article holding
# several of a topic's group's related groups is about the topic (:data:`RELATED`)
LINKS = ("related_r1.tsv", "related_r2.tsv")
# groups that held two subjects, split (concept_id<TAB>new id<TAB>english terms<TAB>danish
# terms moved out of the group into the new one, " | "-separated): "café chains" is not
# "coffee supply". The new groups are numbered after all others and have no related groups.
SPLITS = ("splits_s1.tsv", "splits_s2.tsv")
_NEVER_ALONE = 255  # the rarity byte of an ambiguous term
_MAGIC = b"KCN2"
_PREFIX = "\x00c"  # concept terms' stems: no word is spelt so


def named_rarity() -> int:
    """The rarity byte below which a one-word term names its topic (:data:`NAMED_ZIPF`)."""
    return round(20 * NAMED_ZIPF)


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
                 names: Sequence[str], links: array | None = None,
                 link_starts: array | None = None) -> None:
        # rarity per key: 0 for a term of several words, else 20 x its word's Zipf value
        self.keys, self.starts, self.rarity, self.groups = keys, starts, rarity, groups
        self.heads, self.names = heads, tuple(names)  # key i: groups[starts[i]:starts[i+1]]
        # group g's related groups: links[link_starts[g]:link_starts[g + 1]]
        self.links = links if links is not None else array("H")
        self.link_starts = (link_starts if link_starts is not None
                            else array("I", [0] * (len(self.names) + 1)))

    @classmethod
    def from_groups(cls, rows: Sequence[tuple[str, list[str], list[str]]],
                    split: Split | None,
                    zipf: Callable[[str, str], float] | None = None,
                    ambiguous: Iterable[str] = (),
                    related: Iterable[tuple[str, list[str]]] = ()) -> Concepts:
        """The table of (concept id, english terms, danish terms) groups; ``zipf``: how
        common a word of a language is in ordinary text (Zipf); ``ambiguous``: terms
        that make no group present alone (in any group, in either language);
        ``related``: (concept id, ids of its related groups), ids no row has are left
        out."""
        found: dict[int, list[int]] = {}
        size: dict[int, int] = {}
        word: dict[int, tuple[str, str]] = {}  # a term written as one word: (language, word)
        heads: set[int] = set()
        for group, (_name, english, danish) in enumerate(rows):
            for language, terms in (("en", english), ("da", danish)):
                for term in terms:
                    stems = phrase_stems(term, language, split)
                    if not stems or len(stems) > MAX_RUN or (
                            COLLAPSED and len(stems) == 1 and len(tokens(term)) > 1):
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
        number = {name: n for n, (name, _english, _danish) in enumerate(rows)}
        linked: dict[int, list[int]] = {}
        for name, others in related:
            if name in number:
                known = linked.setdefault(number[name], [])
                known.extend(number[o] for o in others
                             if o in number and o != name and number[o] not in known)
        links, link_starts = array("H"), array("I", [0])
        for n in range(len(rows)):
            links.extend(linked.get(n, ()))
            link_starts.append(len(links))
        return cls(keys, starts, rarity, groups, array("I", sorted(heads)),
                   [(english or danish or [name.replace("_", " ")])[0]
                    for name, english, danish in rows], links, link_starts)

    @classmethod
    def load(cls) -> Concepts:
        """The shipped thesaurus (``data/concepts.bin``)."""
        return cls.decode(resources.files("kaffe.relevance").joinpath("data/concepts.bin")
                          .read_bytes())

    def encode(self) -> bytes:
        """magic, counts (keys, group entries, heads, links, names), keys, starts, rarity,
        groups, heads, link starts (one per name and one more), links, names
        (newline-separated), little-endian."""
        arrays = [array("I", self.keys), array("I", self.starts), array("H", self.groups),
                  array("I", self.heads), array("I", self.link_starts), array("H", self.links)]
        if sys.byteorder == "big":
            for a in arrays:
                a.byteswap()
        keys, starts, groups, heads, link_starts, links = arrays
        head = _MAGIC + struct.pack("<IIIII", len(keys), len(groups), len(heads), len(links),
                                    len(self.names))
        return (head + keys.tobytes() + starts.tobytes() + self.rarity + groups.tobytes()
                + heads.tobytes() + link_starts.tobytes() + links.tobytes()
                + "\n".join(self.names).encode())

    @classmethod
    def decode(cls, data: bytes) -> Concepts:
        if data[:4] != _MAGIC:
            raise ValueError("kaffe/relevance/data/concepts.bin: not a concept table")
        n_keys, n_groups, n_heads, n_links, n_names = struct.unpack_from("<IIIII", data, 4)
        at = 24
        parts: list[array] = []
        rarity = b""
        for code, count in (("I", n_keys), ("I", n_keys + 1), ("B", n_keys), ("H", n_groups),
                            ("I", n_heads), ("I", n_names + 1), ("H", n_links)):
            part = array(code)
            part.frombytes(data[at:at + part.itemsize * count])
            at += part.itemsize * count
            if code == "B":
                rarity = part.tobytes()
            else:
                parts.append(part)
        if sys.byteorder == "big":
            for part in parts:
                part.byteswap()
        keys, starts, groups, heads, link_starts, links = parts
        return cls(keys, starts, rarity, groups, heads, data[at:].decode().split("\n"),
                   links, link_starts)

    def related(self, group: int) -> tuple[int, ...]:
        """The groups a group's articles are close to (``data/related_*.tsv``)."""
        if group + 1 >= len(self.link_starts):
            return ()
        return tuple(self.links[self.link_starts[group]:self.link_starts[group + 1]])

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
             ) -> list[tuple[int, int, tuple[int, ...], int]]:
        """Runs of ``stems`` that are terms: (start, end, groups, rarity), the longest at
        each start, left to right; rarity is the term's byte (0: several words, 255:
        ambiguous, else 20 x the word's Zipf value). ``heads[i]``: whether stem i may
        start a term (else :meth:`is_head` is asked)."""
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
        for start, end, groups, rarity in self.runs(stems, language, heads):
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


def analysed(texts: Iterable[str], ambiguous: str = "", related: str = "",
             splits: str = "") -> Concepts:
    """The concept table of thesaurus TSV ``texts`` (groups numbered in order), the
    ambiguity lists' text ``ambiguous``, the related groups' text ``related`` and the
    splits' text ``splits`` (each joined), analysed as kaffe analyses topics and articles
    (what ``tools/concept_table.py`` ships)."""
    from kaffe.relevance.background import Background
    from kaffe.relevance.compounds import Splitter

    rows = split_groups(merged(row for text in texts for row in read_groups(text)),
                        read_splits(splits))
    table = Background.load()
    return Concepts.from_groups(rows, Splitter(table).split, partial(word_zipf, table),
                                read_ambiguous(ambiguous), read_related(related))


def read_related(text: str) -> list[tuple[str, list[str]]]:
    """(concept id, related ids) of each line of a related groups' TSV text."""
    return [(fields[0].strip(), _terms(fields[1])) for line in text.splitlines()
            if not line.startswith("#") and len(fields := line.split("\t")) == 2
            and fields[0].strip()]


def read_ambiguous(text: str) -> list[str]:
    """The terms of an ambiguity list's TSV text (concept_id, term, other meaning)."""
    return [fields[1].strip() for line in text.splitlines()
            if not line.startswith("#") and len(fields := line.split("\t")) >= 2
            and fields[1].strip()]


def read_splits(text: str) -> list[tuple[str, str, list[str], list[str]]]:
    """(concept id, new id, english terms, danish terms) of each well-formed line of a
    splits' TSV text (four fields, two ids and some term)."""
    splits = []
    for line in text.splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) != 4 or not fields[0].strip() \
                or not fields[1].strip():
            continue
        english, danish = _terms(fields[2]), _terms(fields[3])
        if english or danish:
            splits.append((fields[0].strip(), fields[1].strip(), english, danish))
    return splits


def split_groups(rows: Sequence[tuple[str, list[str], list[str]]],
                 splits: Iterable[tuple[str, str, list[str], list[str]]]
                 ) -> list[tuple[str, list[str], list[str]]]:
    """``rows`` with each split's terms moved out of its group into a new group, the new
    groups after all others (one new id's lines merged); a split of an unknown group, or
    terms its group does not hold, change nothing."""
    kept = {name: (name, list(english), list(danish)) for name, english, danish in rows}
    added: list[tuple[str, list[str], list[str]]] = []
    for name, new, english, danish in splits:
        group = kept.get(name)
        if group is None or new in kept:
            continue
        moved = ([t for t in english if t in group[1]], [t for t in danish if t in group[2]])
        if not (moved[0] or moved[1]):
            continue
        group[1][:] = [t for t in group[1] if t not in moved[0]]
        group[2][:] = [t for t in group[2] if t not in moved[1]]
        added.append((new, *moved))
    return [kept[name] for name, _english, _danish in rows] + merged(added)


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

