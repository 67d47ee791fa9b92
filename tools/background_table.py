"""Build src/kaffe/relevance/data/background.bin from wordfreq (run by hand; deterministic).

    pip install wordfreq==3.1.1 && python tools/background_table.py

The table gives kaffe's relevance index term weights that do not depend on how many
articles happen to be indexed (:mod:`kaffe.relevance.background`). Entries, keyed by the
CRC-32 of a tagged string:

- ``s|<stem>``: how common a Snowball stem is in English or Danish text (the sum of the
  frequencies of the words with that stem, the larger of the two languages), as a Zipf
  value (log10 of occurrences per billion words) times 20, one byte;
- ``d|<word>``: a Danish word, the dictionary compounds are split against, same value;
- ``e|<word>``: an English word of Zipf 3.3 or more (for hashtags: "#digitaltwins"),
  same value.

English words below Zipf 2.5 are left out (they weigh as "rare" anyway); the Danish list
of wordfreq is small enough to keep whole. Layout: b"KBG1", the entry count (uint32 LE),
the sorted keys (uint32 LE), then one byte per key.

The data comes from wordfreq (https://github.com/rspeer/wordfreq) by Robyn Speer, whose
word lists are licensed CC-BY-SA 4.0; so is this derived table (see
src/kaffe/relevance/data/ATTRIBUTION.md).
"""

from __future__ import annotations

import math
import re
import struct
import sys
import zlib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import wordfreq  # noqa: E402

from kaffe.relevance.text import stem  # noqa: E402

OUT = ROOT / "src" / "kaffe" / "relevance" / "data" / "background.bin"
MIN_ZIPF = {"en": 2.5, "da": 0.0}
MIN_ENGLISH_WORD = 3.3  # English words kept as words (for splitting hashtags)
_WORD = re.compile(r"^[^\W_]{2,}$")


def key(kind: str, text: str) -> int:
    return zlib.crc32(f"{kind}|{text}".encode())


def zipf_byte(frequency: float) -> int:
    zipf = math.log10(frequency) + 9
    return max(1, min(255, round(zipf * 20)))


def entries() -> dict[int, int]:
    table: dict[int, int] = {}
    for lang in ("en", "da"):
        stems: dict[str, float] = {}
        for word, freq in sorted(wordfreq.get_frequency_dict(lang).items()):
            if not _WORD.match(word) or math.log10(freq) + 9 < MIN_ZIPF[lang]:
                continue
            s = stem(word, lang)
            stems[s] = stems.get(s, 0.0) + freq
            if lang == "da" or math.log10(freq) + 9 >= MIN_ENGLISH_WORD:
                k = key("d" if lang == "da" else "e", word)
                table[k] = max(table.get(k, 0), zipf_byte(freq))
        for s, freq in stems.items():
            k = key("s", s)
            table[k] = max(table.get(k, 0), zipf_byte(freq))
    return table


def main() -> int:
    table = entries()
    keys = sorted(table)
    data = b"KBG1" + struct.pack("<I", len(keys)) + struct.pack(f"<{len(keys)}I", *keys)
    data += bytes(table[k] for k in keys)
    OUT.write_bytes(data)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(keys)} entries, {len(data):,} bytes "
          f"(wordfreq {version('wordfreq')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
