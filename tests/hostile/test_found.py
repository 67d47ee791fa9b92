"""What the fuzzing found, pinned as plain tests (one per bug, smallest example)."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default

from kaffe.compose.mime import clean_header, to_raw
from kaffe.connectors.feeds.text import canonical_url, html_to_text
from kaffe.connectors.google.normalize import normalize_event
from kaffe.connectors.ical.parse import parse_calendar
from kaffe.connectors.mailheaders import decode_words
from kaffe.connectors.plaintext import one_line, printable
from kaffe.model import Draft, Recipient

WINDOW = (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def ics(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:u1", *lines,
                        "END:VEVENT", "END:VCALENDAR", ""])  # fmt: skip


def test_a_minutely_rule_is_skipped_not_expanded() -> None:
    """Was: 85k events, 28 s and 218 MB for a four-month window; SECONDLY since
    1970 never finished."""
    for start in ("19700101T000000Z", "20251201T000000Z"):
        result = parse_calendar(ics(f"DTSTART:{start}", "RRULE:FREQ=MINUTELY", "SUMMARY:x"),
                                calendar="c", source="s", window=WINDOW)  # fmt: skip
        assert result.events == ()
        assert "recurs too often" in result.problems[0]


def test_an_interval_of_zero_is_skipped_not_looped_on() -> None:
    """Was: RRULE:FREQ=YEARLY;INTERVAL=0 looped forever in the expansion."""
    for interval in ("0", "-1"):
        rule = f"RRULE:FREQ=SECONDLY;INTERVAL={interval}"
        result = parse_calendar(ics("DTSTART:20260110T100000Z", rule),
                                calendar="c", source="s", window=WINDOW)  # fmt: skip
        assert result.events == () and "never advances" in result.problems[0]


def test_an_unreadable_rule_costs_only_its_own_event() -> None:
    text = ics("DTSTART:20260110T100000Z", "RRULE:FREQ=DAILY;INTERVAL=x").replace(
        "END:VCALENDAR", "BEGIN:VEVENT\r\nUID:u2\r\nDTSTART:20260111T100000Z\r\n"
        "SUMMARY:Fine\r\nEND:VEVENT\r\nEND:VCALENDAR")  # fmt: skip
    result = parse_calendar(text, calendar="c", source="s", window=WINDOW)
    assert [e.summary for e in result.events] == ["Fine"]


def test_a_long_recurring_event_does_not_overlap_the_window_thousands_of_times() -> None:
    """Was: DAILY from 1900 with DTEND in 2026 -- every occurrence overlaps the window."""
    lines = ("DTSTART:19000101T000000Z", "DTEND:20260110T000000Z", "RRULE:FREQ=DAILY")
    result = parse_calendar(ics(*lines), calendar="c", source="s", window=WINDOW)
    assert result.events == () and "occurrences in the window" in result.problems[0]


def test_ordinary_series_are_untouched() -> None:
    lines = ("DTSTART:20200106T090000Z", "DTEND:20200106T091500Z", "RRULE:FREQ=WEEKLY;BYDAY=MO")
    result = parse_calendar(ics(*lines), calendar="c", source="s", window=WINDOW)
    assert len(result.events) == 18 and result.problems == ()  # Mondays, Dec to Mar


def test_an_escaped_line_break_in_a_title_stays_one_line() -> None:
    """Was: "Coffee\\nBcc: x" kept its line break, which split the prep draft's Subject."""
    result = parse_calendar(ics("DTSTART:20260110T100000Z", r"SUMMARY:Coffee\nBcc: x@evil",
                                'ATTENDEE;CN="Ana\\nB":mailto:a@x.example'),
                            calendar="c", source="s", window=WINDOW)  # fmt: skip
    (event,) = result.events
    assert event.summary == "Coffee Bcc: x@evil" and event.attendees[0].name == "Ana\\nB"


def test_google_titles_and_names_are_one_line_and_printable() -> None:
    resource = {"id": "e1", "summary": "Coffee\nBcc: x", "location": "Café\u2028Nord",
                "description": "Line 1\r\nLine 2\x1b[2J", "start": {"date": "2026-01-10"},
                "end": {"date": "2026-01-11"},
                "attendees": [{"email": "a@x.example",
                               "displayName": "Ana\ud800\x00"}]}  # fmt: skip
    event = normalize_event(resource, "google:primary")
    assert (event.summary, event.location) == ("Coffee Bcc: x", "Café Nord")
    assert event.description == "Line 1\nLine 2[2J" and event.attendees[0].name == "Ana"


def test_an_encoded_word_cannot_smuggle_control_characters() -> None:
    """Was: "=?utf-8?q?=1B]0;owned=07?=" decoded to a terminal escape sequence."""
    assert decode_words("=?utf-8?q?=1B]0;owned=07?=") == "]0;owned"
    assert decode_words("=?utf-8?q?a=0D=0ABcc:_x?=") == "a Bcc: x"


def test_escaped_active_markup_in_a_plain_field_is_rendered_away() -> None:
    """Was: an RSS title "&lt;script&gt;...&lt;img src=pixel&gt;" reached the draft."""
    from kaffe.connectors.feeds.parse import _text

    plain = {"type": "text/plain"}
    assert _text('<script>x()</script>Hi <img src="http://t.example/p.gif">', plain) == "Hi"
    assert _text("Why <div> soup hurts", plain) == "Why <div> soup hurts"


def test_markup_escaped_twice_is_markup_too() -> None:
    assert html_to_text("<p>A</p>&lt;script&gt;evil()&lt;/script&gt; B") == "A B"
    assert html_to_text("x &lt; y and <b>a</b> &gt; b") == "x < y and a > b"


def test_frames_and_media_fallback_text_is_hidden() -> None:
    assert html_to_text('<iframe src="http://t.example/">frame</iframe>ok') == "ok"


def test_a_link_with_spaces_stays_one_word() -> None:
    """Was: "https://n.example/a\\r\\nBcc: x" became "https://n.example/aBcc: x"."""
    assert canonical_url("https://n.example/a\r\nBcc: x") == "https://n.example/aBcc:%20x"
    assert canonical_url("https://n.example/a b\u2028c") == "https://n.example/a%20b%E2%80%A8c"
    assert canonical_url("https://n.exa mple/") == ""


def test_a_lone_surrogate_in_a_name_does_not_stop_the_draft() -> None:
    """Was: UnicodeEncodeError from set_content for "Hi \\ud800," in the body."""
    draft = Draft(key="k", sender=Recipient("me@x.example"), to=(Recipient("a@x.example"),),
                  subject="Hi", body="Hi \ud800,\n")  # fmt: skip
    msg = email.message_from_bytes(to_raw(draft), policy=default)
    assert isinstance(msg, EmailMessage)
    assert msg.get_content().splitlines() == ["Hi \ufffd,"]


def test_bidi_overrides_are_dropped_from_headers() -> None:
    assert clean_header("Ana \u202emoc.live@x\u202c") == "Ana moc.live@x"


def test_plaintext_helpers() -> None:
    assert one_line(" a\r\n\tb\u2028c\x00d\x1b ") == "a b cd"
    assert printable("a\r\nb\rc\u2028d\x00\te") == "a\nb\nc\nd\te"
