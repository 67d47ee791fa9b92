"""English <-> Danish professional vocabulary: a topic in one language finds articles in
the other.

The lexicon (``data/en_da.tsv.gz``: english, danish, domain per line; written for
kaffe, see ``data/ATTRIBUTION.md``) is shipped analysed as topics and articles are
(stop words dropped, compounds split, Snowball stems) in ``data/en_da.bin``, built by
``tools/lexicon_table.py`` (analysing it takes a second; reading it, milliseconds). It is
read when the first contact is matched, so a configuration without feeds never reads
it, and kept as two :class:`array.array` (no numpy: `kaffe trends` and a daemon without
feeds group their topics with it too): sorted CRC-32 keys of "<language>|<stems of a
phrase>" and, per key, the stems of its translations in one byte string (about 110 KB);
a lookup is a binary search. Nothing is held at module level.

A topic is translated run by run: the longest run of its words whose stems are a
phrase of the lexicon is replaced by that phrase's translations (several translations
of one length merge word by word: "pris" is price or cost). The translated topic is
matched besides the topic itself (:func:`kaffe.relevance.profile.compile_profile`).
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from importlib import resources
from typing import TypeVar

from kaffe.relevance.stopwords import STOP_WORDS
from kaffe.relevance.text import LANGUAGES, Split, stem, tokens

MAX_RUN = 5  # the longest phrase looked up, in words
T = TypeVar("T")
_MAGIC = b"KLX1"
_OTHER = {"en": "da", "da": "en"}


def phrase_stems(text: str, language: str, split: Split | None) -> tuple[str, ...]:
    """The stems of a phrase's content words in ``language``, compounds split."""
    stop = STOP_WORDS[language]
    out: list[str] = []
    for word in tokens(text):
        if word in stop:
            continue
        parts = (split(word, language) if split is not None else ()) or (word,)
        out.extend(stem(p, language) for p in parts)
    return tuple(out)


def read_pairs(text: str) -> list[tuple[str, str]]:
    """(english, danish) of each line of the lexicon's TSV text."""
    pairs = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and not line.startswith("#"):
            pairs.append((fields[0], fields[1]))
    return pairs


def phrase_key(language: str, stems: Sequence[str]) -> int:
    """The CRC-32 key of a phrase's stems in ``language`` (the lexicon's and the concept
    table's sorted keys)."""
    return zlib.crc32(f"{language}|{' '.join(stems)}".encode())


def longest_runs(size: int, max_run: int, find: Callable[[int, int], T | None],
                 may_start: Callable[[int], bool] | None = None) -> list[tuple[int, int, T]]:
    """Runs of a sequence of ``size`` stems that ``find(start, end)`` knows: (start, end,
    what it found), the longest (at most ``max_run``) at each start, left to right,
    not overlapping; a run starts only where ``may_start(start)``, if given."""
    runs = []
    i = 0
    while i < size:
        if may_start is None or may_start(i):
            for end in range(min(size, i + max_run), i, -1):
                found = find(i, end)
                if found is not None:
                    runs.append((i, end, found))
                    i = end
                    break
            else:
                i += 1
        else:
            i += 1
    return runs


class Lexicon:
    """Translations of stem sequences, English to Danish and back."""

    def __init__(self, keys: array, starts: array, blob: bytes) -> None:
        self.keys, self.starts, self.blob = keys, starts, blob  # key i: blob[starts[i]:starts[i+1]]

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, str]], split: Split | None) -> Lexicon:
        """A lexicon of (english, danish) phrases."""
        found: dict[int, list[str]] = {}
        for english, danish in pairs:
            stems = {"en": phrase_stems(english, "en", split),
                     "da": phrase_stems(danish, "da", split)}
            if not stems["en"] or not stems["da"]:
                continue
            for source in LANGUAGES:
                target = " ".join(stems[_OTHER[source]])
                known = found.setdefault(phrase_key(source, stems[source]), [])
                if target not in known:
                    known.append(target)
        keys = array("I", sorted(found))
        texts = ["\n".join(found[k]).encode() for k in keys]
        starts = array("I", [0])
        for text in texts:
            starts.append(starts[-1] + len(text))
        return cls(keys, starts, b"".join(texts))

    @classmethod
    def load(cls) -> Lexicon:
        """The shipped lexicon (``data/en_da.bin``)."""
        return cls.decode(resources.files("kaffe.relevance").joinpath("data/en_da.bin")
                          .read_bytes())

    def encode(self) -> bytes:
        """The layout :meth:`decode` reads: magic, count, keys, starts, blob."""
        keys, starts = array("I", self.keys), array("I", self.starts)
        if sys.byteorder == "big":  # the table is little-endian
            keys.byteswap()
            starts.byteswap()
        head = _MAGIC + struct.pack("<I", len(keys))
        return head + keys.tobytes() + starts.tobytes() + self.blob

    @classmethod
    def decode(cls, data: bytes) -> Lexicon:
        if data[:4] != _MAGIC:
            raise ValueError("kaffe/relevance/data/en_da.bin: not a lexicon table")
        (count,) = struct.unpack_from("<I", data, 4)
        keys, starts = array("I"), array("I")
        keys.frombytes(data[8:8 + 4 * count])
        starts.frombytes(data[8 + 4 * count:8 + 8 * count + 4])
        if sys.byteorder == "big":  # the table is little-endian
            keys.byteswap()
            starts.byteswap()
        return cls(keys, starts, bytes(data[8 + 8 * count + 4:]))

    def translations(self, language: str, stems: Sequence[str]) -> list[tuple[str, ...]]:
        """The stem sequences the phrase ``stems`` of ``language`` translates to."""
        wanted = phrase_key(language, stems)
        at = bisect_left(self.keys, wanted)
        if at >= len(self.keys) or self.keys[at] != wanted:
            return []
        text = self.blob[self.starts[at]:self.starts[at + 1]].decode()
        return [tuple(t.split(" ")) for t in text.split("\n")]

    def translate(self, stems: Sequence[str], language: str
                  ) -> list[tuple[int, int, list[tuple[str, ...]]]]:
        """Runs of ``stems`` (a topic's words in ``language``) with translations: (start,
        end, target stems word by word, each a tuple of alternatives), longest first,
        left to right."""
        def find(start: int, end: int) -> list[tuple[str, ...]] | None:
            return self.translations(language, stems[start:end]) or None

        return [(start, end, merge(targets))
                for start, end, targets in longest_runs(len(stems), MAX_RUN, find)]


def merge(targets: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Translations of one phrase merged word by word: those of the most common length
    (the first on a tie) give each position its alternatives."""
    lengths = [len(t) for t in targets]
    size = max(lengths, key=lambda n: (lengths.count(n), -lengths.index(n)))
    same = [t for t in targets if len(t) == size]
    return [tuple(dict.fromkeys(t[k] for t in same)) for k in range(size)]


def analysed(text: str) -> Lexicon:
    """The lexicon of TSV ``text`` (english, danish, domain), analysed as kaffe analyses
    topics and articles (what ``tools/lexicon_table.py`` ships in ``data/en_da.bin``)."""
    from kaffe.relevance.background import Background
    from kaffe.relevance.compounds import Splitter

    return Lexicon.from_pairs(read_pairs(text), Splitter(Background.load()).split)
