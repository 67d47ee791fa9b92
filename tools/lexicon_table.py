"""Ship the en <-> da lexicon in src/kaffe/relevance/data (run by hand; deterministic).

    python tools/lexicon_table.py [PATH/en_da.tsv]

The lexicon (english<TAB>danish<TAB>domain, one pair a line: professional vocabulary
of industries, technologies, roles and markets) was written for kaffe by an
independent author; its content is kept as written in ``en_da.tsv.gz`` (checked: three
fields, none empty; gzip without a timestamp), and analysed by kaffe's own text
analysis into ``en_da.bin``, what :mod:`kaffe.relevance.lexicon` reads. Without PATH,
``en_da.bin`` is rebuilt from the shipped ``en_da.tsv.gz`` (after a change to the
stemming or the compound splitting; tests/relevance/test_lexicon.py checks it is up to
date).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kaffe.relevance.lexicon import analysed  # noqa: E402

DATA = ROOT / "src" / "kaffe" / "relevance" / "data"
SOURCE, TABLE = DATA / "en_da.tsv.gz", DATA / "en_da.bin"


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    if argv:
        text = Path(argv[0]).read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            fields = line.split("\t")
            if line and (len(fields) != 3 or not all(f.strip() for f in fields)):
                print(f"{argv[0]}:{n}: not english<TAB>danish<TAB>domain: {line!r}",
                      file=sys.stderr)
                return 1
        SOURCE.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    text = gzip.decompress(SOURCE.read_bytes()).decode("utf-8")
    table = analysed(text).encode()
    TABLE.write_bytes(table)
    print(f"wrote {TABLE.relative_to(ROOT)}: {len(text.splitlines())} pairs, "
          f"{len(table):,} bytes ({SOURCE.name}: {SOURCE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
