"""How long a failing feed waits before the daemon asks it again (daemon/sync.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kaffe.config.schema import FeedOptionsConfig
from kaffe.daemon.sync import next_attempt


@pytest.mark.parametrize(
    ("failures", "hours"), [(0, 0), (1, 1), (2, 2), (3, 4), (5, 16), (6, 24), (500, 24)]
)
def test_next_attempt_doubles_up_to_the_cap(now: datetime, failures: int, hours: int) -> None:
    options = FeedOptionsConfig(max_backoff_hours=24)
    assert next_attempt(failures, now, options) == now + timedelta(hours=hours)


def test_next_attempt_with_no_backoff(now: datetime) -> None:
    assert next_attempt(7, now, FeedOptionsConfig(max_backoff_hours=0)) == now
