"""One table for every bench script: each script's ``rows(args)`` returns :data:`Row`s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

# (section, measure, kaffe, baseline, ratio, target, met), already formatted; "—" = n/a
Row = tuple[str, str, str, str, str, str, str]

HEADER: Row = ("section", "measure", "kaffe", "baseline", "ratio", "target", "met")


def print_table(rows: Sequence[Row], out: TextIO) -> None:
    """Print ``rows`` as an aligned plain-text table under a header."""
    table = [HEADER, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    for row in table:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                  .rstrip() + "\n")
