"""Golden files for rendered drips, check-ins and prep briefs (en + da), and the guard
over every shipped template's rendering. Regenerate with KAFFE_UPDATE_GOLDEN=1."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from kaffe.compose.guard import check, check_draft
from kaffe.compose.render import Composer
from kaffe.config.schema import DripConfig, GuardConfig
from kaffe.model import Action, Snapshot, Topic
from kaffe.rules.checkin import checkin_actions
from kaffe.rules.drip import drip_actions
from kaffe.rules.prep import prep_actions
from tests.compose.test_golden import SENDER, assert_golden
from tests.rules.factories import START, guest, make_config, make_event, me_attendee
from tests.rules.test_drip import DAY, article, drafted, match

ANA = "ana@northwind.example"
SOREN = "soren@firma.dk"
PEOPLE = {"en": (ANA, "Ana Silva"), "da": (SOREN, "Søren Ørsted")}


# The meeting's title is evidence of the language (issue 15): drips and check-ins about a
# meeting titled in the contact's language.
TITLES = {"en": "Coffee with Ana", "da": "Kaffe med Søren"}


def meeting(language: str, **overrides):
    email, name = PEOPLE[language]
    return make_event(attendees=(me_attendee(), guest(email, name)), **overrides)


def world(language: str, now: datetime, *events) -> Snapshot:
    email, _ = PEOPLE[language]
    key = "followup:evt1@google.com"
    return Snapshot(
        events=events or (meeting(language),),
        ledger={key: drafted(key, START, "followup", email)},
        articles={"a1": article(1, published=now - DAY)},
        matches={email: (match(1, 4.2, email),)},
        topics={email: (Topic(email, "data mesh", "note", START),)},
    )


def action_for(kind: str, language: str) -> Action:
    config = make_config(drip=replace(DripConfig(), min_gap_days=14))
    if kind == "drip":
        now = START + 20 * DAY
        last = meeting(language, summary=TITLES[language])
        return drip_actions(world(language, now, last), (last,), now, config)[0]
    if kind == "checkin":
        now = START + 130 * DAY
        last = meeting(language, summary=TITLES[language])
        return checkin_actions(world(language, now, last), (last,), now, config)[0]
    upcoming = meeting(language, id="up", uid="up@x", start=START + 30 * DAY)
    now = upcoming.start - DAY
    snapshot = world(language, now, meeting(language), upcoming)
    config = replace(config, me=replace(config.me, language=language))
    return prep_actions(snapshot, (upcoming,), now, config)[0]


CASES = [(kind, language) for kind in ("drip", "checkin", "prep") for language in ("en", "da")]


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_golden(kind: str, language: str, now: datetime) -> None:
    action = action_for(kind, language)
    assert action.language == language
    assert_golden(action, f"{kind}_{language}", now)


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_every_shipped_template_passes_the_guard(kind: str, language: str) -> None:
    draft = Composer().render(action_for(kind, language), SENDER)
    assert not check_draft(draft, GuardConfig()).blocked, check_draft(draft, GuardConfig())
    if kind != "prep":  # to a contact: the classifier reads every sentence too
        assert not check(draft.subject + "\n\n" + draft.body, GuardConfig()).blocked
    else:  # to yourself: the patterns alone
        assert [r.email for r in draft.to] == [SENDER.email]


def test_check_in_without_article_passes_the_guard_too() -> None:
    now = START + 130 * DAY
    snapshot = replace(world("en", now), matches={})
    action = checkin_actions(snapshot, (meeting("en"),), now, make_config())[0]
    draft = Composer().render(action, SENDER)
    assert "came across" not in draft.body
    assert not check(draft.subject + "\n\n" + draft.body, GuardConfig()).blocked
    assert timedelta(days=130) == now - START
