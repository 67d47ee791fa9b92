"""The ICS calendar source: one conditional request per cycle, every real file read."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, tzinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import recurring_ical_events
from icalendar import Calendar

from kaffe.config.schema import FeedOptionsConfig
from kaffe.connectors import ics_source
from kaffe.connectors.ical.read import calendar_zone
from kaffe.connectors.ics_source import IcsCalendarSource
from kaffe.errors import ConnectorError, TransientError
from kaffe.redact import redact_url
from tests.servers.radicale import free_port

WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC))
CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:c1@t\r\n"
    b"SUMMARY:Coffee with Bo\r\nDTSTART:20260302T100000Z\r\nDTEND:20260302T104500Z\r\n"
    b"DTSTAMP:20260201T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


class Server:
    """A 127.0.0.1 server for one calendar with an ETag; counts its requests."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests.append(self.headers.get("If-None-Match", ""))
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(CALENDAR)))
                self.end_headers()
                self.wfile.write(CALENDAR)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/calendar/ical/x/private-abc/basic.ics"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


def test_unchanged_calendar_costs_one_request_and_no_parse(server: Server) -> None:
    source = IcsCalendarSource("home", server.url, options=FeedOptionsConfig())
    first = source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert first.full and [e.summary for e in first.events] == ["Coffee with Bo"]
    with mock.patch.object(ics_source, "parse_calendar_stream") as parse:
        second = source.sync(first.cursor, window_start=WINDOW[0], window_end=WINDOW[1])
    assert parse.call_count == 0
    assert not second.full and second.events == () and second.cursor == first.cursor
    assert server.requests == ["", '"v1"']


def test_secret_addresses_are_redacted_in_messages(server: Server) -> None:
    assert "private-abc" not in redact_url(server.url)
    source = IcsCalendarSource("home", server.url.replace("basic.ics", "nope.ics"),
                               options=FeedOptionsConfig())
    server.httpd.RequestHandlerClass.do_GET = _not_found  # type: ignore[method-assign]
    with pytest.raises(ConnectorError) as failure:
        source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert "404" in str(failure.value) and "private-abc" not in str(failure.value)
    # the fix is in the calendar's own entry, not in [[feeds]] (whose fetcher it shares)
    assert failure.value.hint == 'check url in the [[calendars]] entry "home"'


def _not_found(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(404)
    handler.end_headers()


def test_webcal_is_https() -> None:
    assert ics_source.fetch_url("webcal://example.org/a.ics") == "https://example.org/a.ics"
    assert ics_source.fetch_url("WEBCALS://example.org/a.ics") == "https://example.org/a.ics"


def ics_files() -> list[Path]:
    from tests.conftest import corpus_dir

    root = corpus_dir()
    return sorted((root / "ics").glob("*.ics")) if root else []


@pytest.mark.parametrize("path", ics_files(), ids=lambda p: p.name)
def test_every_real_ics_file_is_read_or_reported(path: Path) -> None:
    source = IcsCalendarSource(path.stem, str(path), options=FeedOptionsConfig())
    batch = source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert batch.full and batch.cursor
    assert all(e.calendar == f"ics:{path.stem}" for e in batch.events)
    assert all(e.start.tzinfo is not None for e in batch.events)
    again = source.sync(batch.cursor, window_start=WINDOW[0], window_end=WINDOW[1])
    assert again.events == () and not again.full  # unchanged file: not read again


def expected_instants(data: bytes) -> tuple[set[tuple[str, datetime]], int, bool]:
    """(UID, start in UTC) of every occurrence recurring-ical-events itself finds in the
    window (floating times in the file's X-WR-TIMEZONE, else UTC), how many occurrences
    it found, and whether a TZID was left unresolved (kaffe mends those; the library
    reads them as floating)."""
    found: set[tuple[str, datetime]] = set()
    count, mended = 0, False
    for cal in Calendar.from_ical(data, multiple=True):
        zone = calendar_zone(cal) or UTC
        mended = mended or any(_unresolved(event) for event in cal.walk("VEVENT"))
        for occurrence in recurring_ical_events.of(cal).between(*WINDOW):
            count += 1
            found.add((str(occurrence.get("UID", "")), utc(occurrence["DTSTART"].dt, zone)))
    return found, count, mended


def _unresolved(event: Any) -> bool:
    start = event.get("DTSTART")
    return start is not None and "TZID" in start.params and start.dt.tzinfo is None


def utc(value: date | datetime, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)


def strictly_readable(path: Path) -> bool:
    try:
        expected_instants(path.read_bytes())
    except Exception:
        return False
    return True


@pytest.mark.parametrize("path", [p for p in ics_files() if strictly_readable(p)],
                         ids=lambda p: p.name)
def test_instants_match_recurring_ical_events(path: Path) -> None:
    """Recurrences, overrides, EXDATEs and time zones land where the library puts them."""
    source = IcsCalendarSource(path.stem, str(path), options=FeedOptionsConfig())
    batch = source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    expected, count, mended = expected_instants(path.read_bytes())
    if mended:  # the same occurrences, at the mended instants
        assert len(batch.events) == count
    else:
        assert {(e.uid, e.start) for e in batch.events} == expected


def test_the_corpus_has_recurring_and_zoned_cases() -> None:
    """The comparison above is not vacuous: it covers series and VTIMEZONEs."""
    readable = [p.read_text(errors="replace") for p in ics_files() if strictly_readable(p)]
    if not readable:
        pytest.skip("real-world corpus not found")
    assert sum("\nRRULE" in text for text in readable) >= 3
    assert sum("RECURRENCE-ID" in text for text in readable) >= 1
    assert sum("BEGIN:VTIMEZONE" in text for text in readable) >= 5


def test_problems_are_logged_with_the_file_name(
    corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = corpus / "ics" / "icalendar__broken_stray_line.ics"
    source = IcsCalendarSource("broken", str(path), options=FeedOptionsConfig())
    with caplog.at_level(logging.INFO, logger="kaffe.connectors.ics_source"):
        source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert any(str(path) in record.getMessage() for record in caplog.records)


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    path.write_bytes(CALENDAR)
    source = IcsCalendarSource("file", str(path), options=FeedOptionsConfig())
    first = source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    path.write_bytes(CALENDAR.replace(b"Coffee with Bo", b"Coffee with Cy"))
    second = source.sync(first.cursor, window_start=WINDOW[0], window_end=WINDOW[1])
    assert second.full and [e.summary for e in second.events] == ["Coffee with Cy"]


def test_an_unreachable_url_is_transient_and_redacted() -> None:
    url = f"http://127.0.0.1:{free_port()}/calendar/ical/me%40x/private-s3cr3t/basic.ics"
    source = IcsCalendarSource("home", url, options=FeedOptionsConfig())
    with pytest.raises(TransientError) as failure:
        source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert "s3cr3t" not in str(failure.value) and "127.0.0.1" in str(failure.value)


def test_a_missing_file_names_it(tmp_path: Path) -> None:
    source = IcsCalendarSource("gone", str(tmp_path / "gone.ics"), options=FeedOptionsConfig())
    with pytest.raises(ConnectorError, match="calendar .*gone.ics") as failure:
        source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert failure.value.hint == 'check url (a file path) in the [[calendars]] entry "gone"'
