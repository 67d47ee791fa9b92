"""Invitations by mail: calendar parts of real messages, methods, cancels, robustness."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaffe.connectors.ical.invites import calendar_parts, invitations_from_mime
from kaffe.connectors.ical.parse import parse_calendar
from tests.conftest import corpus_dir

WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
RECEIVED = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
_CORPUS = corpus_dir()
EML_NAMES = sorted(p.name for p in (_CORPUS / "eml").glob("*.eml")) if _CORPUS else []


def invites(raw: bytes, self_addresses: tuple[str, ...] = ()):
    return invitations_from_mime(
        raw,
        account="work",
        thread_id="thread-1",
        received=RECEIVED,
        self_addresses=self_addresses,
        window=WINDOW,
    )


def eml(corpus: Path, name: str) -> bytes:
    return (corpus / "eml" / f"thunderbird__{name}.eml").read_bytes()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ics(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR", ""])


def mime(body: str, content_type: str = "text/calendar", **params: str) -> bytes:
    msg = EmailMessage()
    msg["Message-ID"] = "<test@example.com>"
    msg["Subject"] = "Invitation"
    msg.set_content("See the invitation.")
    maintype, subtype = content_type.split("/")
    msg.add_attachment(body.encode(), maintype=maintype, subtype=subtype, params=params)
    return msg.as_bytes()


# --- the corpus ---------------------------------------------------------------------


@pytest.mark.parametrize("name", EML_NAMES)
def test_every_corpus_message_is_read_without_raising(corpus: Path, name: str) -> None:
    events = invites((corpus / "eml" / name).read_bytes())
    for event in events:
        assert event.calendar == "mail:work" and event.thread_id == "thread-1"
        assert event.start.tzinfo is not None and event.updated is not None


def test_outlook_exchange_invite(corpus: Path) -> None:
    [event] = invites(eml(corpus, "outlook_invite_exchange"), ("homer@example.org",))
    assert event.uid.startswith("030000008200E00074C5B7101A82E0080000000060B608D090DDD701")
    assert event.id == event.uid and event.start == utc(2021, 11, 27, 7, 0)
    assert (event.summary, event.organizer) == ("Testaus", "marge@example.org")
    [homer] = event.attendees
    assert homer.email == "homer@example.org" and homer.is_self
    assert event.updated == utc(2021, 11, 19, 20, 0, 29)


def test_teams_invite(corpus: Path) -> None:
    [event] = invites(eml(corpus, "teams_meeting_invite_finnish"))
    assert event.uid.startswith("056000008200E00074C5B7101A82E008000000001AF84C64CBC8D601")
    assert event.start == utc(2020, 12, 2, 17, 0) and event.status == "confirmed"
    assert event.organizer == "marge@example.com"
    assert {a.email for a in event.attendees} == {"bart@example.com", "homer@example.com"}


def test_google_meet_invite_is_not_doubled_by_invite_ics(corpus: Path) -> None:
    raw = eml(corpus, "google_meet_invite")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert [method for method, _payload in calendar_parts(msg)] == ["REQUEST"]
    [event] = invites(raw)
    assert event.uid == "65m17hsdolmotv3kvmrtg40ont@google.com"
    assert event.start == utc(2021, 3, 22, 9, 30) and event.organizer == "example@gmail.com"
    assert {a.email for a in event.attendees} == {"example@gmail.com", "homer@example.com"}


def test_lotus_style_invite_with_method_only_in_content_type(corpus: Path) -> None:
    [event] = invites(eml(corpus, "invite_windows1257_fle_tz"))
    assert event.uid == "36138BFC6A7B03EFC2258776003DB5C5"
    assert event.start == utc(2021, 10, 26, 6, 0)  # 09:00 "FLE" = Helsinki summer time
    assert event.updated == utc(2021, 10, 22, 11, 15, 20)


def test_invite_with_file_attachment(corpus: Path) -> None:
    [event] = invites(eml(corpus, "invite_with_file_attachment"))
    assert (event.uid, event.start) == ("02e79b96-file", utc(2022, 3, 16, 11, 0))
    assert event.organizer == "sender@example.com"
    assert [a.email for a in event.attendees] == [
        "sender@example.com",
        "receiver@example.com",
        "other@example.com",
    ]
    assert event.attendees[0].organizer


def _request_ids(*lines: str) -> set[str]:
    text = ics("METHOD:REQUEST", "BEGIN:VEVENT", "UID:02e79b96", *lines, "END:VEVENT")
    return {e.id for e in parse_calendar(text, calendar="c", source="s", window=WINDOW).events}


def test_cancel_single_event_matches_the_request(corpus: Path) -> None:
    [event] = invites(eml(corpus, "cancel_single_event"))
    assert event.status == "cancelled" and event.start == utc(2022, 3, 16, 11, 0)
    assert {event.id} == _request_ids("DTSTART:20220316T110000Z", "DTEND:20220316T113000Z")


def test_recurring_cancel_gives_cancelled_instances(corpus: Path) -> None:
    events = invites(eml(corpus, "gmail_cancel_recurring"))
    assert all(e.status == "cancelled" and e.recurring_event_id == "02e79b96" for e in events)
    request = _request_ids(
        "DTSTART:20220316T110000Z",
        "DTEND:20220316T113000Z",
        "RRULE:FREQ=DAILY;COUNT=3",
        "EXDATE:20220317T110000Z",
    )
    assert (
        {e.id for e in events}
        == request
        == {
            "02e79b96@20220316T110000Z",
            "02e79b96@20220318T110000Z",
        }
    )


def test_exception_update_gives_the_overridden_instance(corpus: Path) -> None:
    [event] = invites(eml(corpus, "exception_major_update"))
    assert event.id == "02e79b96@20220317T110000Z"
    assert event.start == utc(2022, 3, 17, 5, 0) and event.original_start == utc(2022, 3, 17, 11)
    assert event.recurring_event_id == "02e79b96" and event.status == "confirmed"


@pytest.mark.parametrize(
    "name",
    [
        "malformed_recipients_multiple_to",
        "no_charset_windows1252_spanish",
        "bad_charset_mixed_encodings",
    ],
)
def test_plain_mails_are_not_invitations(corpus: Path, name: str) -> None:
    assert invites(eml(corpus, name)) == []


def test_mixed_case_calendar_type_is_found(corpus: Path) -> None:
    msg = email.message_from_bytes(
        eml(corpus, "booking_mixedcase_calendar_publish"), policy=email.policy.default
    )
    [(method, payload)] = calendar_parts(msg)
    assert method == "PUBLISH" and payload.startswith(b"BEGIN:VCALENDAR")


# --- methods ----------------------------------------------------------------------------

EVENT = ("BEGIN:VEVENT", "UID:u1", "DTSTART:20240301T100000Z", "DTEND:20240301T110000Z")
ATTENDEE = "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com"


@pytest.mark.parametrize("method", ["REPLY", "COUNTER", "REFRESH", "DECLINECOUNTER"])
def test_answers_are_not_meetings(method: str) -> None:
    assert invites(mime(ics(f"METHOD:{method}", *EVENT, ATTENDEE, "END:VEVENT"))) == []


def test_publish_counts_only_with_attendees() -> None:
    assert invites(mime(ics("METHOD:PUBLISH", *EVENT, "END:VEVENT"))) == []
    [event] = invites(mime(ics("METHOD:PUBLISH", *EVENT, ATTENDEE, "END:VEVENT")))
    assert event.id == "u1"


def test_freebusy_is_not_a_meeting() -> None:
    body = ics("METHOD:REQUEST", "BEGIN:VFREEBUSY", "UID:fb", "END:VFREEBUSY")
    assert invites(mime(body)) == []


def test_cancel_from_content_type_and_updated_from_received() -> None:
    body = ics("BEGIN:VEVENT", "UID:u2", "DTSTART:20240301T100000Z", "SEQUENCE:1", "END:VEVENT")
    [event] = invites(mime(body, method="CANCEL"))
    assert (event.id, event.status, event.updated) == ("u2", "cancelled", RECEIVED)


def test_add_counts_and_ics_attachment_by_file_name() -> None:
    body = ics("METHOD:ADD", *EVENT, "END:VEVENT")
    [event] = invites(mime(body, "application/octet-stream", name="meeting.ICS"))
    assert event.uid == "u1" and event.thread_id == "thread-1"


def test_non_utf8_calendar_charset_is_honoured() -> None:
    body = ics("METHOD:REQUEST", *EVENT, "SUMMARY:Kaffe på café", "END:VEVENT")
    msg = EmailMessage()
    msg.set_content(body.encode("iso-8859-1"), maintype="text", subtype="calendar")
    msg.set_param("charset", "iso-8859-1")
    [event] = invites(msg.as_bytes())
    assert event.summary == "Kaffe på café"


# --- robustness --------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    assert isinstance(invites(raw), list)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=1500), st.sampled_from(["REQUEST", "CANCEL", "PUBLISH", ""]))
def test_arbitrary_calendar_parts_never_raise(body: bytes, method: str) -> None:
    header = f"Content-Type: text/calendar; method={method}\r\n\r\n".encode()
    assert isinstance(invites(b"Message-ID: <x@y>\r\n" + header + body), list)
