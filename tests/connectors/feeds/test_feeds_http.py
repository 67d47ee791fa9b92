"""HttpFeedSource against a real HTTP server on 127.0.0.1 (stdlib, in a thread)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import feedparser
import httpx
import pytest

from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds.fetch import USER_AGENT, make_client
from kaffe.connectors.feeds.source import HttpFeedSource, feed_source
from kaffe.errors import ConnectorError, TransientError

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Grøn Data</title><link>https://example.dk/</link>
<item><title>Vindkraft &amp; data</title>
<link>https://example.dk/vind?utm_source=rss</link>
<description>&lt;p&gt;Nyt om &lt;b&gt;vind&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Sun, 01 Mar 2026 08:30:00 +0100</pubDate></item>
</channel></rss>""".encode()
ETAG = '"v1"'
BIG = 50_000_000


class Handler(BaseHTTPRequestHandler):
    """Routes by path; every request is recorded on the server."""

    server: FeedServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers)))
        route = getattr(self, "route_" + self.path.strip("/").replace("-", "_"), None)
        if route is None:
            self.answer(404, b"not found")
        else:
            route()

    def answer(self, code: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_feed(self) -> None:
        if self.headers.get("If-None-Match") == ETAG:
            self.answer(304, ETag=ETAG)
        else:
            self.answer(200, FEED, ETag=ETAG, Content_Type="application/rss+xml")

    def route_dated(self) -> None:
        stamp = "Sun, 01 Mar 2026 09:00:00 GMT"
        if self.headers.get("If-Modified-Since") == stamp:
            self.answer(304)
        else:
            self.answer(200, FEED, Last_Modified=stamp, Content_Language="da-DK")

    def route_moved(self) -> None:
        self.answer(301, Location="/feed")

    def route_gzip(self) -> None:
        self.answer(200, gzip.compress(FEED), Content_Encoding="gzip")

    def route_raw_gzip(self) -> None:
        self.answer(200, gzip.compress(FEED), Content_Type="application/octet-stream")

    def route_busy(self) -> None:
        self.answer(500, b"oops", Retry_After="120")

    def route_slow_down(self) -> None:
        self.answer(429, b"slow down")

    def route_gone(self) -> None:
        self.answer(410, b"gone")

    def route_html(self) -> None:
        self.answer(200, b"<html><body><p>Not a feed</p></body></html>", Content_Type="text/html")

    def route_hang(self) -> None:
        self.server.release.wait(10)  # never sends a byte until the test is over

    def route_big(self) -> None:
        self.send_response(200)
        self.end_headers()  # no Content-Length: the body ends when the connection does
        self.stream_zeros()

    def route_big_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(BIG))
        self.end_headers()
        self.stream_zeros()

    def route_padded(self) -> None:
        self.answer(200, FEED.replace(b"<channel>", b"<channel>" + b" " * 1_000_000))

    def stream_zeros(self) -> None:
        chunk = b"<" * 65536
        try:
            for _ in range(BIG // len(chunk)):
                self.wfile.write(chunk)
                self.server.sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        self.sent = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    httpd = FeedServer()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def source(server: FeedServer, path: str, **options: float) -> HttpFeedSource:
    opts = FeedOptionsConfig(**options)  # type: ignore[arg-type]
    return HttpFeedSource(FeedConfig(url=server.url(path), name="grøn"), opts)


def test_fetch_parses_and_an_unchanged_feed_costs_a_304_and_no_parse(
    server: FeedServer, now: datetime
) -> None:
    feed = source(server, "/feed")
    with mock.patch.object(feedparser, "parse", wraps=feedparser.parse) as spy:
        batch = feed.fetch(None, now=now)
        again = feed.fetch(batch.cursor, now=now)
        assert spy.call_count == 1
    (article,) = batch.articles
    assert (article.title, article.url) == ("Vindkraft & data", "https://example.dk/vind")
    assert article.summary == "Nyt om vind" and article.feed == "grøn"
    assert article.published == datetime.fromisoformat("2026-03-01T07:30:00+00:00")
    assert (again.not_modified, again.articles, again.cursor) == (True, (), batch.cursor)
    assert len(server.requests) == 2
    assert server.requests[1][1]["If-None-Match"] == ETAG
    assert server.requests[0][1]["User-Agent"] == USER_AGENT


def test_last_modified_round_trip_and_content_language(server: FeedServer, now: datetime) -> None:
    feed = source(server, "/dated")
    batch = feed.fetch(None, now=now)
    assert batch.articles[0].language == "da"
    assert feed.fetch(batch.cursor, now=now).not_modified
    assert "If-None-Match" not in server.requests[1][1]


def test_redirects_gzip_encoding_and_gzip_bodies(server: FeedServer, now: datetime) -> None:
    for path in ("/moved", "/gzip", "/raw-gzip"):
        (article,) = source(server, path).fetch(None, now=now).articles
        assert article.url == "https://example.dk/vind", path


def test_server_error_is_transient_with_retry_after(server: FeedServer, now: datetime) -> None:
    with pytest.raises(TransientError) as info:
        source(server, "/busy").fetch(None, now=now)
    assert info.value.retry_after == 120.0
    assert "/busy: HTTP 500" in str(info.value)
    with pytest.raises(TransientError, match="HTTP 429"):
        source(server, "/slow-down").fetch(None, now=now)


@pytest.mark.parametrize(("path", "reason"), [("/missing", "HTTP 404"), ("/gone", "HTTP 410")])
def test_missing_feed_is_a_connector_error(
    server: FeedServer, now: datetime, path: str, reason: str
) -> None:
    with pytest.raises(ConnectorError) as info:
        source(server, path).fetch(None, now=now)
    assert not isinstance(info.value, TransientError)
    assert f"feed {server.url(path)}: {reason}" in str(info.value)
    assert info.value.hint == 'check url in the [[feeds]] entry "grøn"'


def test_a_web_page_is_not_a_feed(server: FeedServer, now: datetime) -> None:
    with pytest.raises(ConnectorError, match="/html: not a readable RSS or Atom feed"):
        source(server, "/html").fetch(None, now=now)


def test_hanging_server_is_given_up_within_the_timeout(server: FeedServer, now: datetime) -> None:
    started = time.monotonic()
    with pytest.raises(TransientError, match="/hang: timed out"):
        source(server, "/hang", timeout_seconds=0.5).fetch(None, now=now)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_fifty_megabytes_are_cut_off_at_the_cap_in_bounded_memory(
    server: FeedServer, now: datetime, path: str
) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ConnectorError, match=r"max_bytes \(1000000\)"):
            source(server, path, max_bytes=1_000_000).fetch(None, now=now)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000
    assert server.sent < BIG


