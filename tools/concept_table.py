"""Ship the concept thesaurus in src/kaffe/relevance/data (run by hand; deterministic).

    python tools/concept_table.py [T1 ... T7]    (PATH/thesaurus_t1.tsv ... t7.tsv)

The thesaurus (concept_id<TAB>english terms<TAB>danish terms<TAB>domain, one group a
line, terms separated by " | ") was written for kaffe by independent authors
(technology/industry; business/society); ``thesaurus_t3.tsv`` and ``thesaurus_t4.tsv``
(the same format; the domain may be left out) add terms to groups of the first two, and
some groups; ``thesaurus_t5.tsv`` adds groups of fields the others left out;
``thesaurus_t6.tsv`` and ``thesaurus_t7.tsv`` (half of the groups each) the words
articles use for them. The files
are kept as written in ``thesaurus_t1.tsv`` ... ``thesaurus_t7.tsv``, except lines that
are not three or four fields with an id and some term, which are dropped (and counted
here). ``ambiguous_t*.tsv`` (group id<TAB>term<TAB>its other sense) name the terms that
never make their group present alone (:data:`kaffe.relevance.concepts.AMBIGUOUS`);
``related_r*.tsv`` (group id<TAB>related group ids, by two more authors, half of the groups
each) the groups an article about a group's topic holds
(:data:`kaffe.relevance.concepts.LINKS`); ``splits_s*.tsv`` (group id<TAB>new id<TAB>english
terms<TAB>danish terms, by two more authors, half of the groups each) the groups that held
two subjects and the terms moved out into a new group
(:data:`kaffe.relevance.concepts.SPLITS`). They
are analysed by kaffe's own text analysis into ``concepts.bin``, what
:mod:`kaffe.relevance.concepts` reads. Without PATHs, ``concepts.bin`` is rebuilt from
the shipped files (tests/relevance/test_concepts.py checks it is up to date).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kaffe.relevance.concepts import (  # noqa: E402
    AMBIGUOUS,
    LINKS,
    SOURCES,
    SPLITS,
    analysed,
    read_groups,
)

DATA = ROOT / "src" / "kaffe" / "relevance" / "data"
TABLE = DATA / "concepts.bin"


def main(argv: list[str]) -> int:
    if argv and len(argv) != len(SOURCES):
        print(__doc__, file=sys.stderr)
        return 2
    for path, name in zip(argv, SOURCES if argv else (), strict=True):
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip() and read_groups(line)]
        dropped = sum(1 for line in lines if line.strip()) - len(kept)
        (DATA / name).write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
        print(f"{name}: {len(kept)} groups kept, {dropped} malformed lines dropped")
    texts = [(DATA / name).read_text(encoding="utf-8") for name in SOURCES]
    unclear = "\n".join((DATA / name).read_text(encoding="utf-8") for name in AMBIGUOUS)
    related = "\n".join((DATA / name).read_text(encoding="utf-8") for name in LINKS)
    splits = "\n".join((DATA / name).read_text(encoding="utf-8") for name in SPLITS)
    concepts = analysed(texts, unclear, related, splits)
    table = concepts.encode()
    TABLE.write_bytes(table)
    print(f"wrote {TABLE.relative_to(ROOT)}: {len(concepts.names)} groups, {len(table):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
