"""Golden files for the drafts of meeting new people (issue 17): outreach, the nudge and
the thank-you to an introducer, in English and Danish, and the guard over each.
Regenerate with KAFFE_UPDATE_GOLDEN=1."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from kaffe.compose.guard import check
from kaffe.compose.render import Composer
from kaffe.config.schema import GuardConfig, OutreachConfig
from kaffe.model import DONE, Action, Contact, Interaction, LedgerEntry, Snapshot, Target
from kaffe.rules.outreach import outreach_plan
from tests.compose.test_golden import SENDER, assert_golden
from tests.rules.factories import START, guest, make_config, make_event, me_attendee

DAY = timedelta(days=1)
INTRODUCER = "henrik@mentor.example"
PEOPLE = {
    "en": Target("ana@northwind.example", "Ana Silva", company="Northwind", theme="data mesh",
                 introduced_by=INTRODUCER),
    "da": Target("soren@firma.dk", "Søren Ørsted", company="Firma", role="CTO",
                 introduced_by=INTRODUCER, language="da"),
}
ME = {"about": "I have built data platforms for logistics firms for ten years",
      "about_in": {"da": "jeg har bygget dataplatforme til logistikfirmaer i ti år"},
      "offer": ("ten years of data platforms", "an introduction to the Aarhus data meetup")}


def _snapshot(target: Target, **fields) -> Snapshot:
    return Snapshot(targets=(target,), contacts={INTRODUCER: Contact(INTRODUCER, "Henrik Dahl",
                                                                     language="en")}, **fields)


def action_for(kind: str, language: str) -> Action:
    target = PEOPLE[language]
    config = make_config(me=ME, outreach=OutreachConfig())
    if kind == "outreach":
        found = outreach_plan(_snapshot(target), START, config)
    elif kind == "nudge":
        key = f"outreach:{target.email}"
        sent = Interaction(target.email, "sent", START + DAY, "gmail/s1", "t1",
                           "Coffee and your view?", "<s1@mail.example>", kaffe_key=key)
        ledger = {key: LedgerEntry(key, "outreach", DONE, START, contact=target.email)}
        snapshot = _snapshot(target, ledger=ledger, interactions={target.email: (sent,)})
        found = outreach_plan(snapshot, START + 9 * DAY, config)
    else:
        coffee = make_event(attendees=(me_attendee(), guest(target.email, target.name)),
                            start=START, summary="Kaffe" if language == "da" else "Coffee")
        found = outreach_plan(_snapshot(target, events=(coffee,)), START + DAY, config)
    (action,) = [a for a in found if a.kind == kind]
    return action


CASES = [(kind, language) for kind in ("outreach", "nudge", "thanks")
         for language in ("en", "da")]


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_golden(kind: str, language: str, now: datetime) -> None:
    action = action_for(kind, language)
    if kind == "thanks":  # to the introducer, in their language
        action = replace(action, language=language)
    assert action.language == language
    assert_golden(action, f"{kind}_{language}", now)


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_every_new_template_passes_the_guard(kind: str, language: str) -> None:
    action = replace(action_for(kind, language), language=language)
    draft = Composer().render(action, SENDER)
    assert not check(draft.subject + "\n" + draft.body, GuardConfig()).blocked
