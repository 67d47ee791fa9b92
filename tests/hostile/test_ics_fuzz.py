"""ICS under fuzzing: whatever a calendar holds, reading it gives events and
problems, never an exception, and every event is sane."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kaffe.connectors.ical import window as ical_window
from kaffe.connectors.ical.invites import invitations_from_mime
from kaffe.connectors.ical.limits import occurrence_cap
from kaffe.connectors.ical.parse import IcsResult, parse_calendar, parse_calendar_stream
from tests.hostile.mutate import (
    apply,
    corpus_bytes,
    corpus_names,
    fuzz,
    hostile_text,
    mutations,
    needs_corpus,
    no_line_breaks,
)

WINDOW = (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
ICS_NAMES = corpus_names("ics", "*.ics")


def read(data: bytes | str, source: str = "fuzz.ics") -> IcsResult:
    return parse_calendar(data, calendar="ics:fuzz", source=source, window=WINDOW)


def assert_sane(result: IcsResult, source: str) -> None:
    """Every problem names the source; every event is aware, ordered and one-line."""
    assert isinstance(result, IcsResult)
    assert all(p.startswith(f"{source}: ") for p in result.problems)
    for event in result.events:
        assert event.start.utcoffset() == timedelta(0) and event.end >= event.start
        assert event.id and isinstance(event.summary, str)
        assert no_line_breaks(event.summary, event.location, *(a.name for a in event.attendees))
        assert all("\x00" not in a.email and " " not in a.email for a in event.attendees)


def escape(text: str) -> str:
    """RFC 5545 TEXT escaping, as a well-behaved writer would do it."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def calendar(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:REQUEST", *lines,
                        "END:VCALENDAR", ""])  # fmt: skip


def event(*lines: str, start: str = "20260110T100000Z") -> list[str]:
    return ["BEGIN:VEVENT", "UID:fuzz-1", f"DTSTART:{start}", "DTEND:20260110T110000Z",
            *lines, "END:VEVENT"]  # fmt: skip


@needs_corpus
@fuzz(150)
@given(name=st.sampled_from(ICS_NAMES or ["none"]), edits=mutations())
def test_line_mutations_of_corpus_calendars(name: str, edits) -> None:
    assert_sane(read(apply(corpus_bytes("ics", name), edits), name), name)


@fuzz(200)
@given(summary=hostile_text, location=hostile_text, name=hostile_text, raw=st.booleans())
@example(summary="Coffee\r\nBcc: x@evil.example", location="x", name="Ana\nBcc: y", raw=False)
@example(summary="Coffee\\nBcc: x@evil.example", location="\u2028", name="\x1b[2J", raw=True)
def test_hostile_property_values(summary: str, location: str, name: str, raw: bool) -> None:
    """Values escaped as RFC 5545 says, and written raw (line breaks and all)."""
    put = (lambda s: s) if raw else escape
    cn = name.replace('"', "")
    text = calendar(*event(f"SUMMARY:{put(summary)}", f"LOCATION:{put(location)}",
                           f'ATTENDEE;CN="{put(cn)}":mailto:ana@example.com'))  # fmt: skip
    result = read(text)
    assert_sane(result, "fuzz.ics")
    if not raw and "\ud800" not in summary + location + name and result.events:
        assert result.events[0].summary == " ".join(_printable(summary).split())


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isspace() or ch.isprintable() or ord(ch) > 0x9F)


rules = st.builds(
    lambda freq, interval, count, until, by: ";".join(
        [f"FREQ={freq}", *([f"INTERVAL={interval}"] if interval is not None else []),
         *([f"COUNT={count}"] if count is not None else []),
         *([f"UNTIL={until}"] if until else []), *by]  # fmt: skip
    ),
    st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY",
                     "FORTNIGHTLY", ""]),  # fmt: skip
    st.none() | st.integers(-2, 10**6),
    st.none() | st.integers(-1, 10**9),
    st.sampled_from(["", "20260201T000000Z", "29991231T235959Z", "garbage", "19000101"]),
    st.lists(st.sampled_from(["BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
                              "BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55", "BYSECOND=0,30",
                              "BYDAY=MO,TU,WE,TH,FR,SA,SU", "BYMONTHDAY=-1,1,15", "BYSETPOS=-1",
                              "BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12", "BYYEARDAY=1,100,366",
                              "BYWEEKNO=1,20,53", "BYDAY=1MO,-1FR", "BYHOUR=25"]),
             max_size=4, unique=True),  # fmt: skip
)
starts = st.sampled_from(["00010101T000000Z", "19000101T000000Z", "19700101T000000Z",
                          "20250101T000000Z", "20260110T100000Z", "99991231T235959Z",
                          "20260110"])  # fmt: skip


