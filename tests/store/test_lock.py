"""The single-instance lock, contended within a process and by a subprocess."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kaffe.errors import LockError
from kaffe.store import InstanceLock

HOLDER = """
import sys
from kaffe.store import InstanceLock
with InstanceLock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_lock_file_is_private_and_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "run" / "kaffe.lock"
    with InstanceLock(path) as lock:
        assert lock.held
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().strip() == str(os.getpid())
    assert not lock.held


def test_second_lock_in_the_same_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.lock"
    with InstanceLock(path):
        with pytest.raises(LockError) as info:
            InstanceLock(path).acquire()
        assert str(os.getpid()) in info.value.hint
        assert str(os.getpid()) in str(info.value)
    with InstanceLock(path) as again:  # released: free to take
        assert again.held


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockError) as info:
            InstanceLock(path).acquire()
        assert f"kill {holder.pid}" in info.value.hint
    finally:
        holder.communicate("\n", timeout=10)
    with InstanceLock(path) as lock:
        assert lock.held


def test_release_is_idempotent(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path / "kaffe.lock")
    lock.acquire()
    lock.acquire()
    lock.release()
    lock.release()
    assert not lock.held
