"""The en <-> da lexicon (``data/en_da.bin``, see :mod:`kaffe.relevance.lexicon`) read
without numpy, for grouping themes (:mod:`kaffe.topics.trends`): the daemon that has
no feeds groups its topics too, and must not load numpy for it (issue 14).

Same table, same keys, same answers as :meth:`Lexicon.translations`; a lookup is a
binary search in an :class:`array.array`. Nothing is held at module level.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from importlib import resources

from kaffe.topics.trends import Analysis

_MAGIC = b"KLX1"


class LexiconLookup:
    """Translations of stem sequences, English to Danish and back (no numpy)."""

    def __init__(self, keys: array, starts: array, blob: bytes) -> None:
        self.keys, self.starts, self.blob = keys, starts, blob

    @classmethod
    def load(cls) -> LexiconLookup:
        """The shipped lexicon."""
        return cls.decode(resources.files("kaffe.relevance").joinpath("data/en_da.bin")
                          .read_bytes())

    @classmethod
    def decode(cls, data: bytes) -> LexiconLookup:
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
        wanted = zlib.crc32(f"{language}|{' '.join(stems)}".encode())
        at = bisect_left(self.keys, wanted)
        if at >= len(self.keys) or self.keys[at] != wanted:
            return []
        text = self.blob[self.starts[at]:self.starts[at + 1]].decode()
        return [tuple(t.split(" ")) for t in text.split("\n")]


def theme_analysis(compounds: bool) -> Analysis:
    """How :mod:`kaffe.topics.trends` reads topics: stems and the lexicon, and with
    ``compounds`` Danish compounds split too. kaffe splits them when feeds are configured
    (the relevance index loads numpy and the word table anyway), so that `kaffe trends`,
    the prep brief and the follow-up group alike under one config."""
    split = None
    if compounds:
        from kaffe.relevance.background import Background
        from kaffe.relevance.compounds import Splitter

        split = Splitter(Background.load()).split
    return Analysis(LexiconLookup.load(), split)
