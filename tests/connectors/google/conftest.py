"""A live in-process emulator and a Google connection to it, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import Config, GoogleConfig, MeConfig
from kaffe.connectors.google import GoogleConnection, open_google
from kaffe.emulator.token import write_emulator_token

ME = "me@example.com"


@pytest.fixture
def emu() -> Iterator[Any]:
    emulator = pytest.importorskip("kaffe.emulator")
    server = emulator.Emulator(seed=None, port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def token_path(emu: Any, tmp_path: Path) -> Path:
    path = tmp_path / "google-token.json"
    write_emulator_token(path, emu.url)
    return path


@pytest.fixture
def config(emu: Any) -> Config:
    return Config(me=MeConfig(addresses=(ME,)),
                  google=GoogleConfig(api_endpoint=emu.url, calendar_ids=("primary",)))


@pytest.fixture
def sleeps() -> list[float]:
    """Every sleep the connectors asked for; nothing really sleeps."""
    return []


@pytest.fixture
def google(config: Config, token_path: Path, sleeps: list[float]) -> GoogleConnection:
    return open_google(config, token_path, sleep=sleeps.append)
