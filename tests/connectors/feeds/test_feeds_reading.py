"""Feeds read the same over HTTP as from disk, and a local read costs memory in
proportion to the file, not to ``max_bytes``. Servers bind 127.0.0.1 only."""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds.source import HttpFeedSource, LocalFeedSource
from kaffe.connectors.ics_source import IcsCalendarSource as IcsSource
from kaffe.errors import ConnectorError

# Long enough for a charset sniffer to be sure, as real feed items are.
TEXTS = {
    "euc-kr": "커피 한 잔 하면서 이야기를 나누었습니다. 오늘의 회의는 아주 즐거웠습니다.",
    "koi8-r": "Мы пили кофе и говорили о данных. Сегодняшняя встреча была очень интересной.",
    "shift_jis": "コーヒーを飲みながらデータについて話しました。今日の会議はとても楽しかったです。",
    "windows-1252": "Café au lait — naïve résumé “quoted” façade; déjà vu à la crème brûlée.",
    "utf-16": "Kaffee und Gespräche über Daten — schön, dass wir uns getroffen haben. Grüße!",
}


def undeclared_feed(encoding: str) -> bytes:
    """An RSS document in ``encoding`` with no encoding in its XML declaration."""
    text = TEXTS[encoding]
    return (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Kaffe</title>'
        f"<link>https://example.org/</link><item><title>{text}</title>"
        f"<link>https://example.org/a</link><description>{text}</description>"
        "</item></channel></rss>"
    ).encode(encoding)


class _Untyped(BaseHTTPRequestHandler):
    """Serves the server's ``body`` with no Content-Type, as many static hosts do."""

    server: UntypedServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        for name, value in self.server.extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)


class UntypedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Untyped)
        self.body = b""
        self.extra: dict[str, str] = {}
        self.url = f"http://127.0.0.1:{self.server_address[1]}/feed"


@pytest.fixture
def untyped() -> Iterator[UntypedServer]:
    httpd = UntypedServer()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("extra", [{}, {"Content-Language": "de"}], ids=["bare", "language"])
@pytest.mark.parametrize("encoding", sorted(TEXTS))
def test_undeclared_encoding_decodes_over_http_as_from_disk(
    untyped: UntypedServer, tmp_path: Path, now: datetime, encoding: str,
    extra: dict[str, str],
) -> None:
    untyped.body, untyped.extra = undeclared_feed(encoding), extra
    path = tmp_path / "feed.xml"
    path.write_bytes(untyped.body)
    options = FeedOptionsConfig()
    (remote,) = HttpFeedSource(FeedConfig(url=untyped.url), options).fetch(None, now=now).articles
    (local,) = LocalFeedSource(FeedConfig(url=str(path)), options).fetch(None, now=now).articles
    assert local.title == TEXTS[encoding]
    assert remote.title == local.title


def read_peak(read: object) -> int:
    """Peak bytes allocated while ``read()`` runs."""
    tracemalloc.start()
    try:
        read()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


SMALL_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>a</title><link>https://example.org/a</link></item></channel></rss>"
)
SMALL_ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n"
)


def test_a_small_local_feed_allocates_for_its_size_not_for_max_bytes(
    tmp_path: Path, now: datetime
) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(SMALL_FEED)
    source = LocalFeedSource(FeedConfig(url=str(path)), FeedOptionsConfig(max_bytes=200_000_000))
    peak = read_peak(lambda: source.fetch_document(None, now=now))
    assert peak < 64_000, peak  # was max_bytes + 1 (200 MB) before


def test_a_big_local_feed_allocates_about_its_size(tmp_path: Path, now: datetime) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(SMALL_FEED.replace(b"<channel>", b"<channel>" + b" " * 3_000_000))
    source = LocalFeedSource(FeedConfig(url=str(path)), FeedOptionsConfig(max_bytes=200_000_000))
    peak = read_peak(lambda: source.fetch_document(None, now=now))
    assert peak < 3 * path.stat().st_size, peak


def test_a_small_local_calendar_allocates_for_its_size(tmp_path: Path, now: datetime) -> None:
    path = tmp_path / "cal.ics"
    path.write_bytes(SMALL_ICS)
    source = IcsSource("c", str(path), options=FeedOptionsConfig(), max_bytes=2_000_000_000)
    peak = read_peak(lambda: source.sync(None, window_start=now, window_end=now))
    assert peak < 512_000, peak  # was a 1 MiB block for a 72-byte file


def test_the_cap_still_holds_at_one_byte_past_it(tmp_path: Path, now: datetime) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(b"x" * 10_001)
    source = LocalFeedSource(FeedConfig(url=str(path)), FeedOptionsConfig(max_bytes=10_000))
    with pytest.raises(ConnectorError, match=r"max_bytes \(10000\)"):
        source.fetch_document(None, now=now)
    path.write_bytes(b"x" * 10_000)
    assert source.fetch_document(None, now=now).body == b"x" * 10_000