def test_refused_connection_is_transient(now: datetime) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    feed = HttpFeedSource(FeedConfig(url=f"http://127.0.0.1:{port}/feed"), FeedOptionsConfig())
    with pytest.raises(TransientError, match="network error"):
        feed.fetch(None, now=now)


def test_shared_client_and_factory(server: FeedServer, now: datetime, tmp_path: Path) -> None:
    options = FeedOptionsConfig()
    with make_client(options) as client:
        feeds = [
            feed_source(FeedConfig(url=server.url(p)), options, client=client)
            for p in ("/feed", "/gzip")
        ]
        assert all(isinstance(f, HttpFeedSource) for f in feeds)
        assert [len(f.fetch(None, now=now).articles) for f in feeds] == [1, 1]
        for feed in feeds:
            feed.close()  # not theirs to close: the shared client still works
        assert client.get(server.url("/feed")).status_code == 200
    local = feed_source(FeedConfig(url=str(tmp_path / "f.xml")), options)
    assert not isinstance(local, HttpFeedSource)


def test_invalid_url_is_a_connector_error(now: datetime) -> None:
    feed = HttpFeedSource(FeedConfig(url="http://exa mple.com:x/feed"), FeedOptionsConfig())
    with pytest.raises(ConnectorError, match="exa mple"):
        feed.fetch(None, now=now)
    assert isinstance(httpx.Timeout(1), httpx.Timeout)
