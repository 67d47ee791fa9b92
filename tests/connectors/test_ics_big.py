"""Big calendars: their own size cap, read in the sync window only, streaming.

A long-lived Google calendar is tens of MB, nearly all of it long past: it must
not hit the feeds' 5 MB cap, nor lose the events in the window behind the first
20,000 in file order.
"""

from __future__ import annotations

import io
import logging
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kaffe.config import loads
from kaffe.config.schema import CALENDAR_MAX_BYTES, FeedOptionsConfig
from kaffe.connectors.ical import parse as ical
from kaffe.connectors.ical import window as ical_window
from kaffe.connectors.ical.parse import parse_calendar, parse_calendar_stream
from kaffe.connectors.ics_source import IcsCalendarSource
from kaffe.errors import ConfigError, ConnectorError
from tests.conftest import corpus_dir

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=400), NOW + timedelta(days=28))
ZONE = [
    "BEGIN:VTIMEZONE", "TZID:Europe/Copenhagen", "BEGIN:STANDARD",
    "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD", "BEGIN:DAYLIGHT",
    "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "END:DAYLIGHT", "END:VTIMEZONE",
]  # fmt: skip


def vevent(uid: str, start: str, end: str, *extra: str, summary: str = "Coffee") -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20100101T000000Z", f"DTSTART{start}",
            f"DTEND{end}", f"SUMMARY:{summary}", *extra, "END:VEVENT"]  # fmt: skip


def past_events(count: int) -> list[str]:
    """``count`` one-hour events of 2010-2019, about 270 bytes each, with an alarm."""
    lines: list[str] = []
    for i in range(count):
        start = datetime(2010, 1, 1, 9, tzinfo=UTC) + timedelta(hours=4 * i)
        lines += vevent(f"past-{i}@example.com", f":{start:%Y%m%dT%H%M%SZ}",
                        f":{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
                        "LOCATION:Meeting room 4, second floor",
                        "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT10M", "END:VALARM",
                        summary=f"Weekly planning {i}")  # fmt: skip
    return lines


