"""Check-ins: one per silence, after ``after_days`` both ways, under the drip cadence."""

from __future__ import annotations

from dataclasses import replace

from kaffe.config.schema import CheckinConfig, DripConfig
from kaffe.model import DUE, WAITING, Snapshot
from kaffe.rules.checkin import checkin_actions, checkin_key, silence_start
from kaffe.rules.drip import drip_actions

from .factories import (
    ANA_EMAIL,
    START,
    guest,
    mail,
    mailbox,
    make_config,
    make_event,
    me_attendee,
)
from .test_drip import BO_EMAIL, DAY, MEETING, article, drafted, followup_done, match

LATER = MEETING.end + 130 * DAY


def checkins(snapshot: Snapshot, now=LATER, **drip):
    config = make_config(drip=replace(DripConfig(), **drip))
    return checkin_actions(snapshot, (MEETING,), now, config)


def silent(**fields) -> Snapshot:
    events = fields.pop("events", (MEETING,))
    return Snapshot(events=events, ledger=fields.pop("ledger", followup_done()), **fields)


def test_due_after_after_days_of_silence_keyed_by_its_start() -> None:
    (action,) = checkins(silent())
    assert (action.kind, action.state, action.template) == ("checkin", DUE, "checkin")
    assert action.key == checkin_key(ANA_EMAIL, MEETING.end)
    assert action.key == "checkin:ana@partner.example:2026-03-09"
    assert "130 days of silence with ana@partner.example" in action.reason
    assert action.context["article_title"] == ""


def test_not_before_after_days() -> None:
    assert checkins(silent(), now=MEETING.end + 119 * DAY) == ()


def test_mail_either_way_restarts_the_silence() -> None:
    snapshot = silent(interactions=mailbox(mail("received", MEETING.end + 30 * DAY)))
    assert silence_start(snapshot, ANA_EMAIL, LATER) == MEETING.end + 30 * DAY
    assert checkins(snapshot) == ()
    assert checkins(snapshot, now=MEETING.end + 151 * DAY)[0].key.endswith("2026-04-08")


def test_an_upcoming_meeting_means_no_checkin() -> None:
    upcoming = make_event(id="e2", uid="e2@x", start=LATER + 3 * DAY)
    assert checkins(silent(events=(MEETING, upcoming))) == ()


def test_one_per_silence() -> None:
    key = checkin_key(ANA_EMAIL, MEETING.end)
    ledger = {**followup_done(), key: drafted(key, LATER - 40 * DAY, kind="checkin")}
    assert checkins(silent(ledger=ledger)) == ()


def test_same_cadence_as_drips() -> None:
    ledger = {**followup_done(), "drip:ana@partner.example:x": drafted("x", LATER - 5 * DAY)}
    (action,) = checkins(silent(ledger=ledger))
    assert action.state == WAITING and "next one possible from" in action.reason
    (action,) = checkins(silent(), max_per_year=0)
    assert action.state == WAITING and "max_per_year = 0" in action.reason


def test_carries_the_best_fresh_article() -> None:
    snapshot = silent(articles={"a1": article(1, published=LATER - DAY)},
                      matches={ANA_EMAIL: (match(1, 4.0),)})  # fmt: skip
    (action,) = checkins(snapshot)
    assert action.context["article_url"] == "https://news.example/1"
    assert "with \"Data mesh in practice, part 1\" on \"data mesh\"" in action.reason


def test_a_due_drip_wins_and_they_share_the_daily_cap() -> None:
    snapshot = silent(articles={"a1": article(1, published=LATER - DAY)},
                      matches={ANA_EMAIL: (match(1, 4.0),)})  # fmt: skip
    config = make_config()
    drips = drip_actions(snapshot, (MEETING,), LATER, config)
    assert [a.state for a in drips] == [DUE]
    assert checkin_actions(snapshot, (MEETING,), LATER, config, planned=drips) == ()
    capped = make_config(drip=replace(DripConfig(), daily_cap=0))
    assert checkin_actions(silent(), (MEETING,), LATER, capped)[0].state == WAITING


def test_a_due_drip_and_another_contacts_checkin_share_the_daily_cap() -> None:
    # Ana (met 20 days ago) has a fresh article: her drip is DUE. Bo has been silent
    # for 130 days and his check-in carries a better-scored article. With a daily cap
    # of one, only one of them may be DUE, whichever the scores favour.
    recent = make_event(id="e2", uid="e2@x", start=LATER - 20 * DAY)
    bo_meeting = make_event(id="e3", uid="e3@x", attendees=(me_attendee(), guest(BO_EMAIL, "Bo")))
    ledger = {"followup:e2@x": drafted("f2", recent.end + DAY, "followup"),
              "followup:e3@x": drafted("f3", MEETING.end + DAY, "followup", BO_EMAIL)}
    meetings = (recent, bo_meeting)
    snapshot = silent(events=meetings, ledger=ledger,
                      articles={"a1": article(1, published=LATER - DAY)},
                      matches={ANA_EMAIL: (match(1, 4.0),),
                               BO_EMAIL: (match(1, 9.0, BO_EMAIL),)})  # fmt: skip
    config = make_config(drip=replace(DripConfig(), daily_cap=1, horizon_days=100,
                                      min_gap_days=7))
    drips = drip_actions(snapshot, meetings, LATER, config)
    assert [(a.to[0].email, a.state) for a in drips] == [(ANA_EMAIL, DUE)]
    checkins = checkin_actions(snapshot, meetings, LATER, config, planned=drips)
    assert [a.to[0].email for a in checkins] == [BO_EMAIL]
    assert [a.state for a in (*drips, *checkins)].count(DUE) == 1
    assert "daily cap reached" in checkins[0].reason


def test_disabled() -> None:
    config = make_config(checkin=CheckinConfig(enabled=False))
    assert checkin_actions(silent(), (MEETING,), LATER, config) == ()
    assert START < LATER
