"""Table tests for meeting detection: one small event per row, built by the factory."""

from __future__ import annotations

from typing import Any

import pytest

from kaffe.config.schema import DetectConfig
from kaffe.model import DECLINED, NEEDS_ACTION, TENTATIVE, Attendee
from kaffe.rules.detect import detect

from .factories import ME, ME_EMAIL, guest, make_event, me_attendee

CFG = DetectConfig()
BOB = guest("bob@acme.example", "Bob")  # a colleague
ROOM = Attendee("room-3@resource.calendar.google.com", "Room 3", resource=True)
NO_PLACE: dict[str, Any] = {"location": ""}


def verdict(cfg: DetectConfig = CFG, **overrides: Any):
    return detect(make_event(**overrides), ME, cfg)


def features(v) -> set[str]:
    return {r.feature for r in v.reasons}


def test_clear_coffee_meeting_scores_every_feature() -> None:
    v = verdict()
    assert v.is_coffee and v.veto == ""
    assert v.score == pytest.approx(3 + 2 + 1 + 1 + 0.5)
    assert features(v) == {
        "keyword.title",
        "keyword.location",
        "attendees.external",
        "attendees.small",
        "duration",
    }
    assert 'title mentions "coffee"' in [r.detail for r in v.reasons]


@pytest.mark.parametrize(
    ("overrides", "is_coffee", "score"),
    [
        ({"summary": "Kaffe med Mette", **NO_PLACE}, True, 5.5),
        ({"summary": "Catch up", **NO_PLACE}, True, 5.5),
        ({"summary": "catchup Ana/Mette", **NO_PLACE}, True, 5.5),
        ({"summary": "Kaffemøde", **NO_PLACE}, True, 5.5),
        ({"summary": "Lunch in the cafeteria", **NO_PLACE}, False, 2.5),
        ({"summary": "Ana / Mette", "location": "Café Norden, Østergade"}, True, 4.5),
        ({"summary": "Ana / Mette", "location": "Meeting room 4"}, False, 2.5),
        (
            {"summary": "Ana / Mette", "description": "<p>Grab a <b>coffee</b>?</p>", **NO_PLACE},
            True,
            3.5,
        ),
        ({"summary": "Ana / Mette", "description": "Coffee&nbsp;at 3", **NO_PLACE}, True, 3.5),
        ({"summary": "Ana / Mette", **NO_PLACE}, False, 2.5),
        ({"minutes": 5}, True, 6.5),
        ({"minutes": 240}, True, 6.5),
        ({"minutes": 15}, True, 7.5),
        ({"minutes": 150}, True, 7.5),
    ],
)
def test_scores(overrides: dict[str, Any], is_coffee: bool, score: float) -> None:
    v = verdict(**overrides)
    assert (v.is_coffee, v.score) == (is_coffee, pytest.approx(score))
    assert v.veto == ""


def test_duration_outside_bounds_is_a_negative_reason() -> None:
    (reason,) = [r for r in verdict(minutes=5).reasons if r.feature == "duration"]
    assert reason.points == -CFG.weight_duration
    assert "outside" in reason.detail


@pytest.mark.parametrize(
    ("overrides", "veto"),
    [
        ({"attendees": (me_attendee(response=DECLINED), guest())}, "declined by you"),
        (
            {"attendees": (Attendee("me@acme.example", response=DECLINED), guest())},
            "declined by you",
        ),
        ({"status": "cancelled"}, "cancelled"),
        ({"all_day": True, "minutes": 24 * 60}, "all-day event"),
        ({"event_type": "outOfOffice"}, "event type outOfOffice"),
        ({"event_type": "focusTime"}, "event type focusTime"),
        ({"event_type": "workingLocation"}, "event type workingLocation"),
        ({"event_type": "birthday"}, "event type birthday"),
        (
            {"attendees": (me_attendee(), guest(), guest("b@x.example"), guest("c@y.example"))},
            "large meeting: 4 people",
        ),
        ({"attendees": (me_attendee(), BOB)}, "no one from outside"),
        ({"attendees": (me_attendee(), guest("bo@dk.acme.example"))}, "no one from outside"),
        ({"summary": "Coffee interview with Ana"}, 'title mentions "interview" (excluded)'),
        ({"summary": "Coffee & all-hands"}, 'title mentions "all hands" (excluded)'),
        ({"attendees": ()}, "solo block"),
        ({"attendees": (me_attendee(),)}, "solo block"),
        ({"attendees": (me_attendee(), ROOM)}, "solo block"),
    ],
)
def test_vetoes(overrides: dict[str, Any], veto: str) -> None:
    v = verdict(**overrides)
    assert not v.is_coffee
    assert veto in v.veto
    assert any(r.feature.startswith("veto.") and r.points == 0 for r in v.reasons)


