"""Drips: table tests of the cadence, the article choice and the draft's context."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from kaffe.config.schema import DripConfig
from kaffe.model import DONE, DUE, PENDING, WAITING, Article, Contact, Match, Snapshot
from kaffe.rules.drip import drip_actions, drip_key, shared_articles
from kaffe.rules.plan import evaluate

from .factories import (
    ANA_EMAIL,
    START,
    guest,
    ledger_entry,
    mail,
    mailbox,
    make_config,
    make_event,
    me_attendee,
)

MEETING = make_event()  # 2026-03-09 14:00-15:00 UTC
DAY = timedelta(days=1)
NOW = START + 20 * DAY
BO_EMAIL = "bo@firma.dk"


def article(n: int, published: datetime = NOW - DAY, **overrides: Any) -> Article:
    """Article ``a<n>``, published a day before ``NOW`` unless told otherwise."""
    fields: dict[str, Any] = {
        "id": f"a{n}",
        "feed": "Tech",
        "url": f"https://news.example/{n}",
        "title": f"Data mesh in practice, part {n}",
        "summary": "How three teams moved to a data mesh. " * 3,
        "published": published,
        "language": "en",
    }
    return Article(**{**fields, **overrides})


def match(n: int, score: float, contact: str = ANA_EMAIL, topic: str = "data mesh") -> Match:
    return Match(contact, f"a{n}", score, ("data", "mesh"), topic)


def world(*articles: Article, scores: dict[str, float] | None = None, **fields: Any) -> Snapshot:
    """A snapshot with ``MEETING``, the articles and Ana's matches (score by id)."""
    scores = scores or {a.id: 5.0 - i for i, a in enumerate(articles)}
    matches = tuple(match(int(i[1:]), s) for i, s in scores.items())
    return Snapshot(
        events=fields.pop("events", (MEETING,)),
        articles={a.id: a for a in articles},
        matches=fields.pop("matches", {ANA_EMAIL: matches}),
        **fields,
    )


def drafted(key: str, at: datetime, kind: str = "drip", contact: str = ANA_EMAIL, **kw: Any):
    return ledger_entry(key, kw.pop("state", DONE), kind=kind, contact=contact, updated=at, **kw)


def followup_done() -> dict[str, Any]:
    """The ledger after the follow-up for ``MEETING`` was drafted right after it."""
    key = "followup:evt1@google.com"
    return {key: drafted(key, MEETING.end + timedelta(hours=2), kind="followup")}


def drips(snapshot: Snapshot, now: datetime = NOW, **drip: Any):
    config = make_config(drip=replace(DripConfig(), **drip))
    return drip_actions(snapshot, (MEETING,), now, config)


def test_best_fresh_match_is_due_with_topic_terms_title_and_score() -> None:
    (action,) = drips(world(article(1), article(2), ledger=followup_done()), min_gap_days=14)
    assert (action.kind, action.state, action.template) == ("drip", DUE, "drip")
    assert action.key == drip_key(ANA_EMAIL, "a1") == "drip:ana@partner.example:a1"
    assert action.to[0].email == ANA_EMAIL
    reason = '"Data mesh in practice, part 1" matches "data mesh" (terms: data, mesh; score 5.00)'
    assert reason in action.reason
    assert action.context["topic"] == "data mesh"
    assert action.context["article_url"] == "https://news.example/1"
    assert len(action.context["article_summary"]) <= 281


def test_highest_score_wins_whatever_the_order() -> None:
    snapshot = world(article(1), article(2), scores={"a1": 2.5, "a2": 9.0}, ledger=followup_done())
    assert drips(snapshot)[0].key.endswith(":a2")


def test_no_drip_while_the_followup_is_pending() -> None:
    (action,) = drips(world(article(1)), now=MEETING.end + timedelta(hours=3))
    assert action.state == WAITING
    assert 'the follow-up for "Coffee with Ana" is pending' in action.reason


def test_an_upcoming_meeting_holds_drips_back() -> None:
    upcoming = make_event(id="e2", uid="e2@x", start=NOW + 2 * DAY)
    config = make_config()
    snapshot = world(article(1), ledger=followup_done(), events=(MEETING, upcoming))
    (action,) = drip_actions(snapshot, (MEETING, upcoming), NOW, config)
    assert action.state == WAITING and "pending" in action.reason


