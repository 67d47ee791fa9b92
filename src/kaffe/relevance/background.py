"""How common a stem or a Danish word is in ordinary text, from a shipped table.

The table (``data/background.bin``, built from wordfreq by ``tools/background_table.py``;
CC-BY-SA 4.0, see ``data/ATTRIBUTION.md``) holds CRC-32 keys and one Zipf byte each:
about 370 KB as two numpy arrays, read when the first article is indexed and held by
the index that reads it (nothing is held at module level). A stem the table does not
know counts as rare.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from importlib import resources

import numpy as np

# Zipf value of anything the table lacks: English below 2.5 was left out of it.
RARE_ZIPF = 2.0
_MAGIC = b"KBG1"


class Background:
    """Lookups in the shipped frequency table."""

    def __init__(self, keys: np.ndarray, zipf: np.ndarray) -> None:
        self.keys, self.zipf = keys, zipf  # sorted uint32 keys; Zipf values x 20, uint8

    @classmethod
    def load(cls) -> Background:
        data = resources.files("kaffe.relevance").joinpath("data/background.bin").read_bytes()
        if data[:4] != _MAGIC:
            raise ValueError("kaffe/relevance/data/background.bin: not a background table")
        (count,) = struct.unpack_from("<I", data, 4)
        keys = np.frombuffer(data, dtype="<u4", count=count, offset=8).copy()
        zipf = np.frombuffer(data, dtype=np.uint8, count=count, offset=8 + 4 * count)
        return cls(keys, zipf.copy())

    def lookup(self, kind: str, texts: Sequence[str]) -> np.ndarray:
        """Zipf value of each of ``texts`` of ``kind`` ("s" stem, "d" Danish word),
        :data:`RARE_ZIPF` where the table lacks it."""
        wanted = np.array([zlib.crc32(f"{kind}|{t}".encode()) for t in texts], dtype=np.uint32)
        at = np.minimum(np.searchsorted(self.keys, wanted), max(0, self.keys.size - 1))
        found = self.keys[at] == wanted if self.keys.size else np.zeros(wanted.size, bool)
        value = self.zipf[at].astype(np.float32) / 20 if self.keys.size else 0.0
        return np.where(found, value, np.float32(RARE_ZIPF)).astype(np.float32)

    def stem_zipf(self, stems: Sequence[str]) -> np.ndarray:
        """Zipf value (log10 per billion words) of each stem, English or Danish."""
        return self.lookup("s", stems)

    def is_danish_word(self, word: str) -> bool:
        """Whether ``word`` (lower case) is in the Danish word list."""
        return bool(self.lookup("d", [word])[0] > RARE_ZIPF) if len(word) > 1 else False

    def danish_zipf(self, word: str) -> float:
        """Zipf value of a Danish word, :data:`RARE_ZIPF` if the list lacks it."""
        return float(self.lookup("d", [word])[0])


def document_share(zipf: np.ndarray, length: float) -> np.ndarray:
    """The share of ``length``-word articles expected to hold a word of frequency ``zipf``."""
    per_word = np.power(10.0, zipf.astype(np.float64) - 9)
    return -np.expm1(-per_word * length)