def window_events() -> tuple[list[str], set[str]]:
    """Events that touch WINDOW (and their expected ids), and some that only seem to."""
    lines: list[str] = []
    expected: set[str] = set()
    for i in range(30):  # zoned single events across the window
        day = WINDOW[0] + timedelta(days=5 + 14 * i)
        lines += vevent(f"in-{i}@example.com", f";TZID=Europe/Copenhagen:{day:%Y%m%d}T100000",
                        f";TZID=Europe/Copenhagen:{day:%Y%m%d}T110000")  # fmt: skip
        expected.add(f"in-{i}@example.com")
    # A fortnightly series begun in 2015, no end: every occurrence in the window counts.
    lines += vevent("series@example.com", ":20150105T090000Z", ":20150105T100000Z",
                    "RRULE:FREQ=WEEKLY;INTERVAL=2")  # fmt: skip
    first = datetime(2015, 1, 5, 9, tzinfo=UTC)
    steps = range((WINDOW[0] - first).days // 14, (WINDOW[1] - first).days // 14 + 1)
    starts = [first + timedelta(days=14 * n) for n in steps]
    expected |= {f"series@example.com@{s:%Y%m%dT%H%M%SZ}" for s in starts
                 if WINDOW[0] < s + timedelta(hours=1) and s < WINDOW[1]}  # fmt: skip
    # Ended long ago (UNTIL), an all-day event in 2012, and one that lasts into the window.
    lines += vevent("ended@example.com", ":20120102T090000Z", ":20120102T100000Z",
                    "RRULE:FREQ=DAILY;UNTIL=20120301T000000Z")  # fmt: skip
    lines += vevent("old-day@example.com", ";VALUE=DATE:20120601", ";VALUE=DATE:20120602")
    lines += vevent("long@example.com", ":20200101T090000Z",
                    f":{WINDOW[0] + timedelta(days=3):%Y%m%dT%H%M%SZ}")  # fmt: skip
    expected.add("long@example.com")
    return lines, expected


def document(*blocks: list[str]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar//EN",
             "X-WR-TIMEZONE:Europe/Copenhagen", *[line for b in blocks for line in b],
             "END:VCALENDAR", ""]  # fmt: skip
    return "\r\n".join(lines).encode()


def test_a_calendar_over_the_feed_cap_is_read_in_the_window(tmp_path: Path) -> None:
    """Was: 'more than max_bytes (5000000)', the feeds' cap, and no events at all."""
    inside, expected = window_events()
    data = document(past_events(21_000), inside, ZONE)  # the zone comes last, as some do
    assert FeedOptionsConfig().max_bytes < len(data) < CALENDAR_MAX_BYTES
    path = tmp_path / "basic.ics"
    path.write_bytes(data)
    source = IcsCalendarSource("google-ical", str(path), options=FeedOptionsConfig())
    batch = source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert {e.id for e in batch.events} == expected
    first = min(e.start for e in batch.events if e.id == "in-0@example.com")
    assert first.hour == 9  # 10:00 Copenhagen (winter) from the VTIMEZONE at the end


def test_the_window_is_read_over_http_past_the_feed_cap() -> None:
    inside, expected = window_events()
    data = document(past_events(21_000), ZONE, inside)
    with _serve(data) as url:
        source = IcsCalendarSource("google-ical", url, options=FeedOptionsConfig())
        batch = source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
        source.close()
    assert {e.id for e in batch.events} == expected


def test_over_the_calendar_cap_the_error_names_the_key_and_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "big.ics"
    path.write_bytes(document(past_events(100)))
    source = IcsCalendarSource("home", str(path), options=FeedOptionsConfig(), max_bytes=10_000)
    with pytest.raises(ConnectorError, match=r'max_bytes of \[\[calendars\]\] "home"') as caught:
        source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert "raise max_bytes" in caught.value.hint


def test_over_the_cap_over_http_names_the_key_and_the_entry() -> None:
    with _serve(document(past_events(100))) as url:
        source = IcsCalendarSource("work", url, options=FeedOptionsConfig(), max_bytes=10_000)
        with pytest.raises(ConnectorError, match=r'max_bytes of \[\[calendars\]\] "work"'):
            source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
        source.close()


def test_max_bytes_is_a_key_of_ics_entries_only() -> None:
    entry = '[[calendars]]\ntype = "{}"\nname = "c"\nurl = "https://x.example/c"\n'
    config = loads(entry.format("ics") + "max_bytes = 300_000_000\n")
    assert config.calendars[0].max_bytes == 300_000_000
    assert loads(entry.format("ics")).calendars[0].max_bytes == CALENDAR_MAX_BYTES
    with pytest.raises(ConfigError, match=r"\[calendars\]\[1\] max_bytes: not used by type"):
        loads(entry.format("caldav") + 'username = "u"\npassword_env = "P"\nmax_bytes = 20000\n')


def test_too_many_events_in_the_window_keep_the_latest_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: the first MAX_EVENTS in file order, and a note at INFO."""
    monkeypatch.setattr(ical, "MAX_EVENTS", 50)
    days = [WINDOW[0] + timedelta(days=1 + 4 * i) for i in range(80)]  # oldest first
    data = document(*[vevent(f"e{i}", f":{d:%Y%m%dT090000Z}", f":{d:%Y%m%dT100000Z}")
                      for i, d in enumerate(days)])  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="kaffe.connectors.ical.parse"):
        result = parse_calendar_stream(io.BytesIO(data), calendar="c", source="cal.ics",
                                       window=WINDOW)  # fmt: skip
    assert [e.id for e in result.events] == [f"e{i}" for i in range(30, 80)]
    assert any("only the latest 50" in r.getMessage() for r in caplog.records)
    assert parse_calendar(data, calendar="c", source="cal.ics", window=WINDOW) == result


TRICKY = document(
    vevent("s1", ":20240101T090000Z", ":20240101T100000Z", "RRULE:FREQ=WEEKLY"),
    # an override of a 2024 occurrence moved into the window, and one moved out of it
    vevent("s1", ":20260302T150000Z", ":20260302T160000Z", "RECURRENCE-ID:20240108T090000Z"),
    vevent("s1", ":20240110T090000Z", ":20240110T100000Z", "RECURRENCE-ID:20260223T090000Z"),
    vevent("s2", ":20240101T090000Z", ":20240101T100000Z", "RRULE:FREQ=MONTHLY;COUNT=40"),
    vevent("s3", ":20100101T090000Z", ":20100101T100000Z", "RDATE:20260305T090000Z"),
    vevent("s4", ";TZID=Europe/Copenhagen:20100104T090000",
           ";TZID=Europe/Copenhagen:20100104T100000",
           "RRULE:FREQ=WEEKLY;UNTIL=20250301T000000Z"),  # fmt: skip
    vevent("d1", ";VALUE=DATE:20260226", ";VALUE=DATE:20260228"),
    ["BEGIN:VEVENT", "UID:d2", "DTSTART:20200101T090000Z", "DURATION:P2300D", "END:VEVENT"],
    vevent("no-start", ":", ":20260301T100000Z"),
    ["BEGIN:VEVENT", "UID:no-end", "DTSTART:20260227T090000Z", "END:VEVENT"],
    ["BEGIN:VEVENT", "DTSTART:20260227T090000Z", "SUMMARY:No UID", "END:VEVENT"],
    ["BEGIN:VEVENT", "UID:broken", "DTSTART:2026-02-27", "END:VEVENT"],
    ZONE,
)


@pytest.mark.parametrize("days", [7, 30, 400, 1000])
def test_tricky_series_read_in_a_window_are_those_of_the_whole_document(days: int) -> None:
    """Overrides moved in and out, RDATE, UNTIL, COUNT, long DURATIONs, broken times."""
    window = (NOW - timedelta(days=days), NOW + timedelta(days=14))
    whole = parse_calendar(TRICKY, calendar="c", source="t.ics", window=window)
    streamed = parse_calendar_stream(io.BytesIO(TRICKY), calendar="c", source="t.ics",
                                     window=window)  # fmt: skip
    assert streamed.events == whole.events and whole.events


CORPUS = corpus_dir()
NAMES = sorted(p.name for p in (CORPUS / "ics").glob("*.ics")) if CORPUS else []


@pytest.mark.skipif(CORPUS is None, reason="real-world corpus not found (KAFFE_CORPUS)")
@pytest.mark.parametrize("name", NAMES)
def test_every_corpus_file_streamed_in_narrow_windows_is_the_whole_document(name: str) -> None:
    assert CORPUS is not None
    data = (CORPUS / "ics" / name).read_bytes()
    for year in range(2005, 2028):
        start = datetime(year, 1, 1, tzinfo=UTC)
        for window in ((start, start + timedelta(days=75)), (start, start + timedelta(days=400))):
            whole = parse_calendar(data, calendar="c", source=name, window=window)
            streamed = parse_calendar_stream(io.BytesIO(data), calendar="c", source=name,
                                             window=window)  # fmt: skip
            assert streamed.events == whole.events, window


class _serve:  # noqa: N801 (used as a function)
    """A 127.0.0.1 server for one document, with its Content-Length."""

    def __init__(self, data: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.httpd.server_port}/calendar/ical/x/private-abc/basic.ics"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_an_unreadable_start_costs_only_its_event() -> None:
    """Was: icalendar raised on the broken DTSTART while the expansion was costed, and
    the whole calendar was lost ("unreadable")."""
    data = document(vevent("ok", ":20260227T090000Z", ":20260227T100000Z"),
                    ["BEGIN:VEVENT", "UID:broken", "DTSTART:2026-02-27", "END:VEVENT"])
    for result in (parse_calendar(data, calendar="c", source="t.ics", window=WINDOW),
                   parse_calendar_stream(io.BytesIO(data), calendar="c", source="t.ics",
                                         window=WINDOW)):  # fmt: skip
        assert [e.id for e in result.events] == ["ok"]
        assert any("UID broken" in p for p in result.problems)


def test_an_endless_component_is_dropped_and_the_next_calendar_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unterminated VEVENT would otherwise hold the rest of the document in memory."""
    monkeypatch.setattr(ical_window, "MAX_COMPONENT_CHARS", 10_000)
    monkeypatch.setattr(ical_window, "BLOCK", 4096)
    endless = ["BEGIN:VEVENT", "UID:endless", *[f"X-JUNK:{i:0>60}" for i in range(2000)]]
    data = document(endless) + document(vevent("ok", ":20260227T090000Z", ":20260227T100000Z"))
    result = parse_calendar_stream(io.BytesIO(data), calendar="c", source="t.ics", window=WINDOW)
    assert [e.id for e in result.events] == ["ok"]
    assert any("larger than 10000 characters; skipped" in p for p in result.problems)
