"""``kaffe export [--output FILE]`` and ``kaffe import FILE [--dry-run]``."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TextIO

from kaffe.errors import EX_CANTCREAT, DataError, KaffeError
from kaffe.fsutil import write_private
from kaffe.store import Store
from kaffe.store.transfer import (
    bundle_to_document,
    document_to_text,
    merge,
    parse_document,
    read_bundle,
)

log = logging.getLogger(__name__)

STDIN = "-"


def export(store: Store, output: Path | None, now: datetime, out: TextIO) -> int:
    """Write the export document to ``output`` (private, atomically) or to ``out``; returns 0."""
    bundle = read_bundle(store)
    text = document_to_text(bundle_to_document(bundle, now))
    if output is None:
        out.write(text)
        return 0
    _write(output, text)
    log.info("exported to %s", output)
    print(f"exported {len(bundle.contacts)} contacts, {len(bundle.topics)} topics and "
          f"{len(bundle.ledger)} ledger entries to {output} (readable only by you)", file=out)
    return 0


def _write(output: Path, text: str) -> None:
    """Write the export privately; a folder or an unwritable place is said in words."""
    if output.is_dir():
        raise KaffeError(f"{output} is a folder, not a file",
                         hint=f"name the file to write, e.g. -o {output / 'kaffe-export.json'}",
                         exit_code=EX_CANTCREAT)
    try:
        write_private(output, text)
    except OSError as exc:
        raise KaffeError(f"cannot write {output}: {exc.strerror or exc}",
                         hint="choose a place you may write to, or free space on its disk",
                         exit_code=EX_CANTCREAT) from None


def read_source(name: str, stdin: TextIO) -> str:
    """The text of the file ``name`` (``-``: standard input); unreadable is a KaffeError."""
    if name == STDIN:
        return stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(name, [f"not UTF-8 text: {exc.reason} at byte {exc.start}"]) from None
    except OSError as exc:
        raise KaffeError(f"cannot read {name}: {exc.strerror or exc}") from None


def import_(store: Store, name: str, *, dry_run: bool, out: TextIO, stdin: TextIO) -> int:
    """Merge the export file ``name`` into ``store`` and print the counts; returns 0.

    A malformed file raises :class:`~kaffe.errors.DataError` (exit 65) before
    anything is written.
    """
    source = "standard input" if name == STDIN else name
    bundle = parse_document(read_source(name, stdin), source)
    counts = merge(store, bundle, dry_run=dry_run)
    print(f"{'would import' if dry_run else 'imported'} {counts}", file=out)
    return 0
