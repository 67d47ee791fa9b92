"""Bounded in time and memory: entity bombs, external entities, recurrence bombs,
deep nesting and a server that never answers. Each runs under :func:`bounded`
(a generous thread-join limit instead of a wall-clock assertion) and asserts
the peak of traced memory."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.feeds.parse import FeedMeta, parse_document
from kaffe.connectors.feeds.source import HttpFeedSource
from kaffe.connectors.ical.invites import invitations_from_mime
from kaffe.connectors.ical.limits import occurrence_cap
from kaffe.connectors.ics_source import IcsCalendarSource
from kaffe.errors import ConnectorError, TransientError
from kaffe.model import Article
from tests.connectors.feeds.test_feeds_corpus import BILLION_LAUGHS
from tests.hostile.mutate import bounded

MB = 1_000_000
PEAK = 64 * MB
WINDOW = (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
META = FeedMeta("bomb", "bomb.xml", FeedConfig(url="bomb.xml"))
SECRET = "KAFFE-SECRET-7f3a"


def feed_articles(data: bytes) -> tuple[Article, ...]:
    try:
        return parse_document(data, META, max_bytes=10 * MB)
    except ConnectorError as exc:
        assert "bomb.xml" in str(exc)
        return ()


def mail_with_calendar(body: bytes, *, attached: bool = False) -> bytes:
    msg = EmailMessage()
    msg["Message-ID"] = "<bomb@example.com>"
    msg.set_content("See the invitation.")
    name = "invite.ics" if attached else None
    msg.add_attachment(body, maintype="text", subtype="calendar", filename=name,
                       params={"method": "REQUEST"})  # fmt: skip
    return msg.as_bytes()


def invitations(raw: bytes) -> list:
    return invitations_from_mime(raw, account="mail", thread_id="t", received=WINDOW[0],
                                 self_addresses=(), window=WINDOW)  # fmt: skip


# --- XML: entity bombs and external entities ---------------------------------------------

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 50_000 + b'">]>'
    b"<rss version='2.0'><channel><title>T</title><item><title>Q</title>"
    b"<link>http://example.com/q</link><description>" + b"&a;" * 20_000 + b"</description>"
    b"</item></channel></rss>"
)


@pytest.mark.parametrize("bomb", [BILLION_LAUGHS, QUADRATIC], ids=["billion-laughs", "quadratic"])
def test_entity_bombs_in_a_feed_are_bounded(bomb: bytes) -> None:
    articles, peak = bounded(lambda: feed_articles(bomb))
    assert peak < PEAK
    assert all(len(a.title) < 1000 and len(a.summary) <= 1000 for a in articles)


@pytest.mark.parametrize("attached", [False, True], ids=["inline", "ics-file"])
def test_entity_bomb_in_an_invitation_is_bounded(attached: bool) -> None:
    raw = mail_with_calendar(BILLION_LAUGHS, attached=attached)
    events, peak = bounded(lambda: invitations(raw))
    assert events == [] and peak < PEAK


@pytest.fixture
def secret_fifo(tmp_path: Path) -> Iterator[Path]:
    """A named pipe: whoever opens it for reading blocks, so a parser that follows
    an external entity to it hangs and :func:`bounded` fails the test."""
    path = tmp_path / "secret"
    os.mkfifo(path)
    yield path
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK) if _has_reader(path) else None
    if fd is not None:  # release a stuck reader, so no thread is left behind
        os.write(fd, SECRET.encode())
        os.close(fd)


def _has_reader(path: Path) -> bool:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        return False
    return True


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records whatever connects to it."""
    seen: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                seen.append(conn.recv(1024))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/dtd", seen
    stop.set()
    thread.join(5)
    server.close()


def xxe_documents(target: str) -> list[bytes]:
    item = ("<rss version='2.0'><channel><title>T {ref}</title><item><title>I {ref}</title>"
            "<link>http://example.com/x</link><description>{ref}</description></item>"
            "</channel></rss>")  # fmt: skip
    return [
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{target}">]>'
        f"{item.format(ref='&x;')}".encode(),
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{target}">{item.format(ref="")}'.encode(),
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "{target}"> %p;]>'
        f"{item.format(ref='')}".encode(),
    ]


