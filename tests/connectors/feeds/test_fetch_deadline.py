"""One wall-clock deadline covers connect, headers and body of every feed and ICS fetch,
and a stop request (SIGTERM) aborts a fetch in flight: real hostile servers on 127.0.0.1.

The deadline is DEADLINE_FACTOR x timeout_seconds; the servers drip faster than the
read timeout, so only the total deadline can end the fetch. Elapsed wall time is
checked against a generous bound (the machine is shared), never slept on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors import deadline
from kaffe.connectors.feeds.fetch import DEADLINE_FACTOR
from kaffe.connectors.feeds.source import HttpFeedSource
from kaffe.connectors.ics_source import IcsCalendarSource
from kaffe.errors import KaffeError, TransientError
from tests.servers.stall import StallServer

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TIMEOUT = 0.5  # seconds: every drip below comes faster than this
LIMIT = TIMEOUT * DEADLINE_FACTOR
BOUND = LIMIT + 3.0  # generous: the machine is shared


@pytest.fixture
def stall() -> Iterator[Callable[..., StallServer]]:
    servers: list[StallServer] = []

    def start(mode: str, **kwargs: float) -> StallServer:
        servers.append(StallServer(mode, interval=0.2, give_up=30, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def feed(url: str, timeout: float = TIMEOUT) -> HttpFeedSource:
    return HttpFeedSource(FeedConfig(url=url), FeedOptionsConfig(timeout_seconds=timeout))


def timed(fetch: Callable[[], object]) -> tuple[KaffeError, float]:
    start = time.monotonic()
    with pytest.raises(KaffeError) as info:
        fetch()
    return info.value, time.monotonic() - start


@pytest.mark.parametrize("mode", ["headers", "body"])
def test_a_server_that_drips_is_cut_off_at_the_deadline(stall, mode: str) -> None:
    server = stall(mode)
    source = feed(server.url("/feed.xml?apikey=sekrit"))
    error, elapsed = timed(lambda: source.fetch(None, now=NOW))
    assert isinstance(error, TransientError)
    assert f"no complete answer within {LIMIT:g} s" in str(error)
    assert str(error).startswith(f"feed http://127.0.0.1:{server.port}/feed.xml?apikey=…:")
    assert "sekrit" not in str(error)
    assert "sekrit" not in str(error)
    assert elapsed < BOUND


def test_a_server_that_never_answers_times_out(stall) -> None:
    server = stall("silent")
    error, elapsed = timed(lambda: feed(server.url()).fetch(None, now=NOW))
    assert isinstance(error, TransientError) and elapsed < BOUND


def test_an_ics_url_has_the_same_deadline(stall) -> None:
    server = stall("headers")
    options = FeedOptionsConfig(timeout_seconds=TIMEOUT)
    calendar = IcsCalendarSource("work", server.url("/private-0123456789abcdef0123/basic.ics"),
                                 options=options)
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    error, elapsed = timed(lambda: calendar.sync(None, window_start=window[0],
                                                 window_end=window[1]))
    assert isinstance(error, TransientError)
    assert f"no complete answer within {LIMIT:g} s" in str(error)
    assert "0123456789abcdef0123" not in str(error)
    assert elapsed < BOUND


@pytest.mark.parametrize("mode", ["headers", "silent"])
def test_a_stop_request_aborts_a_fetch_in_flight(stall, mode: str) -> None:
    server = stall(mode)
    source = feed(server.url(), timeout=60)  # only the stop request can end it soon

    def stop() -> bool:
        return server.connections > 0  # "SIGTERM" once the request is on the wire

    with deadline.stop_when(stop):
        error, elapsed = timed(lambda: source.fetch(None, now=NOW))
    assert isinstance(error, deadline.Cancelled), error
    assert "stopped: kaffe is shutting down" in str(error)
    assert elapsed < 3.0


def test_a_watch_that_did_not_fire_leaves_a_quick_fetch_alone(stall) -> None:
    server = stall("slow", body=b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    batch = feed(server.url(), timeout=5).fetch(None, now=NOW)
    assert batch.articles == () and not batch.not_modified
