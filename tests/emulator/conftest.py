"""Fixtures: a running emulator on a frozen clock, and real Google clients bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, connect


@pytest.fixture
def emu(now: datetime) -> Iterator[Emulator]:
    with Emulator(clock=lambda: now) as emulator:
        yield emulator


@pytest.fixture
def google(emu: Emulator) -> Google:
    return connect(emu)