@pytest.mark.filterwarnings("ignore:Using both 'count' and 'until':DeprecationWarning")
@fuzz(120)
@given(rule=rules, start=starts)
@example(rule="FREQ=SECONDLY", start="19700101T000000Z")  # was: hours of CPU
@example(rule="FREQ=MINUTELY", start="20251201T000000Z")  # was: 170k events, >400 MB
@example(rule="FREQ=DAILY", start="19000101T000000Z")  # each lasts until 2026: all overlap
@example(rule="FREQ=YEARLY;INTERVAL=0", start="20260110T100000Z")  # was: an endless loop
@example(rule="FREQ=SECONDLY;INTERVAL=-1", start="20260110T100000Z")  # walks back to year 0
@example(rule="FREQ=YEARLY", start="00010101T000000Z")  # a duration of 2025 years
@example(rule="FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,5,10,15,20,25,30",
         start="20260101T000000Z")  # fmt: skip
# Day parts under YEARLY were counted once a year: BYMONTHDAY is a day of every month,
# BYWEEKNO every day of its weeks (was: 4,050, 2,113 and 1,732 events; cap 1,000).
@example(rule="FREQ=YEARLY;BYSECOND=0,30;BYMONTHDAY=-1,1,15", start="19700101T000000Z")
@example(rule="FREQ=YEARLY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21;"
         "BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55;BYMONTHDAY=-1,1,15",
         start="20260110T100000Z")  # fmt: skip
@example(rule="FREQ=YEARLY;BYSECOND=0,30;BYWEEKNO=1,20,53", start="19700101T000000Z")
def test_hostile_recurrence_rules_stay_bounded(rule: str, start: str) -> None:
    result = read(calendar(*event("SUMMARY:Spam", f"RRULE:{rule}", start=start)))
    assert_sane(result, "fuzz.ics")
    assert len(result.events) <= occurrence_cap(WINDOW)


def test_several_rules_of_one_event_are_bounded_together() -> None:
    """Each RRULE under the cap, their union over it (was: 1,452 events)."""
    rules = [f"RRULE:FREQ=DAILY;BYHOUR={h},{h + 1},{h + 2}" for h in (0, 3, 6, 9)]
    result = read(calendar(*event("SUMMARY:Spam", *rules, start="20251201T000000Z")))
    assert len(result.events) <= occurrence_cap(WINDOW)
    assert any("recurs too often" in p for p in result.problems)


@needs_corpus
@fuzz(100)
@given(name=st.sampled_from(ICS_NAMES or ["none"]), edits=mutations(),
       method=st.sampled_from(["REQUEST", "CANCEL", "PUBLISH", "x;y=\"z\""]))
def test_mutated_calendars_inside_a_mail(name: str, edits, method: str) -> None:
    """The ICS-by-mail path: the same mutated calendars as a text/calendar part."""
    msg = EmailMessage()
    msg["Message-ID"] = "<fuzz@example.com>"
    msg.set_content("See the invitation.")
    body = apply(corpus_bytes("ics", name), edits)
    msg.add_attachment(body, maintype="text", subtype="calendar", filename="invite.ics",
                       params={"method": method})  # fmt: skip
    raw = msg.as_bytes()
    events = invitations_from_mime(raw, account="fuzz", thread_id="t", received=WINDOW[0],
                                   self_addresses=(), window=WINDOW)  # fmt: skip
    assert all(e.calendar == "mail:fuzz" and e.thread_id == "t" for e in events)


@needs_corpus
@fuzz(150)
@given(name=st.sampled_from(ICS_NAMES or ["none"]), edits=mutations(),
       block=st.sampled_from([1, 7, 64, 1 << 20]))
@example(name="ical4j__outlook15_no_tz_description.ics", block=1,  # VCALENDAR swapped into
         edits=[("swap", 0.0, 0.515625, b"\r\n")])             # an event: sane, not compared
def test_mutated_calendars_read_streaming_in_the_window(name: str, edits, block: int) -> None:
    """The ICS source's path (split as the bytes arrive, only the window parsed), in
    blocks of any size: sane, and every event the whole-document reader finds is found."""
    data = apply(corpus_bytes("ics", name), edits)
    with mock.patch.object(ical_window, "BLOCK", block):
        streamed = parse_calendar_stream(io.BytesIO(data), calendar="ics:fuzz", source=name,
                                         window=WINDOW)  # fmt: skip
    assert_sane(streamed, name)
    if not well_nested(data):
        return  # components cut across each other: the two readers may each see other events
    whole = read(data, name)
    assert {(e.id, e.start) for e in whole.events} <= {(e.id, e.start) for e in streamed.events}


def well_nested(data: bytes) -> bool:
    """Every BEGIN: has its END: in order, inside one VCALENDAR (the edits may have
    swapped a VCALENDAR line into an event, where no reader's answer is the right one)."""
    stack: list[bytes] = []
    for line in data.splitlines():
        name = line.partition(b":")[2].strip().upper()
        if line.upper().startswith(b"BEGIN:"):
            if not stack and name != b"VCALENDAR":
                return False
            stack.append(name)
        elif line.upper().startswith(b"END:") and (not stack or stack.pop() != name):
            return False
    return not stack