def test_resources_are_not_people() -> None:
    rooms = tuple(
        Attendee(f"room-{i}@resource.calendar.google.com", resource=True) for i in range(5)
    )
    v = verdict(attendees=(me_attendee(), guest(), *rooms))
    assert v.is_coffee
    assert "2 people including you" in " ".join(r.detail for r in v.reasons)


def test_solo_block_with_external_organizer_is_a_meeting() -> None:
    v = verdict(attendees=(), organizer="ana@partner.example")
    assert v.is_coffee and v.veto == ""
    assert "ana@partner.example" in " ".join(r.detail for r in v.reasons)


def test_internal_meeting_counts_when_external_is_not_required() -> None:
    cfg = DetectConfig(require_external=False)
    v = verdict(cfg, attendees=(me_attendee(), BOB))
    assert v.is_coffee
    assert "attendees.external" not in features(v)


def test_my_address_without_self_flag_is_me() -> None:
    v = verdict(attendees=(Attendee("me@acme.example"), guest()))
    assert "2 people including you" in " ".join(r.detail for r in v.reasons)


def test_every_veto_is_listed_and_the_first_is_the_verdicts() -> None:
    v = verdict(status="cancelled", all_day=True, summary="Coffee sprint")
    vetoes = [r.detail for r in v.reasons if r.feature.startswith("veto.")]
    assert v.veto == "cancelled" == vetoes[0]
    assert "all-day event" in vetoes
    assert 'title mentions "sprint" (excluded)' in vetoes


def test_threshold_and_weights_come_from_config() -> None:
    strict = DetectConfig(threshold=8.0)
    assert not verdict(strict).is_coffee
    generous = DetectConfig(threshold=1.0, weight_title=0.0)
    assert verdict(generous, summary="Ana / Mette", location="").is_coffee


def test_custom_keywords_and_exclusions() -> None:
    cfg = DetectConfig(keywords=("te",), exclude_words=("intern",))
    assert verdict(cfg, summary="Te med Ana").score == pytest.approx(7.5)
    assert verdict(cfg, summary="Coffee with Ana").score == pytest.approx(4.5)
    assert "intern" in verdict(cfg, summary="Te with the intern").veto


# --- invitations you never answered (issue 12, item 3) ---------------------------------

SERIES: dict[str, Any] = {"recurring_event_id": "evt1", "organizer": "ana@partner.example"}
UNANSWERED_ME = me_attendee(response=NEEDS_ACTION)
MAILED: dict[str, Any] = {"calendar": "mail:gmail", "organizer": "stranger@spam.example"}


@pytest.mark.parametrize(
    ("overrides", "is_coffee", "unanswered"),
    [
        # a recurring series you never accepted is not a coffee meeting
        ({**SERIES, "attendees": (UNANSWERED_ME, guest())}, False, False),
        ({**SERIES, **MAILED, "attendees": (UNANSWERED_ME, guest())}, False, False),
        ({**SERIES, **MAILED, "attendees": (guest(),)}, False, False),  # you are not listed
        # ... but one you accepted, said maybe to, or organise is
        ({**SERIES, "attendees": (me_attendee(), guest())}, True, False),
        ({**SERIES, "attendees": (me_attendee(response=TENTATIVE), guest())}, True, False),
        ({**SERIES, "organizer": ME_EMAIL, "attendees": (UNANSWERED_ME, guest())}, True, False),
        ({**SERIES, "organizer": "", "attendees": (me_attendee(response=NEEDS_ACTION,
                                                               organizer=True), guest())},
         True, False),
        # your own calendar leaves your entry out of events you made: not an invitation
        ({**SERIES, "organizer": "", "attendees": (guest(),)}, True, False),
        # a one-off invitation you never answered counts, and the verdict says so
        ({**MAILED, "attendees": (UNANSWERED_ME, guest())}, True, True),
        ({**MAILED, "attendees": (guest(),)}, True, True),
        ({"organizer": "ana@partner.example", "attendees": (UNANSWERED_ME, guest())}, True, True),
        ({"attendees": (me_attendee(), guest())}, True, False),
    ],
)
def test_invitations_you_never_answered(
    overrides: dict[str, Any], is_coffee: bool, unanswered: bool
) -> None:
    v = verdict(**overrides)
    assert v.is_coffee == is_coffee
    if not is_coffee:
        assert v.veto == "a recurring series you never accepted (an invitation is not a meeting)"
    assert ("invitation.unanswered" in features(v)) == unanswered
    if unanswered:
        assert "you never answered this invitation" in [str(r) for r in v.reasons]


def test_hidden_guest_list_is_never_a_small_meeting() -> None:
    """attendeesOmitted: a meetup with a hidden guest list shows only you and its
    organiser; it must not look like a one-to-one and earn a personal follow-up."""
    v = verdict(attendees=(me_attendee(),), organizer="host@meetup.example",
                attendees_omitted=True)
    assert not v.is_coffee
    assert "attendees.small" not in features(v)
    assert v.veto.startswith("the guest list is hidden or trimmed (attendeesOmitted)")
    assert "veto.solo" not in features(v)
