"""Properties of detection over generated events."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from kaffe.config.schema import DetectConfig
from kaffe.model import ACCEPTED, DECLINED, NEEDS_ACTION, Attendee, Event
from kaffe.rules.detect import detect

from .factories import ME, ME_EMAIL, make_event

WORDS = ["coffee", "Kaffe", "catch up", "café", "interview", "sprint", "lunch", "Ana", "møde"]
EMAILS = [ME_EMAIL, "ana@partner.example", "bo@acme.example", "cy@dk.acme.example", "di@x.dk"]

texts = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join),
)
attendees = st.builds(
    Attendee,
    email=st.sampled_from(EMAILS),
    name=st.text(max_size=10),
    response=st.sampled_from([ACCEPTED, DECLINED, NEEDS_ACTION]),
    is_self=st.booleans(),
    resource=st.booleans(),
)
events = st.builds(
    make_event,
    summary=texts,
    description=texts,
    location=texts,
    attendees=st.lists(attendees, max_size=5).map(tuple),
    organizer=st.sampled_from(["", *EMAILS]),
    status=st.sampled_from(["confirmed", "tentative", "cancelled"]),
    all_day=st.booleans(),
    event_type=st.sampled_from(["default", "default", "outOfOffice", "focusTime"]),
    minutes=st.integers(min_value=0, max_value=600),
)
configs = st.builds(
    DetectConfig,
    threshold=st.floats(min_value=0, max_value=10),
    max_attendees=st.integers(min_value=1, max_value=6),
    require_external=st.booleans(),
)


@given(events, configs)
def test_reasons_sum_to_score(event: Event, cfg: DetectConfig) -> None:
    v = detect(event, ME, cfg)
    assert math.isclose(sum(r.points for r in v.reasons), v.score, abs_tol=1e-9)


@given(events, configs)
def test_is_coffee_iff_score_reaches_threshold_without_veto(
    event: Event, cfg: DetectConfig
) -> None:
    v = detect(event, ME, cfg)
    assert v.is_coffee == (v.score >= cfg.threshold and not v.veto)
    assert bool(v.veto) == any(r.feature.startswith("veto.") for r in v.reasons)


@given(events, configs, st.sampled_from(["cancelled", "all_day", "declined", "ooo"]))
def test_a_veto_always_wins(event: Event, cfg: DetectConfig, veto: str) -> None:
    vetoed = {
        "cancelled": lambda e: replace(e, status="cancelled"),
        "all_day": lambda e: replace(e, all_day=True),
        "declined": lambda e: replace(
            e, attendees=(*e.attendees, Attendee(ME_EMAIL, response=DECLINED, is_self=True))
        ),
        "ooo": lambda e: replace(e, event_type="outOfOffice"),
    }[veto](event)
    v = detect(vetoed, ME, replace(cfg, threshold=0.0))
    assert not v.is_coffee and v.veto


@given(events, configs, st.sampled_from(["coffee", "Kaffe", "catch-up", "fika"]))
def test_adding_a_coffee_word_never_lowers_the_score(
    event: Event, cfg: DetectConfig, word: str
) -> None:
    before = detect(event, ME, cfg).score
    for field in ("summary", "description"):
        more = replace(event, **{field: f"{getattr(event, field)} {word}"})
        assert detect(more, ME, cfg).score >= before


@given(events, configs)
def test_a_recurring_series_you_never_answered_never_counts(
    event: Event, cfg: DetectConfig
) -> None:
    """Whatever else the invitation says, a stranger's series waiting for your answer
    is not a coffee meeting: not on the calendar, not by mail."""
    mine = Attendee(ME_EMAIL, response=NEEDS_ACTION, is_self=True)
    stranger = "stranger@spam.example"
    for calendar in ("google:primary", "mail:gmail", "ics:home"):
        series = replace(event, recurring_event_id="bomb", calendar=calendar, organizer=stranger,
                         attendees=(mine, *(a for a in event.attendees
                                           if a.email != ME_EMAIL and not a.is_self)))
        v = detect(series, ME, replace(cfg, threshold=0.0))
        assert not v.is_coffee and v.veto
