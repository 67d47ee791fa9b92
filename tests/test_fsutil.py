"""Private, atomic file writes: mode 0600 whatever the umask, and all-or-nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kaffe import fsutil
from kaffe.fsutil import ensure_private, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The loosest umask a user could have: nothing may depend on it."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_a_new_file_is_private_even_with_umask_0(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "deep" / "state.json"
    write_private(path, "{}")
    assert path.read_text() == "{}" and mode(path) == 0o600


def test_a_world_readable_file_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, b"new")
    assert path.read_bytes() == b"new" and mode(path) == 0o600


def test_the_file_is_replaced_by_rename_not_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    write_private(path, "old")
    with path.open() as reader:  # a reader of the old file never sees half a new one
        write_private(path, "new")
        assert reader.read() == "old"
    assert path.read_text() == "new"


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_midway_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "token.json"
    write_private(path, "old")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, failing, disk_full)
    with pytest.raises(OSError, match="No space"):
        write_private(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old" and mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["token.json"]


def test_ensure_private_creates_empty_and_tightens_existing(tmp_path: Path,
                                                            open_umask: None) -> None:
    new, old = tmp_path / "new.db", tmp_path / "old.db"
    old.write_bytes(b"data")
    old.chmod(0o666)
    ensure_private(new)
    ensure_private(old)
    assert (new.read_bytes(), mode(new)) == (b"", 0o600)
    assert (old.read_bytes(), mode(old)) == (b"data", 0o600)
