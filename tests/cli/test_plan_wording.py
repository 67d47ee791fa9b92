"""``kaffe plan`` wording: counted nouns agree, a veto is said once, and an
attendee list cut short says how many more there are."""

from __future__ import annotations

from kaffe.cli.report import event_lines
from kaffe.config.schema import DetectConfig
from kaffe.rules.detect import detect
from tests.rules.factories import ME, guest, make_event, me_attendee


def test_a_one_person_meeting_is_one_person() -> None:
    # a block with no one else on it, organised from outside: you are the one person
    verdict = detect(make_event(attendees=(), organizer="ana@partner.example"), ME,
                     DetectConfig())
    details = " ".join(r.detail for r in verdict.reasons)
    assert "1 person including you" in details and "1 people" not in details


def test_the_veto_is_printed_once() -> None:
    event = make_event(status="cancelled")
    verdict = detect(event, ME, DetectConfig())
    text = "\n".join(event_lines(event, verdict))
    assert verdict.veto == "cancelled"
    assert text.count("cancelled") == 1, text
    assert "never counts: cancelled" in text


def test_a_second_veto_is_still_listed() -> None:
    event = make_event(status="cancelled", all_day=True)
    text = "\n".join(event_lines(event, detect(event, ME, DetectConfig())))
    assert text.count("cancelled") == 1 and "all-day event" in text


def test_outside_attendees_past_three_say_how_many_more() -> None:
    outside = tuple(guest(f"p{n}@partner.example", f"P{n}") for n in range(5))
    cfg = DetectConfig(max_attendees=10)
    verdict = detect(make_event(attendees=(me_attendee(), *outside)), ME, cfg)
    (external,) = [r.detail for r in verdict.reasons if r.feature == "attendees.external"]
    assert external.endswith("p2@partner.example and 2 more)"), external
