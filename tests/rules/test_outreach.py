"""Outreach, the one nudge, thank-yous and stages: pure functions of the snapshot."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from kaffe.compose.guard import check_draft
from kaffe.compose.render import Composer
from kaffe.config.schema import GuardConfig, OutreachConfig, SafetyConfig
from kaffe.model import (
    DONE,
    DUE,
    PENDING,
    SKIPPED,
    WAITING,
    Action,
    Contact,
    LedgerEntry,
    Recipient,
    Snapshot,
    Target,
)
from kaffe.rules.outreach import outreach_plan
from kaffe.rules.plan import evaluate
from kaffe.rules.stages import (
    ASKED,
    BOOKED,
    FOLLOWED_UP,
    MET,
    NUDGED,
    QUIET,
    REPLIED,
    TARGET,
    WARM,
    all_progress,
    by_stage,
    nudge_key,
    outreach_key,
    progress,
    thanks_key,
)
from tests.rules.factories import START, guest, mail, mailbox, make_config, make_event

DAY = timedelta(days=1)
NOW = START
BO, CY, DI, ED = ("bo@harbor.example", "cy@crane.example", "di@dock.example",
                  "ed@east.example")
TARGETS = tuple(Target(e, n, company=c, where=f"t.csv:{i + 2}") for i, (e, n, c) in enumerate(
    ((BO, "Bo Berg", "Harbor"), (CY, "Cy", "Crane"), (DI, "Di", "Dock"), (ED, "Ed", "East"))))


def config(**outreach: Any) -> Any:
    return make_config(outreach=OutreachConfig(**outreach))


def entry(key: str, at: Any, state: str = DONE, **fields: Any) -> LedgerEntry:
    kind = key.split(":", 1)[0]
    contact = key.split(":")[-1] if kind != "thanks" else key.split(":")[1]
    return LedgerEntry(key=key, kind=kind, state=state, updated=at, contact=contact, **fields)


def plan(snapshot: Snapshot, now: Any = NOW, **outreach: Any) -> dict[str, Action]:
    return {a.key: a for a in outreach_plan(snapshot, now, config(**outreach))}


def test_outreach_paced_in_file_order() -> None:
    actions = plan(Snapshot(targets=TARGETS))
    states = [actions[outreach_key(t.email)].state for t in TARGETS]
    assert states == [DUE, DUE, DUE, WAITING]
    assert "per_week = 3" in actions[outreach_key(ED)].reason
    assert "t.csv:2" in actions[outreach_key(BO)].reason


def test_pacing_counts_the_last_seven_days_of_the_ledger() -> None:
    ledger = {outreach_key(BO): entry(outreach_key(BO), NOW - 6 * DAY),
              outreach_key(CY): entry(outreach_key(CY), NOW - 2 * DAY)}
    actions = plan(Snapshot(targets=TARGETS, ledger=ledger))
    assert actions[outreach_key(BO)].state == DONE
    assert actions[outreach_key(DI)].state == DUE
    assert actions[outreach_key(ED)].state == WAITING
    assert actions[outreach_key(ED)].due_at == NOW + DAY  # when Bo's leaves the week
    # a day later Bo's left the window: Ed's turn
    later = plan(Snapshot(targets=TARGETS, ledger=ledger), NOW + DAY)
    assert later[outreach_key(ED)].state == DUE


def test_never_to_someone_in_touch() -> None:
    meeting = make_event(attendees=(guest(CY, "Cy"),), start=NOW + 3 * DAY)
    snapshot = Snapshot(targets=TARGETS, events=(meeting,),
                        interactions=mailbox(mail("received", NOW - 40 * DAY, contact=BO)))
    actions = plan(snapshot)
    assert actions[outreach_key(BO)].state == SKIPPED
    assert "they wrote to you" in actions[outreach_key(BO)].reason
    assert actions[outreach_key(CY)].state == SKIPPED
    assert "a meeting with them" in actions[outreach_key(CY)].reason
    assert [actions[outreach_key(e)].state for e in (DI, ED)] == [DUE, DUE]


def test_nothing_new_while_a_calendar_or_mailbox_is_unread() -> None:
    """A meeting or reply kaffe cannot see would make an outreach or a nudge wrong: they
    wait, saying why, and go out in the first cycle that reads everything."""
    snapshot = Snapshot(targets=TARGETS[:2], unread=("calendar:primary",))
    held = plan(snapshot)
    assert {a.state for a in held.values()} == {WAITING}
    assert all("calendar:primary could not be read" in a.reason for a in held.values())
    assert {a.state for a in plan(replace(snapshot, unread=())).values()} == {DUE}


def test_disabled_or_no_targets_nothing() -> None:
    assert plan(Snapshot(targets=TARGETS), enabled=False) == {}
    assert plan(Snapshot()) == {}


def _sent_outreach(at: Any, **extra: Any) -> Snapshot:
    sent = mail("sent", at + DAY, contact=BO, subject="Coffee and your view?",
                kaffe_key=outreach_key(BO), n=1)
    ledger = {outreach_key(BO): entry(outreach_key(BO), at), **extra.pop("ledger", {})}
    items = (sent, *extra.pop("mail", ()))
    return Snapshot(targets=TARGETS[:1], ledger=ledger, interactions=mailbox(*items), **extra)


def test_nudge_once_after_nudge_after_days_in_the_same_thread() -> None:
    snapshot = _sent_outreach(NOW)
    sent_at = NOW + DAY
    early = plan(snapshot, sent_at + 7 * DAY)[nudge_key(BO)]
    assert early.state == WAITING and early.due_at == sent_at + 8 * DAY
    nudge = plan(snapshot, sent_at + 8 * DAY)[nudge_key(BO)]
    assert nudge.state == DUE
    assert nudge.thread is not None and nudge.thread.in_reply_to == "<m1@mail.example>"
    assert nudge.thread.subject == "Re: Coffee and your view?"
    # drafted: never a second one, even weeks later with still no answer
    done = _sent_outreach(NOW, ledger={nudge_key(BO): entry(nudge_key(BO), sent_at + 8 * DAY)})
    for days in (9, 30, 90):
        assert plan(done, sent_at + days * DAY)[nudge_key(BO)].state == DONE


def test_no_nudge_before_the_outreach_is_sent() -> None:
    ledger = {outreach_key(BO): entry(outreach_key(BO), NOW)}
    assert nudge_key(BO) not in plan(Snapshot(targets=TARGETS[:1], ledger=ledger), NOW + 30 * DAY)


def test_reply_invitation_or_meeting_ends_the_sequence() -> None:
    reply = mail("received", NOW + 3 * DAY, contact=BO, n=2)
    nudge = plan(_sent_outreach(NOW, mail=(reply,)), NOW + 20 * DAY)[nudge_key(BO)]
    assert nudge.state == SKIPPED and "they answered" in nudge.reason
    invite = make_event(attendees=(guest(BO, "Bo"),), start=NOW + 25 * DAY)
    nudge = plan(_sent_outreach(NOW, events=(invite,)), NOW + 20 * DAY)[nudge_key(BO)]
    assert nudge.state == SKIPPED and "a meeting" in nudge.reason


def test_a_reply_after_earlier_mail_still_ends_it() -> None:
    before = mail("received", NOW + DAY / 2, contact=BO, n=7)  # before you sent it
    reply = mail("received", NOW + 5 * DAY, contact=BO, n=8)
    nudge = plan(_sent_outreach(NOW, mail=(before, reply)), NOW + 20 * DAY)[nudge_key(BO)]
    assert nudge.state == SKIPPED and "they answered" in nudge.reason


def test_stages_along_the_way() -> None:
    config_ = config()
    bo = TARGETS[0]

    def stage(snapshot: Snapshot, now: Any) -> str:
        return progress(bo, snapshot, now, config_).stage

    assert stage(Snapshot(targets=(bo,)), NOW) == TARGET
    asked = _sent_outreach(NOW)
    assert stage(asked, NOW + 2 * DAY) == ASKED
    nudge_mail = mail("sent", NOW + 10 * DAY, contact=BO, kaffe_key=nudge_key(BO), n=3)
    nudged = _sent_outreach(NOW, mail=(nudge_mail,),
                            ledger={nudge_key(BO): entry(nudge_key(BO), NOW + 9 * DAY)})
    assert stage(nudged, NOW + 11 * DAY) == NUDGED
    assert stage(nudged, NOW + 18 * DAY) == QUIET
    reply = mail("received", NOW + 20 * DAY, contact=BO, n=4)
    replied = _sent_outreach(NOW, mail=(nudge_mail, reply),
                             ledger={nudge_key(BO): entry(nudge_key(BO), NOW + 9 * DAY)})
    assert stage(replied, NOW + 21 * DAY) == REPLIED
    coffee = make_event(attendees=(guest(BO, "Bo"),), start=NOW + 30 * DAY)
    booked = _sent_outreach(NOW, mail=(reply,), events=(coffee,))
    assert stage(booked, NOW + 21 * DAY) == BOOKED
    assert stage(booked, NOW + 31 * DAY) == MET
    thanks = mail("sent", NOW + 31 * DAY, contact=BO, n=5)
    followed = _sent_outreach(NOW, mail=(reply, thanks), events=(coffee,))
    assert stage(followed, NOW + 32 * DAY) == FOLLOWED_UP
    answer = mail("received", NOW + 33 * DAY, contact=BO, n=6)
    warm = _sent_outreach(NOW, mail=(reply, thanks, answer), events=(coffee,))
    assert stage(warm, NOW + 34 * DAY) == WARM
    found = all_progress(warm, NOW + 34 * DAY, config_)
    assert by_stage(found) == {WARM: 1}


def test_thanks_to_the_introducer_once_met() -> None:
    referral = Target(CY, "Cy Crane", introduced_by="ana@partner.example", where="notes:a.md:3")
    coffee = make_event(attendees=(guest(CY, "Cy"),), start=NOW - timedelta(hours=4))
    snapshot = Snapshot(targets=(referral,), events=(coffee,),
                        contacts={"ana@partner.example": Contact("ana@partner.example",
                                                                 "Ana Silva")})
    key = thanks_key("ana@partner.example", CY)
    action = plan(snapshot)[key]
    assert action.state == DUE and action.to == (Recipient("ana@partner.example", "Ana Silva"),)
    assert action.context["referral_name"] == "Cy Crane"
    assert plan(snapshot, NOW - timedelta(hours=2, minutes=30))[key].state == WAITING
    assert plan(snapshot, NOW + 10 * DAY)[key].state == SKIPPED  # stale
    # its outreach named the introducer before the meeting
    before = Snapshot(targets=(referral,), contacts=snapshot.contacts)
    outreach = plan(before, NOW - 30 * DAY)[outreach_key(CY)]
    assert outreach.context["introducer_name"] == "Ana Silva"


def test_offer_from_the_target_else_the_best_match_else_none() -> None:
    me = {"offer": ("ten years of warehouse automation", "an intro to the crane guild")}
    targets = (Target(BO, "Bo", company="Harbor", offer="our port study"),
               Target(CY, "Cy", company="Crane works"),
               Target(DI, "Di", company="Bakery"))
    snapshot = Snapshot(targets=targets)
    cfg = make_config(me=me, outreach=OutreachConfig(per_week=5))
    found = {a.key: a.context["offer"] for a in outreach_plan(snapshot, NOW, cfg)}
    assert found == {outreach_key(BO): "our port study",
                     outreach_key(CY): "an intro to the crane guild",
                     outreach_key(DI): ""}


def test_who_you_are_and_your_offer_in_the_drafts_language() -> None:
    """An English offer or about line never lands in a Danish draft: the Danish one is
    used, else it is left out; a text too short to tell fits any language."""
    me = {"about": "I have spent eight years building data platforms for logistics firms",
          "about_in": {"da": "Jeg har i otte år bygget dataplatforme til logistikfirmaer"},
          "offer": ("eight years of data platform work in shipping and logistics",
                    "otte års arbejde med dataplatforme i shipping og logistik")}
    targets = (Target("jo@firma.dk", "Jo", company="Rederi", theme="logistik"),
               Target("lu@y.example", "Lu", company="Shipping Co", theme="logistics"))
    cfg = make_config(me=me, outreach=OutreachConfig(per_week=5))
    found = {a.to[0].email: a.context for a in outreach_plan(Snapshot(targets=targets), NOW,
                                                             cfg)}
    assert found["jo@firma.dk"]["me_about"].startswith("Jeg har i otte år")
    assert found["jo@firma.dk"]["offer"].startswith("otte års arbejde")
    assert found["lu@y.example"]["me_about"].startswith("I have spent")
    assert found["lu@y.example"]["offer"].startswith("eight years")
    english_only = make_config(me={"about": me["about"], "offer": (me["offer"][0], "dbt")},
                               outreach=OutreachConfig(per_week=5))
    danish = {a.to[0].email: a.context for a in outreach_plan(
        Snapshot(targets=(replace(targets[0], theme="dbt i logistik"),)), NOW,
        english_only)}["jo@firma.dk"]
    assert danish["me_about"] == "" and danish["offer"] == "dbt"


def test_language_column_wins_else_the_domain() -> None:
    targets = (Target("jo@firma.dk", "Jo"), Target("al@x.example", "Al", language="da"),
               Target("lu@y.example", "Lu"))
    langs = {a.to[0].email: a.language for a in outreach_plan(Snapshot(targets=targets), NOW,
                                                              config())}
    assert langs == {"jo@firma.dk": "da", "al@x.example": "da", "lu@y.example": "en"}


def test_drafts_pass_the_guard_in_both_languages() -> None:
    composer = Composer()
    target = Target(BO, "Bo", company="Harbor", theme="port automation", offer="an intro",
                    introduced_by="ana@partner.example")
    for language in ("en", "da"):
        snapshot = Snapshot(targets=(target,))
        (action,) = outreach_plan(snapshot, NOW, config())
        action = replace(action, language=language)
        draft = composer.render(action, Recipient("me@acme.example", "Mette"))
        assert not check_draft(draft, GuardConfig()).blocked
        assert "30" in draft.body


def test_the_plan_carries_outreach_and_the_caps_hold_it() -> None:
    cfg = make_config(outreach=OutreachConfig(), safety=SafetyConfig(max_drafts_per_cycle=2))
    result = evaluate(Snapshot(targets=TARGETS), NOW, cfg)
    kinds = [(a.key, a.state) for a in result.actions if a.kind == "outreach"]
    assert [s for _, s in kinds] == [DUE, DUE, WAITING, WAITING]


def test_a_pending_outreach_is_finished_outside_the_pace() -> None:
    ledger = {outreach_key(e): entry(outreach_key(e), NOW - DAY) for e in (CY, DI, ED)}
    ledger[outreach_key(BO)] = entry(outreach_key(BO), NOW - DAY, state=PENDING)
    actions = plan(Snapshot(targets=TARGETS, ledger=ledger))
    assert actions[outreach_key(BO)].state == DUE
