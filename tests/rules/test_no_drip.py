"""Why a contact you met gets no drip: one reason per way the drip rule says no, and
only for contacts you met (``kaffe plan`` prints them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from kaffe.config.schema import DripConfig, RelevanceConfig, SafetyConfig
from kaffe.model import DUE, WAITING, Article, Match, Snapshot, Topic
from kaffe.rules.drip import NoDrip, NoDripWhy, drip_key, drip_plan, number
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

MEETING = make_event()  # 2026-03-09 14:00-15:00 UTC, you and Ana
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
NOW = START + 20 * DAY
FOLLOWUP = "followup:evt1@google.com"
DEFAULT = number(RelevanceConfig().threshold)  # the default threshold as `kaffe plan` says it


def article(n: int, published: datetime | None = NOW - DAY, **overrides: Any) -> Article:
    fields: dict[str, Any] = {
        "id": f"a{n}", "feed": "Tech", "url": f"https://news.example/{n}",
        "title": f"Green hydrogen, part {n}", "summary": "Electrolysers at scale.",
        "published": published, "language": "en",
    }  # fmt: skip
    return Article(**{**fields, **overrides})


def match(n: int, score: float, contact: str = ANA_EMAIL) -> Match:
    return Match(contact, f"a{n}", score, ("hydrogen",), "green hydrogen")


def topic(text: str = "green hydrogen", contact: str = ANA_EMAIL) -> Topic:
    return Topic(contact, text, "note", START)


def drafted(key: str, at: datetime, kind: str = "drip", contact: str = ANA_EMAIL, **kw: Any):
    return ledger_entry(key, kw.pop("state", "done"), kind=kind, contact=contact, updated=at, **kw)


def world(*articles: Article, **fields: Any) -> Snapshot:
    """Ana met once, her follow-up drafted, her topic known; ``fields`` override."""
    fields.setdefault("ledger", {FOLLOWUP: drafted(FOLLOWUP, MEETING.end, "followup")})
    fields.setdefault("topics", {ANA_EMAIL: (topic(),)})
    return Snapshot(events=fields.pop("events", (MEETING,)),
                    articles={a.id: a for a in articles}, **fields)


def no_drip(snapshot: Snapshot, now: datetime = NOW, meetings: tuple = (MEETING,),
            **drip: Any) -> tuple[NoDrip, ...]:
    config = make_config(drip=replace(DripConfig(), **{"min_gap_days": 14, **drip}))
    return drip_plan(snapshot, meetings, now, config)[1]


def only(snapshot: Snapshot, **kw: Any) -> NoDrip:
    (reason,) = no_drip(snapshot, **kw)
    assert reason.contact == ANA_EMAIL
    return reason


def test_a_due_drip_needs_no_explanation() -> None:
    snapshot = world(article(1), matches={ANA_EMAIL: (match(1, 4.0),)})
    actions, reasons = drip_plan(snapshot, (MEETING,), NOW,
                                 make_config(drip=replace(DripConfig(), min_gap_days=14)))
    assert [a.state for a in actions] == [DUE] and reasons == ()


def test_no_topics() -> None:
    reason = only(world(article(1), topics={}))
    assert reason.why == NoDripWhy.NO_TOPICS
    assert reason.detail.startswith("no topics: ")
    assert f'kaffe note {ANA_EMAIL} "…"' in reason.detail


def test_no_fresh_article_shares_a_word() -> None:
    reason = only(world(article(1), near={}))  # near misses looked for: none
    assert reason.why == NoDripWhy.NO_ARTICLE
    assert reason.detail == ('no fresh article (of the last 14 days) shares a word with their '
                             'topics ("green hydrogen")')
    assert reason.article == "" and reason.score is None


def test_without_near_misses_looked_for_it_says_the_threshold() -> None:
    reason = only(world(article(1)))  # the daemon: Snapshot.near is None
    assert reason.why == NoDripWhy.NO_ARTICLE
    assert f"no fresh article scores at least the threshold {DEFAULT}" in reason.detail


def test_best_fresh_article_below_the_threshold_with_its_score() -> None:
    near = {ANA_EMAIL: (match(1, 0.9), match(2, 1.4), match(3, 1.9))}
    stale = article(3, published=NOW - 20 * DAY)  # scores best, but too old to share
    reason = only(world(article(1), article(2), stale, near=near))
    assert reason.why == NoDripWhy.BELOW_THRESHOLD
    threshold = RelevanceConfig().threshold
    assert (reason.article, reason.score, reason.threshold) == ("Green hydrogen, part 2", 1.4,
                                                                 threshold)
    assert reason.detail == ('best fresh article "Green hydrogen, part 2" scores 1.40 < '
                             f'threshold {DEFAULT} (topic "green hydrogen")')


def test_the_threshold_is_the_configured_one() -> None:
    config = make_config(relevance=RelevanceConfig(threshold=2.25))
    snapshot = world(article(1), near={ANA_EMAIL: (match(1, 1.4),)})
    (reason,) = drip_plan(snapshot, (MEETING,), NOW, config)[1]
    assert reason.threshold == 2.25 and "< threshold 2.25" in reason.detail


@pytest.mark.parametrize(("changes", "why"), [
    ({"url": ""}, "it has no public link"),
    ({"published": None}, "it has no date"),
    ({"published": NOW - 15 * DAY}, "it is more than 14 days old (max_article_age_days)"),
], ids=["no-link", "undated", "too-old"])
def test_matches_that_cannot_be_shared_say_why(changes: dict[str, Any], why: str) -> None:
    snapshot = world(article(1, **changes), matches={ANA_EMAIL: (match(1, 4.0),)})
    reason = only(snapshot)
    assert reason.why == NoDripWhy.UNSHAREABLE
    assert reason.detail == ('the best matching article "Green hydrogen, part 1" (score 4.00) '
                             f"cannot be shared: {why}")


def test_a_link_shared_before_is_not_shared_again() -> None:
    # a comment of a post already sent: its own id, the post's link
    comment = article(2, url="https://news.example/1")
    ledger = {FOLLOWUP: drafted(FOLLOWUP, MEETING.end, "followup"),
              drip_key(ANA_EMAIL, "a1"): drafted("d1", NOW - 40 * DAY)}
    snapshot = world(article(1), comment, ledger=ledger,
                     matches={ANA_EMAIL: (match(2, 4.0), match(2, 3.0))})
    reason = only(snapshot)
    assert reason.why == NoDripWhy.UNSHAREABLE
    assert reason.detail.endswith("its link was shared with them before; nor can the "
                                  "1 other that match")


def test_met_too_long_ago() -> None:
    late = START + 400 * DAY
    reason = only(world(article(1, published=late - DAY)), now=late)
    assert reason.why == NoDripWhy.MET_LONG_AGO
    assert reason.detail == "you last met on 2026-03-09, more than 365 days ago (horizon_days)"


def test_the_followup_comes_first() -> None:
    snapshot = world(article(1), ledger={}, matches={ANA_EMAIL: (match(1, 4.0),)})
    reason = only(snapshot, now=MEETING.end + timedelta(hours=3))
    assert reason.why == NoDripWhy.FOLLOWUP_PENDING
    assert reason.detail == ('the follow-up for "Coffee with Ana" comes first; would share '
                             '"Green hydrogen, part 1" (score 4.00)')
    assert (reason.article, reason.score) == ("Green hydrogen, part 1", 4.0)


def test_held_by_the_gap_until_a_date() -> None:
    ledger = {FOLLOWUP: drafted(FOLLOWUP, MEETING.end, "followup"),
              "drip:ana@partner.example:a9": drafted("d9", NOW - 10 * DAY)}
    snapshot = world(article(1), ledger=ledger, matches={ANA_EMAIL: (match(1, 4.0),)})
    reason = only(snapshot, min_gap_days=30)
    assert reason.why == NoDripWhy.GAP
    assert reason.until == NOW + 20 * DAY
    # [me] timezone is UTC in the factories' config
    assert reason.detail.startswith("held until 2026-04-18 14:00 UTC: the last touch (a draft "
                                    "by kaffe or a mail from you) was 2026-03-19 14:00 UTC, "
                                    "min_gap_days = 30; would share")


def test_paused_when_they_did_not_answer() -> None:
    ledger = {FOLLOWUP: drafted(FOLLOWUP, MEETING.end, "followup"),
              "drip:ana@partner.example:x1": drafted("x1", NOW - 60 * DAY)}
    sends = (mail("sent", MEETING.end + timedelta(hours=3), n=1), mail("sent", NOW - 59 * DAY))
    snapshot = world(article(1), ledger=ledger, interactions=mailbox(*sends),
                     matches={ANA_EMAIL: (match(1, 4.0),)})
    reason = only(snapshot, min_gap_days=1)
    assert reason.why == NoDripWhy.PAUSED and reason.until is None
    assert reason.detail.startswith("paused: 2 drafts you sent are unanswered "
                                    "(max_unanswered = 2); until they write back")


def test_held_by_the_yearly_cap() -> None:
    ledger = {FOLLOWUP: drafted(FOLLOWUP, MEETING.end, "followup"),
              "drip:ana@partner.example:x1": drafted("x1", NOW - 300 * DAY),
              "drip:ana@partner.example:x2": drafted("x2", NOW - 200 * DAY)}
    snapshot = world(article(1), ledger=ledger, matches={ANA_EMAIL: (match(1, 4.0),)})
    reason = only(snapshot, min_gap_days=1, max_per_year=2, max_unanswered=9)
    assert reason.why == NoDripWhy.YEARLY_CAP
    assert reason.until == NOW + 65 * DAY
    assert "2 drafted in the last 365 days (max_per_year = 2)" in reason.detail


def test_the_daily_cap_holds_the_lower_scores() -> None:
    people = [f"p{i}@other.example" for i in range(3)]
    meetings = tuple(
        make_event(id=f"e{i}", uid=f"e{i}@x", attendees=(me_attendee(), guest(p, "P")))
        for i, p in enumerate(people)
    )
    ledger = {f"followup:e{i}@x": drafted(f"f{i}", START, "followup", p)
              for i, p in enumerate(people)}
    matches = {p: (match(1, 3.0 + i, p),) for i, p in enumerate(people)}
    snapshot = Snapshot(events=meetings, articles={"a1": article(1)}, matches=matches,
                        ledger=ledger)
    actions, reasons = drip_plan(snapshot, meetings, NOW,
                                 make_config(drip=replace(DripConfig(), daily_cap=1,
                                                          min_gap_days=1)))
    assert [a.to[0].email for a in actions if a.state == DUE] == ["p2@other.example"]
    assert [(r.contact, r.why) for r in reasons] == [
        ("p0@other.example", NoDripWhy.DAILY_CAP), ("p1@other.example", NoDripWhy.DAILY_CAP)]
    assert reasons[0].detail.startswith("daily cap reached (1 drip and check-ins in 24 hours")
    assert reasons[0].score == 3.0


def test_the_draft_cap_of_safety_is_said_by_evaluate() -> None:
    # one draft a day, and one was made two hours ago (for someone else)
    ledger = {FOLLOWUP: drafted(FOLLOWUP, MEETING.end, "followup"),
              "followup:other": drafted("f", NOW - 2 * HOUR, "followup", "x@other.example")}
    snapshot = world(article(1), ledger=ledger, matches={ANA_EMAIL: (match(1, 4.0),)})
    config = make_config(drip=replace(DripConfig(), min_gap_days=14),
                         safety=replace(SafetyConfig(), max_drafts_per_day=1))
    plan = evaluate(snapshot, NOW, config, explain=True)
    assert [a.state for a in plan.actions if a.kind == "drip"] == [WAITING]
    (reason,) = plan.no_drip
    assert reason.why == NoDripWhy.DRAFT_CAP and reason.until == NOW + 22 * HOUR
    assert reason.detail.startswith("held back: cap reached: 1 draft held back until "
                                    "2026-03-30 12:00 UTC (max_drafts_per_day = 1); would share")


def test_only_contacts_you_met_are_listed() -> None:
    # Bo has topics and near misses but was never met; Ana was; a colleague is no contact
    bo, colleague = "bo@firma.dk", "kim@acme.example"
    meeting = make_event(attendees=(me_attendee(), guest(), guest(colleague, "Kim")),
                         summary="Coffee")
    snapshot = world(article(1), events=(meeting,),
                     topics={ANA_EMAIL: (topic(),), bo: (topic(contact=bo),),
                             colleague: (topic(contact=colleague),)},
                     near={bo: (match(1, 1.0, bo),), colleague: (match(1, 1.0, colleague),)})
    reasons = no_drip(snapshot, meetings=(meeting,))
    assert [r.contact for r in reasons] == [ANA_EMAIL]
    upcoming = make_event(start=NOW + DAY)  # met only in the future: not yet
    assert no_drip(world(article(1), events=(upcoming,)), meetings=(upcoming,)) == ()


def test_drips_off_explain_nothing() -> None:
    assert no_drip(world(article(1)), enabled=False) == ()


def test_evaluate_carries_the_reasons() -> None:
    config = make_config(drip=replace(DripConfig(), min_gap_days=14))
    plan = evaluate(world(article(1), topics={}), NOW, config, explain=True)
    assert [(r.contact, r.why) for r in plan.no_drip] == [(ANA_EMAIL, NoDripWhy.NO_TOPICS)]
    assert evaluate(world(article(1), topics={}), NOW, config).no_drip == ()  # the daemon's


def test_explaining_changes_no_action() -> None:
    ledger = {FOLLOWUP: drafted(FOLLOWUP, MEETING.end, "followup"),
              "drip:ana@partner.example:a9": drafted("d9", NOW - 10 * DAY)}
    snapshot = world(article(1), ledger=ledger, matches={ANA_EMAIL: (match(1, 4.0),)})
    config = make_config(drip=replace(DripConfig(), min_gap_days=30))
    quiet, told = evaluate(snapshot, NOW, config), evaluate(snapshot, NOW, config, explain=True)
    assert quiet.actions == told.actions and [a.state for a in told.actions] == ["done", WAITING]
    assert quiet.no_drip == () and [r.why for r in told.no_drip] == [NoDripWhy.GAP]