@pytest.mark.parametrize(
    ("published", "expected"),
    [(NOW - 14 * DAY, ["a1"]), (NOW - 15 * DAY, []), (None, [])],
    ids=["14-days-old", "15-days-old", "undated"],
)
def test_articles_older_than_max_age_are_ignored(published, expected) -> None:
    actions = drips(world(article(1, published=published), ledger=followup_done()))
    assert [a.key.rsplit(":", 1)[1] for a in actions] == expected


def test_an_article_without_a_link_is_not_shared() -> None:
    # the feed parser leaves no link where the only one was private (the feed's own address)
    snapshot = world(article(1, url=""), article(2), ledger=followup_done())
    assert [a.key for a in drips(snapshot)] == [drip_key(ANA_EMAIL, "a2")]
    assert not drips(world(article(1, url=""), ledger=followup_done()))


def test_never_the_same_article_twice() -> None:
    ledger = {**followup_done(), drip_key(ANA_EMAIL, "a1"): drafted("x", NOW - 40 * DAY)}
    snapshot = world(article(1), article(2), ledger=ledger)
    assert shared_articles(snapshot, ANA_EMAIL) == {"a1"}
    assert [a.key for a in drips(snapshot)] == [drip_key(ANA_EMAIL, "a2")]


def test_gap_counts_from_the_last_drip() -> None:
    ledger = {**followup_done(), "drip:ana@partner.example:a9": drafted("d9", NOW - 10 * DAY)}
    (action,) = drips(world(article(1), ledger=ledger))
    assert action.state == WAITING
    assert action.due_at == NOW + 20 * DAY
    assert "next one possible from" in action.reason


def test_gap_counts_from_mail_you_sent_yourself() -> None:
    sent = mail("sent", NOW - 5 * DAY)
    (action,) = drips(world(article(1), ledger=followup_done(), interactions=mailbox(sent)))
    assert action.state == WAITING and action.due_at == NOW + 25 * DAY


def test_gap_counts_from_the_followup_draft() -> None:
    # the follow-up was drafted 2026-03-09 17:00; 20 days later the 30-day gap holds
    (action,) = drips(world(article(1), ledger=followup_done()), min_gap_days=30)
    assert action.state == WAITING


def test_yearly_cap_counts_drips_and_checkins_in_any_365_days() -> None:
    ledger = {
        **followup_done(),
        "drip:ana@partner.example:x1": drafted("x1", NOW - 300 * DAY),
        "checkin:ana@partner.example:2025-01-01": drafted("c", NOW - 200 * DAY, kind="checkin"),
    }
    (action,) = drips(world(article(1), ledger=ledger), max_per_year=2, min_gap_days=1)
    assert action.state == WAITING
    assert action.due_at == NOW + 65 * DAY
    assert "max_per_year = 2" in action.reason


def test_paused_after_unanswered_drafts_until_they_reply() -> None:
    ledger = {
        **followup_done(),
        "drip:ana@partner.example:x1": drafted("x1", NOW - 60 * DAY),
    }
    sends = (mail("sent", MEETING.end + 3 * timedelta(hours=1), n=1), mail("sent", NOW - 59 * DAY))
    snapshot = world(article(1), ledger=ledger, interactions=mailbox(*sends))
    (action,) = drips(snapshot, min_gap_days=1)
    assert action.state == WAITING
    assert "paused: 2 drafts you sent are unanswered (max_unanswered = 2)" in action.reason
    replied = mailbox(*sends, mail("received", NOW - 30 * DAY))
    (action,) = drips(replace(snapshot, interactions=replied), min_gap_days=1)
    assert action.state == DUE


def test_stopped_after_the_horizon_unless_you_meet_again() -> None:
    late = START + 400 * DAY
    fresh = article(1, published=late - DAY)
    assert drips(world(fresh, ledger=followup_done()), now=late) == ()
    again = make_event(id="e2", uid="e2@x", start=late - 100 * DAY)
    ledger = {**followup_done(), "followup:e2@x": drafted("f2", again.end, kind="followup")}
    snapshot = world(fresh, ledger=ledger, events=(MEETING, again))
    (action,) = drip_actions(snapshot, (MEETING, again), late, make_config())
    assert action.state == DUE


