"""``kaffe doctor``: the data folder has room and takes writes.

A cycle that cannot write its database fails whatever the sources do, so doctor
looks at the disk itself rather than at what the last cycles managed to record
(on a full disk they may have recorded nothing).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kaffe.cli.check import Check
from kaffe.store.fault import probe_writable, storage_error

MiB = 1024 * 1024
# Below this a cycle may not fit: a first sync, the WAL before its checkpoint (~4 MiB).
FAIL_BELOW = 10 * MiB
# Below this kaffe still works, but not for long: a mailbox's first sync alone may
# store tens of MiB, and the journal and other programs share the disk.
WARN_BELOW = 100 * MiB


def check_data_folder(folder: Path) -> list[Check]:
    """Free space on the data folder's disk, and a real write into the folder."""
    existing = _nearest_existing(folder)
    return [_free_space(folder, existing), _writable(folder, existing)]


def _nearest_existing(folder: Path) -> Path:
    """The folder, or its nearest parent that exists (kaffe creates the rest)."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _free_space(folder: Path, existing: Path) -> Check:
    free = shutil.disk_usage(existing).free
    words = f"{_size(free)} free on the disk holding {folder}"
    fix = f"free space on it (`df -h {existing}`) or move the data folder elsewhere"
    if free < FAIL_BELOW:
        return Check("free space", False, f"{words}: too little for a cycle", fix)
    if free < WARN_BELOW:
        return Check("free space", True, f"{words}: below {_size(WARN_BELOW)}", fix,
                     warning=True)
    return Check("free space", True, words)


def _writable(folder: Path, existing: Path) -> Check:
    if not existing.is_dir():
        return Check("data folder", False, f"{existing} is a file, not a folder",
                     f"move {existing} aside, or set [storage] database elsewhere")
    problem = probe_writable(existing)
    if problem is None:
        return Check("data folder", True, f"{folder} takes writes")
    error = storage_error(existing / "kaffe.db", problem)
    return Check("data folder", False, str(error), error.hint)


def _size(count: int) -> str:
    return f"{count / MiB:,.0f} MiB" if count >= MiB else f"{count // 1024} KiB"
