"""A CalDAV sync has one wall-clock deadline and a stop request aborts it: the real
caldav library (niquests) against a server on 127.0.0.1 that drips header lines for
ever (elapsed time checked against generous bounds, never slept on)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kaffe.connectors import caldav_source, deadline
from kaffe.connectors.caldav_source import CalDavCalendarSource
from kaffe.errors import KaffeError, TransientError
from tests.servers.stall import StallServer

WINDOW = {"window_start": datetime(2026, 3, 1, tzinfo=UTC),
          "window_end": datetime(2026, 4, 1, tzinfo=UTC)}


@pytest.fixture
def dripping() -> Iterator[StallServer]:
    with StallServer("headers", interval=0.2, give_up=30) as server:
        yield server


def source(server: StallServer) -> CalDavCalendarSource:
    return CalDavCalendarSource("work", server.url("/dav/"), username="me", password="pw")


def test_a_dripping_caldav_server_is_cut_off_at_the_sync_deadline(dripping, monkeypatch):
    monkeypatch.setattr(caldav_source, "SYNC_DEADLINE_SECONDS", 1.5)
    start = time.monotonic()
    with pytest.raises(TransientError, match="no complete answer within 1.5 s"):
        source(dripping).sync(None, **WINDOW)
    assert time.monotonic() - start < 1.5 + 4


def test_a_stop_request_aborts_a_caldav_sync(dripping):
    start = time.monotonic()
    with deadline.stop_when(dripping.seen.is_set), pytest.raises(KaffeError) as info:
        source(dripping).sync(None, **WINDOW)
    assert isinstance(info.value, deadline.Cancelled), info.value
    assert time.monotonic() - start < 5