def test_external_entities_never_read_a_local_file(secret_fifo: Path) -> None:
    for doc in xxe_documents(secret_fifo.as_uri()):
        articles, _ = bounded(lambda doc=doc: feed_articles(doc), seconds=30)
        assert not any(SECRET in a.title + a.summary for a in articles)
        assert not _has_reader(secret_fifo)
        events, _ = bounded(lambda doc=doc: invitations(mail_with_calendar(doc)), seconds=30)
        assert events == []


def test_external_entities_never_fetch_a_url(listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    for doc in xxe_documents(url):
        bounded(lambda doc=doc: feed_articles(doc), seconds=30)
    assert seen == []


# --- ICS: recurrence bombs, sheer size, deep nesting --------------------------------------


def rule_calendar(rule: str, start: str = "19700101T000000Z", copies: int = 1) -> bytes:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:bomb-{n}\r\nDTSTART:{start}\r\nDURATION:PT1S\r\n"
        f"RRULE:{rule}\r\nSUMMARY:Bomb\r\nEND:VEVENT\r\n"
        for n in range(copies)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n{events}END:VCALENDAR\r\n".encode()


@pytest.mark.parametrize(
    ("rule", "start", "copies"),
    [
        ("FREQ=SECONDLY", "19700101T000000Z", 1),  # was: hours of CPU
        ("FREQ=MINUTELY", "20251201T000000Z", 1),  # was: 170k events, hundreds of MB
        ("FREQ=DAILY;BYHOUR=1,2,3,4,5,6,7,8,9,10,11,12", "20251201T000000Z", 1),
        ("FREQ=DAILY", "20251201T000000Z", 300),  # many small series add up
    ],
    ids=["secondly-since-1970", "minutely", "daily-by-hour", "many-series"],
)
def test_recurrence_bombs_by_mail_are_bounded(rule: str, start: str, copies: int) -> None:
    raw = mail_with_calendar(rule_calendar(rule, start, copies))
    events, peak = bounded(lambda: invitations(raw))
    assert len(events) <= max(occurrence_cap(WINDOW), 122 * copies)
    assert peak < PEAK


def test_a_megabyte_of_events_by_mail_is_bounded() -> None:
    raw = mail_with_calendar(rule_calendar("FREQ=YEARLY;COUNT=1", "20260110T100000Z", 7000))
    assert len(raw) > MB
    events, peak = bounded(lambda: invitations(raw))
    assert len(events) == 7000 and peak < PEAK


def test_a_calendar_part_too_large_for_an_invitation_is_skipped() -> None:
    raw = mail_with_calendar(rule_calendar("FREQ=YEARLY;COUNT=1", "20260110T100000Z", 17_000))
    events, peak = bounded(lambda: invitations(raw))
    assert events == [] and peak < PEAK


def test_deeply_nested_multiparts_are_bounded() -> None:
    body = b"Content-Type: text/calendar; method=REQUEST\r\n\r\n" + rule_calendar("FREQ=DAILY")
    for level in range(3000):
        head = f"Content-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\n".encode()
        body = head + body + f"\r\n--b{level}--\r\n".encode()
    events, peak = bounded(lambda: invitations(b"Message-ID: <deep@x>\r\n" + body))
    assert events == [] and peak < PEAK


# --- a server that never answers -------------------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{server.getsockname()[1]}/feed.xml"
    server.close()


def test_a_feed_server_that_never_answers_is_given_up(silent_server: str) -> None:
    source = HttpFeedSource(FeedConfig(url=silent_server), FeedOptionsConfig(timeout_seconds=0.5))

    def fetch() -> Exception | None:
        try:
            source.fetch(None, now=WINDOW[0])
        except TransientError as exc:
            return exc
        return None

    error, peak = bounded(fetch, seconds=60)
    assert error is not None and "feed.xml: timed out" in str(error)
    assert peak < 8 * MB


def test_a_calendar_server_that_never_answers_is_given_up(silent_server: str) -> None:
    source = IcsCalendarSource("work", silent_server,
                               options=FeedOptionsConfig(timeout_seconds=0.5))  # fmt: skip

    def sync() -> Exception | None:
        try:
            source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
        except TransientError as exc:
            return exc
        return None

    error, peak = bounded(sync, seconds=60)
    assert error is not None and "timed out" in str(error) and peak < 8 * MB
