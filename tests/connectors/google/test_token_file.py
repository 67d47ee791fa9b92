"""The Google token file: private, replaced atomically, never half-written."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from kaffe import fsutil
from kaffe.config.schema import GoogleConfig
from kaffe.connectors.google.auth import load_credentials, save_credentials


def test_a_saved_token_is_private_with_umask_0(emu: Any, token_path: Path) -> None:
    creds = load_credentials(GoogleConfig(api_endpoint=emu.url), token_path)
    token_path.unlink()
    old = os.umask(0)
    try:
        save_credentials(creds, token_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert json.loads(token_path.read_text())["refresh_token"] == creds.refresh_token


def test_a_refresh_whose_save_fails_midway_leaves_the_old_token(
    emu: Any, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = token_path.read_bytes()  # no access token yet: loading it refreshes and saves

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "fsync", disk_full)
    with contextlib.suppress(OSError):  # whether a failed save is fatal is not the point here
        load_credentials(GoogleConfig(api_endpoint=emu.url), token_path)
    monkeypatch.undo()
    assert token_path.read_bytes() == before
    assert [p.name for p in token_path.parent.iterdir()] == [token_path.name]
    assert load_credentials(GoogleConfig(api_endpoint=emu.url), token_path).valid
