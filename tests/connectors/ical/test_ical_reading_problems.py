"""Reading calendars that are broken in the ways upstream test corpora are: a file
that is not iCalendar at all, one unreadable event among good ones, a
``RANGE=THISANDFUTURE`` change, an event without DTSTART. Fixtures are written
here, shaped like icalendar's and recurring-ical-events' test calendars."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kaffe.config.schema import FeedOptionsConfig
from kaffe.connectors.ical.invites import invitations_from_mime
from kaffe.connectors.ical.parse import parse_calendar, parse_calendar_stream
from kaffe.connectors.ics_source import IcsCalendarSource
from kaffe.errors import ConnectorError
from kaffe.model import CalendarBatch

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def event(uid: str, lines: str, summary: str = "") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary or uid + ' coffee'}\r\n"
            f"DTSTAMP:20260101T000000Z\r\n{lines}END:VEVENT\r\n")


def calendar(*events: str, zones: str = "") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kaffe tests//EN\r\n" + zones
            + "".join(events) + "END:VCALENDAR\r\n")


GOOD = event("good", "DTSTART:20260301T100000Z\r\nDTEND:20260301T110000Z\r\n")

NOT_CALENDARS = {
    "an RSS feed": b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
                   b"<channel><title>Blog</title><item><title>x</title></item></channel></rss>\n",
    "an Atom feed": b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                    b"<title>t</title></feed>\n",
    "an e-mail message": b"Return-Path: <ana@example.org>\r\nFrom: Ana <ana@example.org>\r\n"
                         b"Subject: coffee?\r\nMIME-Version: 1.0\r\n\r\nHi\r\n",
    "a web page (HTML)": b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n",
    "JSON": b'{"kind": "calendar#events", "items": []}\n',
    "binary data": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("looks", sorted(NOT_CALENDARS))
def test_a_file_that_is_not_a_calendar_fails_and_says_what_it_looks_like(
    tmp_path: Path, looks: str
) -> None:
    path = tmp_path / "home.ics"
    path.write_bytes(NOT_CALENDARS[looks])
    source = IcsCalendarSource("home", str(path), options=FeedOptionsConfig())
    with pytest.raises(ConnectorError) as caught:
        source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])
    assert f"not an iCalendar file (it looks like {looks})" in str(caught.value)
    assert '[[calendars]] entry "home"' in caught.value.hint


def test_a_calendar_url_serving_a_feed_fails_too() -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=NOT_CALENDARS["an RSS feed"],
                              headers={"Content-Type": "application/rss+xml"})

    client = httpx.Client(transport=httpx.MockTransport(serve))
    source = IcsCalendarSource("blog", "https://example.org/feed.ics",
                               options=FeedOptionsConfig(), client=client)
    with pytest.raises(ConnectorError, match=r"not an iCalendar file \(it looks like an RSS"):
        source.sync(None, window_start=WINDOW[0], window_end=WINDOW[1])


def test_icalendar_with_a_bom_blank_lines_or_a_bare_event_is_a_calendar() -> None:
    from kaffe.connectors.ical.sniff import not_icalendar

    assert not_icalendar(b"\xef\xbb\xbf\r\n\r\nBEGIN:VCALENDAR\r\n") == ""
    assert not_icalendar(b"begin:vevent\r\nUID:x\r\n") == ""
    assert not_icalendar("BEGIN:VCALENDAR\r\n".encode("utf-16")) == ""  # BOM, then NULs
    assert not_icalendar(b"") == ""  # the reader says "empty document"
    assert not_icalendar(b"Warning: stray line\r\nBEGIN:VCALENDAR\r\n") == ""  # read leniently
    assert not_icalendar(b"hello\r\n") == (
        "not an iCalendar file (it looks like text of another kind)")


def test_an_invitation_part_that_is_not_icalendar_is_a_located_problem() -> None:
    raw = (b"Message-ID: <m1@example.org>\r\nFrom: a@example.org\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/calendar; method=REQUEST\r\n\r\n<html>oops</html>\r\n")
    problems: list[str] = []
    found = invitations_from_mime(raw, account="gmail", thread_id="t", received=WINDOW[0],
                                  self_addresses=(), window=WINDOW, problems=problems)
    assert found == []
    assert problems == ["<m1@example.org> part 1: not an iCalendar file "
                        "(it looks like a web page (HTML))"]


VALUES = {"DTSTART": "2026-03-01 10:00", "DTEND": "garbage", "DURATION": "P1Hx"}
BROKEN = {
    "DTSTART": event("bad", "DTSTART:2026-03-01 10:00\r\nDTEND:20260301T110000Z\r\n"),
    "DTEND": event("bad", "DTSTART:20260301T100000Z\r\nDTEND:garbage\r\n"
                          "RRULE:FREQ=WEEKLY;COUNT=3\r\n"),
    "DURATION": event("bad", "DTSTART:20260301T100000Z\r\nDURATION:P1Hx\r\n"
                             "RRULE:FREQ=WEEKLY;COUNT=3\r\n"),
}


@pytest.mark.parametrize("prop", sorted(BROKEN))
@pytest.mark.parametrize("streamed", [False, True])
def test_one_broken_time_costs_only_its_event_which_is_named(prop: str, streamed: bool) -> None:
    doc = calendar(GOOD, BROKEN[prop])
    if streamed:
        result = parse_calendar_stream(io.BytesIO(doc.encode()), calendar="c", source="home.ics",
                                       window=WINDOW)
    else:
        result = parse_calendar(doc, calendar="c", source="home.ics", window=WINDOW)
    assert [e.id for e in result.events] == ["good"]
    assert result.unread == ("bad",)  # a full sync keeps what it stored of "bad"
    assert not result.incomplete
    assert result.problems == (
        f"home.ics: event 'bad coffee' UID bad skipped: its {prop} {VALUES[prop]!r} "
        "cannot be read",)


def test_an_unreadable_event_without_uid_makes_the_read_incomplete() -> None:
    doc = calendar(GOOD, "BEGIN:VEVENT\r\nSUMMARY:nameless\r\nDTSTART:nonsense\r\nEND:VEVENT\r\n")
    result = parse_calendar(doc, calendar="c", source="home.ics", window=WINDOW)
    assert [e.id for e in result.events] == ["good"]
    assert result.incomplete  # nothing names what was lost: a full sync deletes nothing


def test_a_broken_last_modified_does_not_lose_the_event() -> None:
    doc = calendar(event("ok", "DTSTART:20260301T100000Z\r\nLAST-MODIFIED:yesterday\r\n"))
    result = parse_calendar(doc, calendar="c", source="home.ics", window=WINDOW)
    assert [e.id for e in result.events] == ["ok"]
    assert result.unread == ()


def test_an_event_without_dtstart_says_so_in_words() -> None:
    doc = calendar(GOOD, event("nostart", "RRULE:FREQ=WEEKLY;COUNT=3\r\nDURATION:PT1H\r\n"))
    result = parse_calendar(doc, calendar="c", source="home.ics", window=WINDOW)
    assert [e.id for e in result.events] == ["good"]
    assert result.problems == (
        "home.ics: event 'nostart coffee' UID nostart has no start time (DTSTART) and none "
        "could be inferred; skipped",)
    assert result.unread == ("nostart",)


PARIS = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
         "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
         "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
         "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
         "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
SERIES = event("weekly", "DTSTART;TZID=Europe/Paris:20260302T100000\r\n"
                         "DTEND;TZID=Europe/Paris:20260302T103000\r\n"
                         "RRULE:FREQ=WEEKLY;COUNT=8\r\n", summary="Coffee with Bo")
MOVED = event("weekly", "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:20260316T100000\r\n"
                        "DTSTART;TZID=Europe/Paris:20260316T120000\r\n"
                        "DTEND;TZID=Europe/Paris:20260316T123000\r\n", summary="Lunch with Bo")


def test_this_and_future_keeps_each_occurrence_its_own_identity() -> None:
    plain = parse_calendar(calendar(SERIES, zones=PARIS), calendar="c", source="s", window=WINDOW)
    moved = parse_calendar(calendar(SERIES, MOVED, zones=PARIS), calendar="c", source="s",
                           window=WINDOW)
    assert len(moved.events) == 8
    # Each occurrence is the same one as before the change (across the DST change, too).
    assert sorted(e.id for e in moved.events) == sorted(e.id for e in plain.events)
    later = [e for e in moved.events if e.summary == "Lunch with Bo"]
    assert len(later) == 6  # the change and every occurrence after it
    for occurrence in later:
        assert occurrence.original_start is not None
        assert occurrence.id == f"weekly@{occurrence.original_start:%Y%m%dT%H%M%SZ}"
        assert (occurrence.start - occurrence.original_start).total_seconds() == 2 * 3600


class DavObject:
    def __init__(self, name: str, data: str | bytes) -> None:
        self.url, self.data = f"https://dav.example.org/cal/{name}", data


class DavCalendar:
    def __init__(self, *objects: DavObject) -> None:
        self.objects = objects

    def search(self, **_query: object) -> tuple[DavObject, ...]:
        return self.objects


class DavClient:
    def __init__(self, calendar: DavCalendar) -> None:
        self._calendar = calendar

    def calendar(self, url: str) -> DavCalendar:
        return self._calendar


def test_caldav_objects_carry_their_problems_into_the_batch(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaffe.connectors.caldav_source import CalDavCalendarSource

    source = CalDavCalendarSource("dav", "https://dav.example.org/", username="u", password="p")
    monkeypatch.setattr(source, "_tags", lambda client, saved: {"cal": "tag1"})

    def batch(*objects: DavObject) -> CalendarBatch:
        monkeypatch.setattr(source, "_connect", lambda auth: DavClient(DavCalendar(*objects)))
        return source._sync(None, {}, WINDOW)

    broken = batch(DavObject("good.ics", calendar(GOOD)),
                   DavObject("bad.ics", calendar(BROKEN["DTSTART"])))
    assert [e.id for e in broken.events] == ["good"]
    assert broken.unread == ("bad",) and not broken.incomplete
    assert broken.problems == (
        "https://dav.example.org/ https://dav.example.org/cal/bad.ics: event 'bad coffee' "
        "UID bad skipped: its DTSTART '2026-03-01 10:00' cannot be read",)
    junk = batch(DavObject("good.ics", calendar(GOOD)),
                 DavObject("page.ics", NOT_CALENDARS["a web page (HTML)"]))
    assert junk.incomplete  # an object that is not iCalendar names no UID: nothing deleted
    assert junk.problems[0].endswith(
        "page.ics: not an iCalendar file (it looks like a web page (HTML))")


def test_series_left_unread_at_the_expansion_bound_make_the_read_incomplete(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaffe.connectors.ical import parse as ical

    monkeypatch.setattr(ical, "MAX_EXPANDED", 2)
    many = [event(f"e{n}", f"DTSTART:2026030{n}T100000Z\r\n") for n in range(1, 6)]
    result = parse_calendar(calendar(*many), calendar="c", source="s", window=WINDOW)
    assert len(result.events) < 5 and result.incomplete
