"""Shared fixtures: the real-world corpus and a frozen clock."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent

# Property and fuzz tests draw new examples on every run of `make test`; CI (which
# sets CI) draws the same ones each time, so that a landing is not decided by luck.
# A case found locally is pinned with @example, as in tests/hostile/.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def corpus_dir() -> Path | None:
    """The shared real-world corpus: $KAFFE_CORPUS, else ../shared/realworld."""
    env = os.environ.get("KAFFE_CORPUS")
    path = Path(env) if env else ROOT.parent / "shared" / "realworld"
    return path if path.is_dir() else None


@pytest.fixture
def corpus() -> Path:
    path = corpus_dir()
    if path is None:
        pytest.skip("real-world corpus not found: set KAFFE_CORPUS to shared/realworld")
    return path


@pytest.fixture
def now() -> datetime:
    """A frozen clock; tests pass it in and never sleep."""
    return datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real home: data, config and runtime dirs live in a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("KAFFE_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "run"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("KAFFE_CONFIG", raising=False)
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    # A config without [me] timezone takes the system's: the same on every machine here.
    monkeypatch.setenv("TZ", "UTC")
    return home


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    """`kaffe.cli.main` points the root logger at the test's captured stderr, which is
    closed after the test: a later test that logs would print "--- Logging error ---"."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
