"""SEQUENCE values icalendar refuses, and ORGANIZER/ATTENDEE values as iCloud,
Confluence and hand-made files write them (issue 13, items 2-4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kaffe.connectors.ical.parse import IcsResult, parse_calendar, parse_calendar_stream

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def vevent(summary: str = "Coffee", *, sequence: str = "0", uid: str = "u1",
           lines: str = "", start: str = "20260310T100000Z") -> str:
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260301T100000Z\nDTSTART:{start}\n"
            f"DURATION:PT1H\nSEQUENCE:{sequence}\nSUMMARY:{summary}\n{lines}END:VEVENT\n")


def read(*events: str, stream: bool = False) -> IcsResult:
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:test\n" + "".join(events) + "END:VCALENDAR\n"
    data = text.replace("\n", "\r\n").encode()
    if stream:
        import io
        return parse_calendar_stream(io.BytesIO(data), calendar="cal", source="cal.ics",
                                     window=WINDOW)
    return parse_calendar(data, calendar="cal", source="cal.ics", window=WINDOW)


# -- SEQUENCE -------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("value", ["-99999999999", "draft", "1.5"])
def test_an_unusable_sequence_keeps_the_event_and_says_so(value: str, stream: bool) -> None:
    result = read(vevent(sequence=value), stream=stream)
    assert [e.summary for e in result.events] == ["Coffee"]
    (problem,) = [p for p in result.problems if "SEQUENCE" in p]
    assert problem.startswith("cal.ics: event 'Coffee' UID u1: SEQUENCE") and value[:20] in problem


@pytest.mark.parametrize("stream", [False, True])
def test_a_huge_sequence_keeps_the_event_and_is_no_reading_problem(stream: bool) -> None:
    """Google's millisecond revisions: the event is kept, in order, and nothing is
    lost, so nothing is listed among the reading problems."""
    result = read(vevent(sequence="1407317367304"), stream=stream)
    assert [e.summary for e in result.events] == ["Coffee"] and result.problems == ()


def test_an_ordinary_negative_sequence_is_no_problem() -> None:
    result = read(vevent(sequence="-3"))
    assert [e.summary for e in result.events] == ["Coffee"] and result.problems == ()


@pytest.mark.parametrize("order", [1, -1])
def test_the_later_of_two_huge_revisions_still_wins(order: int) -> None:
    old = vevent("Coffee (old time)", sequence="1407317367304")
    new = vevent("Coffee (moved)", sequence="1407317369999", start="20260311T100000Z")
    (event,) = read(*[old, new][::order]).events
    assert event.summary == "Coffee (moved)"


def test_a_huge_revision_beats_an_ordinary_one() -> None:
    old = vevent("Coffee (old)", sequence="2147483647")
    new = vevent("Coffee (new)", sequence="2147483648")
    (event,) = read(new, old).events
    assert event.summary == "Coffee (new)"


# -- ORGANIZER / ATTENDEE -------------------------------------------------------------------


class Prop(str):
    def __new__(cls, value: str, **params: str) -> Prop:
        prop = super().__new__(cls, value)
        prop.params = {k.upper(): v for k, v in params.items()}
        return prop


@pytest.mark.parametrize(("value", "params", "expected"), [
    ("mailto:Ann@Example.COM", {}, "ann@example.com"),
    ("mailto:2_GEZDGNBV@imip.me.com", {"email": "karim@example.fr"}, "karim@example.fr"),
    ("mailto:2_GEZDGNBV@imip.me.com", {"email": '"Karim@Example.fr"'}, "karim@example.fr"),
    ("x-confluence-user-key=8a7f80:mailto:jo@example.com", {}, "jo@example.com"),
    ("mailto: jo@example.com ", {}, "jo@example.com"),
    ("MAILTO:jo@example.com", {}, "jo@example.com"),
    ("jo@example.com", {}, "jo@example.com"),
    ("mailto:jo@bücher.example", {}, "jo@bücher.example"),
])
def test_the_real_address_is_taken(value: str, params: dict, expected: str) -> None:
    from kaffe.connectors.ical.address import read_address

    assert read_address(Prop(value, **params)) == (expected, "")


@pytest.mark.parametrize("value", [
    "mailto:2_GEZDGNBV@imip.me.com",  # a relay without EMAIL=
    "mailto:jo", "mailto:a@b@example.com", "mailto:jo smith@ example.com",
    "x-confluence-user-key=8a7f80", "mailto:", "mailto:room@resource.calendar.google.com",
])
def test_no_address_a_draft_could_go_to_is_a_problem(value: str) -> None:
    from kaffe.connectors.ical.address import read_address

    address, why = read_address(Prop(value))
    assert address == "" and why


def test_icloud_relay_organizer_and_attendees_become_the_people() -> None:
    lines = ('ORGANIZER;CN="Karim";EMAIL="karim@example.fr":mailto:2_XXXX@imip.me.com\n'
             'ATTENDEE;CN="Karim";EMAIL="karim@example.fr";ROLE=CHAIR:mailto:2_XXXX@imip.me.com\n'
             'ATTENDEE;CN="Jo":mailto:2_YYYY@imip.me.com\n'
             "ATTENDEE;CN=Ann:mailto:ann@example.com\n")
    result = read(vevent(lines=lines))
    (event,) = result.events
    assert event.organizer == "karim@example.fr"
    assert [(a.email, a.name, a.organizer) for a in event.attendees] == [
        ("karim@example.fr", "Karim", True), ("ann@example.com", "Ann", False)]
    (problem,) = result.problems
    assert problem == ("cal.ics: event 'Coffee' UID u1: ATTENDEE 'mailto:2_YYYY@imip.me.com' "
                       "is a relay, not a person's address, and has no EMAIL=; left out")


def test_broken_attendees_are_mended_or_dropped_with_a_located_problem() -> None:
    bad = "mailto:" + "x" * 80 + "@@example.com"
    lines = ("ATTENDEE;CN=Jo:x-confluence-user-key=abc:mailto:jo@example.com\n"
             f"ATTENDEE;CN=Bad:{bad}\nATTENDEE:mailto:nobody\n")
    result = read(vevent("Standup", uid="conf-1", lines=lines))
    (event,) = result.events
    assert [a.email for a in event.attendees] == ["jo@example.com"]
    assert len(result.problems) == 2
    where = "cal.ics: event 'Standup' UID conf-1: ATTENDEE '"
    assert all(p.startswith(where) for p in result.problems)
    assert all(len(p) < 200 for p in result.problems)  # the bad value shortened
