"""Dates in drafts are the ones a person in ``[me] timezone`` reads: a coffee at
00:30 Copenhagen time on 6 December is 23:30 UTC on 5 December, and must say 6."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kaffe.compose.render import Composer
from kaffe.model import Recipient, Snapshot
from kaffe.rules.plan import evaluate
from kaffe.rules.prep import prep_actions
from tests.rules.factories import guest, make_config, make_event, me_attendee

SENDER = Recipient("me@acme.example", "Mette Jensen")
# 00:30 on 6 December in Copenhagen (CET, UTC+1)
LATE = make_event(start=datetime(2026, 12, 5, 23, 30, tzinfo=UTC), summary="Coffee with Ana")
DANISH = make_event(
    start=LATE.start, summary="Kaffe med Søren",
    attendees=(me_attendee(), guest("soren@firma.dk", "Søren Ørsted")),
)  # fmt: skip


def _config(language: str, zone: str = "Europe/Copenhagen"):
    return make_config(me={"timezone": zone, "language": language})


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [("en", "Prep: Coffee with Ana, 6 December 2026",
      'is on 6 December 2026 at 00:30 CET'),
     ("da", "Forberedelse: Coffee with Ana, 6. december 2026",
      "er den 6. december 2026 kl. 00:30 CET")],
)  # fmt: skip
def test_prep_brief_subject_and_body_are_in_your_zone(language, subject, body) -> None:
    now = LATE.start - timedelta(hours=12)
    (action,) = prep_actions(Snapshot(events=(LATE,)), (LATE,), now, _config(language))
    draft = Composer().render(action, SENDER)
    assert draft.subject == subject
    assert body in draft.body


def test_prep_brief_without_a_zone_is_utc() -> None:
    now = LATE.start - timedelta(hours=12)
    (action,) = prep_actions(Snapshot(events=(LATE,)), (LATE,), now, make_config())
    assert Composer().render(action, SENDER).subject == "Prep: Coffee with Ana, 5 December 2026"


@pytest.mark.parametrize(
    ("event", "language", "text"),
    [(LATE, "en", "on 6 December 2026."), (DANISH, "da", "den 6. december 2026.")],
)
def test_followup_body_names_the_local_day(event, language, text) -> None:
    now = event.end + timedelta(hours=3)
    plan = evaluate(Snapshot(events=(event,)), now, _config(language))
    (action,) = [a for a in plan.actions if a.kind == "followup"]
    assert action.language == language
    assert text in Composer().render(action, SENDER).body


def test_plan_reasons_read_in_your_zone() -> None:
    now = LATE.end + timedelta(hours=3)
    plan = evaluate(Snapshot(events=(LATE,)), now, _config("en"))
    (action,) = [a for a in plan.actions if a.kind == "followup"]
    assert "ended 2026-12-06 01:30 CET; follow-up due since 03:30" in action.reason


def test_an_all_day_event_keeps_its_date_west_of_utc() -> None:
    """All-day events are stored at midnight UTC of their date: shown in New York
    that would be the evening before, so their date is taken as it is."""
    day = make_event(start=datetime(2026, 12, 6, tzinfo=UTC), minutes=24 * 60, all_day=True)
    now = day.start - timedelta(hours=12)
    config = _config("en", "America/New_York")
    (action,) = prep_actions(Snapshot(events=(day,)), (day,), now, config)
    assert action.context["meeting_date"].day == 6
