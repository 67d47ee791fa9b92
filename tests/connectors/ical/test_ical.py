"""ICS parsing: the real-world corpus, time zones, recurrences, mapping, robustness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaffe.connectors.ical.parse import IcsResult, parse_calendar
from kaffe.model import ACCEPTED, DECLINED, NEEDS_ACTION, TENTATIVE
from tests.conftest import corpus_dir

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
_CORPUS = corpus_dir()
ICS_NAMES = sorted(p.name for p in (_CORPUS / "ics").glob("*.ics")) if _CORPUS else []


def read(corpus: Path, name: str, **kwargs) -> IcsResult:
    data = (corpus / "ics" / name).read_bytes()
    kwargs.setdefault("window", WINDOW)
    return parse_calendar(data, calendar="ics:test", source=name, **kwargs)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def by_uid_prefix(result: IcsResult, prefix: str):
    return sorted((e for e in result.events if e.uid.startswith(prefix)), key=lambda e: e.start)


# --- every corpus file ---------------------------------------------------------


@pytest.mark.parametrize("name", ICS_NAMES)
def test_every_corpus_file_is_read_or_reported(corpus: Path, name: str) -> None:
    result = read(corpus, name)
    text = (corpus / "ics" / name).read_bytes()
    assert result.events or result.problems or b"BEGIN:VEVENT" not in text
    assert all(p.startswith(f"{name}: ") for p in result.problems)
    for event in result.events:
        assert event.start.utcoffset() == timedelta(0) and event.end.utcoffset() == timedelta(0)
        assert event.end >= event.start
        assert event.id and event.calendar == "ics:test"
        assert WINDOW[0] <= event.end and event.start <= WINDOW[1]


# --- time zones ------------------------------------------------------------------


def test_windows_time_zone_names_land_on_the_right_instant(corpus: Path) -> None:
    result = read(corpus, "nodeical__exchange_ms_timezones.ics")
    west = by_uid_prefix(result, "040000008200E00074C5B7101A82E0080000000070DE40F3")
    pacific = by_uid_prefix(result, "040000008200E00074C5B7101A82E0080000000070706")
    assert west[0].start == utc(2020, 9, 10, 7, 0)  # 09:00 W. Europe summer time
    assert pacific[0].start == utc(2020, 9, 15, 15, 30)  # 08:30 Pacific daylight time


def test_quoted_tzid_that_swallowed_the_value_is_mended(corpus: Path) -> None:
    result = read(corpus, "nodeical__exchange_ms_timezones.ics")
    jira = by_uid_prefix(result, "040000008200E00074C5B7101A82E008000000008001F189")
    assert jira[0].start == utc(2020, 6, 9, 7, 0)
    assert any("malformed DTSTART" in p for p in result.problems)


def test_windows_live_pacific_standard_time(corpus: Path) -> None:
    [event] = read(corpus, "ical4j__windows_live_calendar_request.ics").events
    assert event.start == utc(2014, 1, 31, 21, 30)


def test_punctuated_exchange_tzid_uses_the_files_vtimezone(corpus: Path) -> None:
    result = read(corpus, "ical4j__exchange_cdo_request_invalid.ics")
    assert result.method == "REQUEST"
    assert result.events[0].start == utc(2004, 10, 12, 5, 30)  # 22:30 Tijuana (PDT)


def test_non_ascii_brasilia_tzid(corpus: Path) -> None:
    result = read(corpus, "icalendar__non_ascii_tzid_brasilia.ics")
    [event] = result.events
    assert event.start == utc(2017, 5, 11, 16, 30)
    assert event.uid == "" and event.id.startswith("kaffe-")
    assert any("has no UID" in p for p in result.problems)
    assert read(corpus, "icalendar__non_ascii_tzid_brasilia.ics").events[0].id == event.id


def test_gmt_slash_tzid_and_spaced_byday_rrule(corpus: Path) -> None:
    result = read(corpus, "icalendar__exchange_cdo_gmt_tzid_request.ics")
    starts = [e.start for e in result.events]
    assert starts[0] == utc(2015, 7, 3, 8, 0)  # 10:00 at +0200
    assert len(starts) == 14  # weekdays from 3 to 22 July
    assert all(s.weekday() < 5 for s in starts)
    assert any("malformed RRULE" in p for p in result.problems)


def test_blank_tzid_exchange_file_falls_back_to_utc(corpus: Path) -> None:
    result = read(corpus, "ical4j__exchange2010_blank_tzid.ics")
    [event] = result.events
    assert event.start == utc(2015, 8, 26, 9, 0) and event.end == utc(2015, 8, 26, 10, 0)
    assert event.organizer == "roberts@company.com"
    assert {a.email for a in event.attendees} == {"roberts@company.com", "sam@company.com"}
    assert result.method == "PUBLISH"
    assert any("empty TZID" in p for p in result.problems)


def test_display_name_tzid_without_vtimezone_uses_its_offset(corpus: Path) -> None:
    result = read(corpus, "nodeical__office365_owa_publish.ics")
    sydney = [e for e in result.events if e.summary == "TEST Syd"]
    assert sydney[0].start == utc(2020, 10, 28, 3, 30)  # 13:30 at +10:00
    assert any("fixed offset UTC-05:00" in p for p in result.problems)


def test_floating_times_are_local_to_the_users_zone(corpus: Path) -> None:
    """Times with neither TZID nor Z are the reader's local time (RFC 5545 3.3.5):
    ``[me] timezone``, handed in as ``floating``."""
    result = read(corpus, "ical4j__lastfm_event_feed_invalid.ics", floating=COPENHAGEN)
    assert len(result.events) == 33
    assert result.events[0].start == utc(2010, 2, 10, 19, 30)  # 20:30 in Copenhagen (CET)
    assert not any("floating" in p for p in result.problems)


def test_floating_times_without_a_zone_given_are_utc(corpus: Path) -> None:
    result = read(corpus, "ical4j__lastfm_event_feed_invalid.ics")
    assert result.events[0].start == utc(2010, 2, 10, 20, 30)


def test_x_wr_timezone_wins_over_the_users_zone() -> None:
    ics = _calendar(
        "X-WR-TIMEZONE:Europe/Copenhagen",
        "BEGIN:VEVENT",
        "UID:f2",
        "DTSTART:20240301T100000",
        "SUMMARY:Kaffe",
        "END:VEVENT",
    )
    result = parse_calendar(ics, calendar="c", source="s", window=WINDOW,
                            floating=ZoneInfo("America/New_York"))
    assert result.events[0].start == utc(2024, 3, 1, 9, 0)


def test_x_wr_timezone_gives_floating_times_their_zone() -> None:
    ics = _calendar(
        "X-WR-TIMEZONE:Europe/Copenhagen",
        "BEGIN:VEVENT",
        "UID:f1",
        "DTSTART:20240301T100000",
        "SUMMARY:Kaffe",
        "END:VEVENT",
    )
    result = parse_calendar(ics, calendar="c", source="s", window=WINDOW)
    assert result.events[0].start == utc(2024, 3, 1, 9, 0)
    assert result.problems == ()


# --- statuses, all-day, concatenated, free/busy, broken --------------------------


def test_apple_statuses(corpus: Path) -> None:
    result = read(corpus, "nodeical__apple_macos_tentative_cancelled.ics")
    status = {e.summary: e.status for e in result.events}
    assert status == {
        "Tentative": "tentative",
        "Confirmed": "confirmed",
        "Cancelled": "cancelled",
        "No Status": "confirmed",
    }
    confirmed = next(e for e in result.events if e.summary == "Confirmed")
    assert confirmed.start == utc(2022, 7, 5, 16, 0)  # 09:00 America/Vancouver


def test_swedish_concatenated_calendars_give_52_all_day_events(corpus: Path) -> None:
    result = read(corpus, "ical4j__swedish_holidays_concatenated.ics")
    assert len(result.events) == 52
    assert all(e.all_day and e.start.hour == 0 and e.status == "tentative" for e in result.events)
    first = min(result.events, key=lambda e: e.start)
    assert (first.summary, first.start, first.end) == (
        "Nyårsdagen",
        utc(2003, 1, 1),
        utc(2003, 1, 2),
    )


@pytest.mark.parametrize(
    "name",
    ["icalendar__davmail_freebusy_reply.ics", "nodeical__zimbra_freebusy.ics"],
)
def test_freebusy_files_have_no_events_and_no_errors(corpus: Path, name: str) -> None:
    result = read(corpus, name)
    assert result.events == () and result.problems == ()


def test_bom_and_empty_calendar(corpus: Path) -> None:
    assert read(corpus, "icalendar__bom_empty_calendar.ics") == IcsResult("", (), ())


def test_broken_stray_line_still_yields_the_event(corpus: Path) -> None:
    result = read(corpus, "icalendar__broken_stray_line.ics")
    [event] = result.events
    assert event.summary == "Broken Eevnt" and event.start == utc(2014, 4, 1)
    assert any("line 13" in p for p in result.problems)


def test_invalid_alarm_does_not_cost_the_events(corpus: Path) -> None:
    result = read(corpus, "khal__ns_international_train_ticket.ics")
    starts = sorted(e.start for e in result.events)
    assert starts == [utc(2023, 2, 3, 14, 15), utc(2023, 2, 6, 8, 50)]


def test_one_unreadable_event_is_reported_and_the_rest_goes_on() -> None:
    ics = _calendar(
        "BEGIN:VEVENT",
        "UID:good",
        "DTSTART:20240301T100000Z",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:bad",
        "SUMMARY:No start",
        "END:VEVENT",
    )
    result = parse_calendar(ics, calendar="c", source="s.ics", window=WINDOW)
    assert [e.id for e in result.events] == ["good"]
    assert any("UID bad" in p and p.startswith("s.ics: ") for p in result.problems)


# --- recurrences -------------------------------------------------------------------


def _library_instants(data: bytes, window) -> set[tuple[str, datetime]]:
    found = set()
    for cal in icalendar.Calendar.from_ical(data, multiple=True):
        for comp in recurring_ical_events.of(cal).between(*window):
            start = comp["DTSTART"].dt
            if not isinstance(start, datetime):
                start = datetime(start.year, start.month, start.day, tzinfo=UTC)
            found.add((str(comp["UID"]), start.astimezone(UTC)))
    return found


@pytest.mark.parametrize(
    "name",
    [
        "ical4j__apple_macosx_1085_attendees.ics",
        "ical4j__korganizer_blank_line_invalid.ics",
        "ical4j__lotus_notes_request.ics",
        "ical4j__outlook15_no_tz_description.ics",
        "ical4j__windows_live_calendar_request.ics",
        "ical4j__yahoo_calendar_request.ics",
        "nodeical__apple_macos_tentative_cancelled.ics",
        "ical4j__exchange_cdo_request_invalid.ics",
    ],
)
def test_instants_match_recurring_ical_events(corpus: Path, name: str) -> None:
    window = (utc(2004, 1, 1), utc(2016, 1, 1)) if "outlook15" in name else WINDOW
    data = (corpus / "ics" / name).read_bytes()
    expected = _library_instants(data, window)
    result = parse_calendar(data, calendar="c", source=name, window=window)
    assert {(e.uid, e.start) for e in result.events} == expected
    assert len(result.events) == len(expected)


def test_recurring_instances_ids_and_eastern_vtimezone(corpus: Path) -> None:
    result = read(corpus, "ical4j__lotus_notes_request.ics")
    starts = [e.start for e in sorted(result.events, key=lambda e: e.start)]
    assert starts == [utc(2005, 4, 11 + i, 13, 0) for i in range(5)]  # 09:00 EDT daily
    first = min(result.events, key=lambda e: e.start)
    assert first.id == f"{first.uid}@20050411T130000Z"
    assert first.recurring_event_id == first.uid and first.original_start == starts[0]


def test_rrule_exdate_and_override() -> None:
    ics = _calendar(
        "BEGIN:VEVENT",
        "UID:series",
        "SUMMARY:Weekly coffee",
        "DTSTART;TZID=Europe/Copenhagen:20240304T090000",
        "DTEND;TZID=Europe/Copenhagen:20240304T093000",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE;TZID=Europe/Copenhagen:20240311T090000",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:series",
        "SUMMARY:Moved coffee",
        "RECURRENCE-ID;TZID=Europe/Copenhagen:20240318T090000",
        "DTSTART;TZID=Europe/Copenhagen:20240319T140000",
        "DTEND;TZID=Europe/Copenhagen:20240319T143000",
        "END:VEVENT",
    )
    result = parse_calendar(ics, calendar="c", source="s", window=WINDOW)
    got = {e.id: (e.summary, e.start, e.original_start) for e in result.events}
    assert got == {
        "series@20240304T080000Z": ("Weekly coffee", utc(2024, 3, 4, 8), utc(2024, 3, 4, 8)),
        "series@20240318T080000Z": ("Moved coffee", utc(2024, 3, 19, 13), utc(2024, 3, 18, 8)),
        "series@20240325T080000Z": ("Weekly coffee", utc(2024, 3, 25, 8), utc(2024, 3, 25, 8)),
    }


def test_window_limits_the_expansion() -> None:
    ics = _calendar(
        "BEGIN:VEVENT", "UID:d", "DTSTART:20240101T100000Z", "RRULE:FREQ=DAILY", "END:VEVENT"
    )
    result = parse_calendar(
        ics, calendar="c", source="s", window=(utc(2024, 2, 1), utc(2024, 2, 8))
    )
    assert [e.start.day for e in result.events] == [1, 2, 3, 4, 5, 6, 7]


# --- mapping ------------------------------------------------------------------------


def test_missing_dtend_duration_and_all_day_defaults() -> None:
    ics = _calendar(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART;VALUE=DATE:20240301",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:b",
        "DTSTART:20240301T100000Z",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:c",
        "DTSTART:20240301T100000Z",
        "DURATION:PT45M",
        "END:VEVENT",
    )
    events = {e.id: e for e in parse_calendar(ics, calendar="c", source="s", window=WINDOW).events}
    assert events["a"].all_day and events["a"].end - events["a"].start == timedelta(days=1)
    assert events["b"].end == events["b"].start
    assert events["c"].minutes == 45


def test_attendees_organizer_and_updated() -> None:
    ics = _calendar(
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        "UID:m",
        "DTSTART:20240301T100000Z",
        "DTEND:20240301T110000Z",
        "DTSTAMP:20240220T080000Z",
        "LAST-MODIFIED:20240221T080000Z",
        "SUMMARY:Coffee",
        "DESCRIPTION:Line one\\nLine two",
        "LOCATION:Café\\, Nørrebro",
        "ORGANIZER;CN=Ann:mailto:Ann@Example.COM",
        "ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:MAILTO:ann@example.com",
        'ATTENDEE;CN="Bo, B.";PARTSTAT=DECLINED;ROLE=OPT-PARTICIPANT:mailto:bo@example.com',
        "ATTENDEE;PARTSTAT=TENTATIVE:mailto:me@example.com",
        "ATTENDEE;CUTYPE=ROOM:mailto:room1@example.com",
        "END:VEVENT",
    )
    result = parse_calendar(
        ics, calendar="c", source="s", window=WINDOW, self_addresses=("ME@example.com",)
    )
    [event] = result.events
    assert result.method == "REQUEST"
    assert (event.organizer, event.updated) == ("ann@example.com", utc(2024, 2, 21, 8))
    assert event.description == "Line one\nLine two" and event.location == "Café, Nørrebro"
    ann, bo, me, room = event.attendees
    assert (ann.email, ann.name, ann.response, ann.organizer) == (
        "ann@example.com",
        "Ann",
        ACCEPTED,
        True,
    )
    assert (bo.name, bo.response, bo.optional) == ("Bo, B.", DECLINED, True)
    assert (me.response, me.is_self, me.organizer) == (TENTATIVE, True, False)
    assert (room.resource, room.response) == (True, NEEDS_ACTION)


def test_method_cancel_marks_events_cancelled() -> None:
    ics = _calendar(
        "METHOD:cancel",
        "BEGIN:VEVENT",
        "UID:x",
        "DTSTART:20240301T100000Z",
        "SEQUENCE:2",
        "END:VEVENT",
    )
    result = parse_calendar(ics, calendar="c", source="s", window=WINDOW)
    assert result.method == "CANCEL"
    assert [(e.id, e.status) for e in result.events] == [("x", "cancelled")]


def test_all_day_dates_in_model_are_midnight_utc() -> None:
    ics = _calendar("BEGIN:VEVENT", "UID:h", "DTSTART;VALUE=DATE:20240501", "END:VEVENT")
    [event] = parse_calendar(ics, calendar="c", source="s", window=WINDOW).events
    assert event.start == utc(2024, 5, 1) and event.start.date() == date(2024, 5, 1)


# --- robustness -------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = parse_calendar(data, calendar="c", source="fuzz", window=WINDOW)
    assert isinstance(result, IcsResult)


@pytest.mark.skipif(_CORPUS is None, reason="real-world corpus not found (KAFFE_CORPUS)")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(ICS_NAMES or ["none"]),
    cuts=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40)), max_size=4),
    noise=st.binary(max_size=20),
)
def test_mutated_corpus_files_never_raise(name: str, cuts, noise: bytes) -> None:
    data = bytearray((_CORPUS / "ics" / name).read_bytes())
    for where, length in cuts:
        at = int(where * len(data))
        data[at : at + length] = noise
    result = parse_calendar(bytes(data), calendar="c", source=name, window=WINDOW)
    assert all(p.startswith(f"{name}: ") for p in result.problems)


def _calendar(*lines: str) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *lines, "END:VCALENDAR", ""]
    )
