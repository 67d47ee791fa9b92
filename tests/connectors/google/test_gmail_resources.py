"""A Gmail sync builds its API resources once per fetch, not once per message: the
client builds each ``users()``/``messages()`` afresh from the discovery document,
which cost more CPU than the messages themselves on a first sync."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.emulator import Emulator
from tests.connectors.google.test_gmail_source import SINCE, _source
from tests.emulator.helpers import mail


class CountingService:
    """Wraps the Gmail service and counts its ``users()`` calls."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.users_calls = inner, 0

    def users(self) -> Any:
        self.users_calls += 1
        return self.inner.users()


@pytest.mark.parametrize("count", [3, 120])
def test_resources_do_not_grow_with_the_mailbox(
    tmp_path: Path, now: datetime, count: int
) -> None:
    with Emulator(clock=lambda: now) as emu:
        for i in range(count):
            emu.add_message(mail(f"bulk {i}", msgid=f"<r{i}@example.org>"), ["INBOX"])
        source = _source(emu, tmp_path, [])
        service = CountingService(source.service)
        source.service = service
        batch = source.sync(None, since=SINCE, now=now)
    assert len(batch.messages) == count
    # getProfile, messages.list (one page), and one messages resource for every get
    assert service.users_calls <= 4
