"""Prep briefs: timing, recipient, and what the brief knows about the guest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kaffe.model import DONE, DUE, WAITING, Snapshot, Topic
from kaffe.rules.plan import evaluate
from kaffe.rules.prep import organisation, prep_actions, prep_key

from .factories import (
    ME_EMAIL,
    START,
    guest,
    ledger_entry,
    mail,
    mailbox,
    make_config,
    make_event,
    me_attendee,
)
from .test_drip import DAY, MEETING, article, match

ANA = "ana@northwind.example"
UPCOMING = make_event(id="up", uid="up@x", summary="Coffee with Ana", start=START + 30 * DAY,
                      attendees=(me_attendee(), guest(ANA, "Ana Silva")))  # fmt: skip
PAST = make_event(attendees=(me_attendee(), guest(ANA, "Ana Silva")))


def prep(now, snapshot: Snapshot | None = None, **config):
    snapshot = snapshot or Snapshot(events=(PAST, UPCOMING))
    return prep_actions(snapshot, (UPCOMING,), now, make_config(**config))


@pytest.mark.parametrize(
    ("before", "state"),
    [(timedelta(hours=30), WAITING), (timedelta(hours=24), DUE), (timedelta(minutes=1), DUE)],
)
def test_due_within_lead_hours_until_the_meeting(before, state) -> None:
    (action,) = prep(UPCOMING.start - before)
    assert action.state == state
    assert action.due_at == UPCOMING.start - timedelta(hours=24)


def test_nothing_once_the_meeting_began() -> None:
    assert prep(UPCOMING.start) == ()


def test_a_draft_to_yourself_in_your_language() -> None:
    (action,) = prep(UPCOMING.start - DAY, me={"language": "da"})
    assert action.key == prep_key(UPCOMING) == "prep:up@x"
    assert [r.email for r in action.to] == [ME_EMAIL]
    assert (action.language, action.template, action.kind) == ("da", "prep", "prep")


def test_done_in_the_ledger_stays_done() -> None:
    snapshot = Snapshot(events=(UPCOMING,), ledger={"prep:up@x": ledger_entry("prep:up@x", DONE)})
    assert prep(UPCOMING.start - DAY, snapshot)[0].state == DONE


@pytest.mark.parametrize(
    ("email", "name"),
    [("ana@northwind.example", "Northwind"), ("bo@mail.acme-corp.co.uk", "Acme Corp"),
     ("cy@gmail.com", ""), ("d@hotmail.dk", ""), ("e@firma.dk", "Firma"), ("nobody", "")],
)  # fmt: skip
def test_organisation_from_the_domain(email, name) -> None:
    assert organisation(email) == name


def test_context_has_who_history_trends_and_questions() -> None:
    now = UPCOMING.start - DAY
    snapshot = Snapshot(
        events=(PAST, UPCOMING),
        topics={ANA: (Topic(ANA, "data mesh", "note", START),)},
        interactions=mailbox(mail("sent", START + DAY, contact=ANA, subject="Thanks!"),
                             mail("received", START + 2 * DAY, contact=ANA, subject="Re: Thanks!")),
        articles={"a1": article(1, published=now - DAY),
                  "a2": article(2, published=now - DAY, title="Northwind buys a rival"),
                  "a3": article(3, published=now - DAY, title="Unrelated")},
        matches={ANA: (match(1, 3.0, ANA),)},
    )  # fmt: skip
    (action,) = prep(now, snapshot)
    (person,) = action.context["people"]
    assert person["organisation"] == "Northwind"
    assert person["meetings"] == [{"date": START.date(), "title": "Coffee with Ana"}]
    assert person["topics"][0]["text"] == "data mesh"
    assert person["last_sent"]["subject"] == "Thanks!"
    assert person["last_received"]["subject"] == "Re: Thanks!"
    whys = [(a["title"], a["topic"], a["mentions"]) for a in action.context["articles"]]
    assert whys == [("Data mesh in practice, part 1", "data mesh", ""),
                    ("Northwind buys a rival", "", "Northwind")]  # fmt: skip
    assert action.context["questions"][0].startswith("What are you working on")


def test_evaluate_plans_prep_for_upcoming_coffee_only() -> None:
    now = UPCOMING.start - DAY
    plan = evaluate(Snapshot(events=(UPCOMING,)), now, make_config())
    assert [(a.kind, a.state) for a in plan.actions] == [("followup", WAITING), ("prep", DUE)]
    assert prep_actions(Snapshot(), (MEETING,), MEETING.start + DAY, make_config()) == ()