def test_daily_cap_keeps_the_best_scores_and_counts_the_last_24_hours() -> None:
    people = [f"p{i}@other.example" for i in range(4)]
    meetings = tuple(
        make_event(id=f"e{i}", uid=f"e{i}@x", attendees=(me_attendee(), guest(p, "P")))
        for i, p in enumerate(people)
    )
    ledger = {f"followup:e{i}@x": drafted(f"f{i}", START, "followup", p) for i, p in
              enumerate(people)}  # fmt: skip
    ledger["drip:z@other.example:a0"] = drafted("z", NOW - timedelta(hours=3), contact="z@o.x")
    matches = {p: (match(1, float(i), p),) for i, p in enumerate(people)}
    snapshot = Snapshot(events=meetings, articles={"a1": article(1)}, matches=matches,
                        ledger=ledger)  # fmt: skip
    config = make_config(drip=replace(DripConfig(), daily_cap=2, min_gap_days=1))
    actions = drip_actions(snapshot, meetings, NOW, config)
    due = sorted(a.to[0].email for a in actions if a.state == DUE)
    assert due == ["p3@other.example"]  # one slot left; the best score takes it
    assert all("daily cap reached" in a.reason for a in actions if a.state == WAITING)


def test_a_pending_drip_is_due_again_for_recovery() -> None:
    ledger = {**followup_done(), drip_key(ANA_EMAIL, "a1"): drafted("p", NOW, state=PENDING)}
    (action,) = drips(world(article(1), article(2), ledger=ledger))
    assert action.state == DUE and action.key.endswith(":a1")
    assert "earlier attempt" in action.reason


def test_language_follows_the_contact() -> None:
    # a title of names only: the domain decides (a title in a language would, issue 15)
    bo = make_event(summary="Bo Ørsted", attendees=(me_attendee(), guest(BO_EMAIL, "Bo Ørsted")))
    key = "followup:evt1@google.com"
    ledger = {key: drafted(key, START, "followup", BO_EMAIL)}
    snapshot = Snapshot(events=(bo,), articles={"a1": article(1)},
                        matches={BO_EMAIL: (match(1, 3.0, BO_EMAIL),)}, ledger=ledger)  # fmt: skip
    config = make_config(drip=replace(DripConfig(), min_gap_days=1))
    (action,) = drip_actions(snapshot, (bo,), NOW, config)
    assert action.language == "da" and action.context["contact_names"] == ["Bo"]
    snapshot = replace(snapshot, contacts={BO_EMAIL: Contact(BO_EMAIL, language="en")})
    assert drip_actions(snapshot, (bo,), NOW, config)[0].language == "en"
    # what Bo writes decides before the domain (issue 15): his last mails are English
    snapshot = replace(snapshot, contacts={}, languages={BO_EMAIL: ("en", "en")})
    (action,) = drip_actions(snapshot, (bo,), NOW, config)
    assert action.language == "en"


def test_disabled_or_no_match_plans_nothing() -> None:
    assert drips(world(article(1), ledger=followup_done()), enabled=False) == ()
    assert drips(world(article(1), ledger=followup_done(), matches={})) == ()


def test_evaluate_includes_drips() -> None:
    snapshot = world(article(1), ledger=followup_done())
    config = make_config(drip=replace(DripConfig(), min_gap_days=14))
    kinds = [a.kind for a in evaluate(snapshot, NOW, config).actions]
    assert kinds == ["followup", "drip"]


def test_a_link_already_shared_under_another_id_is_not_shared_again() -> None:
    # comments of one post are articles of their own but share the post's link;
    # and an article stored before comments were told apart keeps its old id
    ledger = {**followup_done(), drip_key(ANA_EMAIL, "a1"): drafted("x", NOW - 40 * DAY)}
    post = "https://news.example/1"
    snapshot = world(article(1), article(2, url=post), article(3), ledger=ledger)
    assert [a.key for a in drips(snapshot)] == [drip_key(ANA_EMAIL, "a3")]
