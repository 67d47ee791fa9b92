"""What went wrong with kaffe's files, in words: a full disk, a read-only folder,
a folder where the database should be, a folder kaffe may not write to.

OSError and sqlite3 errors from the store and the lock become a
:class:`~kaffe.errors.StorageError` naming the path and the fix. A path that
cannot be used exits 78 (EX_CONFIG: systemd must not restart-loop on it); a full
disk exits 74 (EX_IOERR) and the daemon retries it on its next cycle.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from pathlib import Path

from kaffe.errors import EX_CONFIG, EX_IOERR, StorageError

WHERE_HINT = "or set [storage] database (or $KAFFE_DATA_DIR) to a place kaffe may write to"


def storage_error(path: Path, exc: BaseException) -> StorageError:
    """The StorageError for ``exc``, raised while using the file ``path``."""
    kind = _kind(path, exc)
    folder = path.parent
    if kind == "folder":
        return StorageError(f"{path} is a folder, not a database file",
                            hint=f"move the folder aside, or set [storage] database to a "
                                 f"file path (e.g. {path / 'kaffe.db'})",
                            exit_code=EX_CONFIG)
    if kind == "file-in-the-way":
        blocker = next(p for p in path.parents if p.exists())
        return StorageError(f"cannot create {path}: {blocker} is a file, not a folder",
                            hint=f"move {blocker} aside, {WHERE_HINT}", exit_code=EX_CONFIG)
    if kind == "full":
        return StorageError(f"cannot write to {path}: the disk holding {folder} is full",
                            hint=f"free space on it (`df -h {folder}`); kaffe tries again "
                                 "on its next cycle", exit_code=EX_IOERR)
    if kind == "read-only":
        return StorageError(f"cannot write to {path}: {folder} is on a read-only file system",
                            hint=f"mount it writable, {WHERE_HINT}", exit_code=EX_CONFIG)
    if kind == "denied":
        return StorageError(f"cannot write to {path}: permission denied",
                            hint=f"give the user kaffe runs as write access to {folder} "
                                 f"(and {path.name}), {WHERE_HINT}", exit_code=EX_CONFIG)
    if kind == "unusable":
        return StorageError(f"cannot use the database {path}: {_reason(exc)}",
                            hint=f"move the file aside to start afresh, {WHERE_HINT}",
                            exit_code=EX_CONFIG)
    return StorageError(f"cannot write to {path}: {_reason(exc)}",
                        hint=f"check the disk holding {folder} (`df -h {folder}`, `dmesg`); "
                             "kaffe tries again on its next cycle", exit_code=EX_IOERR)


# sqlite3 error names (Python 3.11+: exc.sqlite_errorname) -> what they mean here
SQLITE_KINDS = {"SQLITE_FULL": "full", "SQLITE_READONLY": "read-only",
                "SQLITE_CANTOPEN": "unusable", "SQLITE_NOTADB": "unusable",
                "SQLITE_CORRUPT": "unusable", "SQLITE_PERM": "denied"}
ERRNO_KINDS = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "read-only",
               errno.EACCES: "denied", errno.EPERM: "denied", errno.EISDIR: "folder"}


def _kind(path: Path, exc: BaseException) -> str:
    if path.is_dir():
        return "folder"
    if not next(p for p in path.parents if p.exists()).is_dir():
        return "file-in-the-way"
    if isinstance(exc, OSError):
        return ERRNO_KINDS.get(exc.errno or 0, "io")
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, kind in SQLITE_KINDS.items():
        if name.startswith(prefix):
            return _sharpen(path, kind)
    if name.startswith("SQLITE_IOERR"):  # e.g. the -shm file could not grow
        return _sharpen(path, "io")
    return "unusable" if isinstance(exc, sqlite3.DatabaseError) else "io"


def _sharpen(path: Path, kind: str) -> str:
    """SQLite says only "read-only", "cannot open" or "I/O error": the folder tells
    which and why (read-only, full, not ours)."""
    if kind not in ("read-only", "unusable", "io"):
        return kind
    probe = probe_writable(path.parent)
    return ERRNO_KINDS.get(probe.errno or 0, kind) if probe is not None else kind


def probe_writable(folder: Path) -> OSError | None:
    """Create, write and remove a small file in ``folder``; the error, or None if it works
    (os.access would not do: it says yes to root on a read-only or full file system)."""
    probe = folder / f".kaffe-probe-{id(folder)}"
    try:
        with open(probe, "wb") as fh:
            fh.write(b"kaffe")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        return exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
