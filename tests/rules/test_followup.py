from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from kaffe.model import (
    DONE,
    DUE,
    FAILED,
    PENDING,
    SKIPPED,
    WAITING,
    Attendee,
    Contact,
    Recipient,
)
from kaffe.rules.followup import followup_key, meeting_id
from kaffe.rules.plan import Plan, evaluate

from .factories import (
    ANA_EMAIL,
    START,
    guest,
    ledger_entry,
    make_config,
    make_event,
    make_snapshot,
    me_attendee,
)

KEY = "followup:evt1@google.com"
END = START + timedelta(hours=1)  # 2026-03-09 15:00 UTC


def plan_at(now: datetime, *events, config=None, **snapshot) -> Plan:
    events = events or (make_event(),)
    plan = evaluate(make_snapshot(*events, **snapshot), now, config or make_config())
    # prep briefs, drips and check-ins are tested in their own modules
    return replace(plan, actions=tuple(a for a in plan.actions if a.kind == "followup"))


def only_action(plan: Plan):
    (action,) = plan.actions
    return action


def test_due_followup(now: datetime) -> None:
    action = only_action(plan_at(now))
    assert (action.state, action.key, action.kind, action.template) == (
        DUE, KEY, "followup", "followup",
    )  # fmt: skip
    assert action.reason == (
        'coffee meeting "Coffee with Ana" ended 2026-03-09 15:00 UTC; follow-up due since 17:00'
    )
    assert action.to == (Recipient(ANA_EMAIL, "Ana Silva"),)
    assert action.due_at == END + timedelta(hours=2)
    assert action.event_key == "google:primary/evt1"


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (END - timedelta(minutes=30), WAITING),  # still in the meeting
        (END + timedelta(hours=1, minutes=59), WAITING),
        (END + timedelta(hours=2), DUE),  # exactly due
        (END + timedelta(days=7), DUE),  # exactly max_age_days: not yet stale
        (END + timedelta(days=7, seconds=1), SKIPPED),
    ],
)
def test_state_follows_the_clock(now: datetime, state: str) -> None:
    assert only_action(plan_at(now)).state == state


def test_waiting_says_when(now: datetime) -> None:
    action = only_action(plan_at(END + timedelta(minutes=10)))
    assert action.state == WAITING
    assert action.reason.endswith("ended 2026-03-09 15:00 UTC; follow-up due at 17:00")


def test_future_meeting_is_waiting(now: datetime) -> None:
    event = make_event(start=datetime(2026, 3, 12, 22, 30, tzinfo=UTC))
    action = only_action(plan_at(now, event))
    assert action.state == WAITING
    assert action.due_at == datetime(2026, 3, 13, 1, 30, tzinfo=UTC)
    assert "ends 2026-03-12 23:30 UTC; follow-up due at 2026-03-13 01:30 UTC" in action.reason


def test_stale_followup_is_skipped_with_its_age() -> None:
    action = only_action(plan_at(END + timedelta(days=9)))
    assert action.state == SKIPPED
    assert action.reason == "stale: the meeting ended 9 days ago (max_age_days = 7)"


def test_delay_and_max_age_come_from_config() -> None:
    config = make_config(followup={"delay_hours": 0.5, "max_age_days": 1.5})
    assert only_action(plan_at(END + timedelta(minutes=31), config=config)).state == DUE
    late = only_action(plan_at(END + timedelta(days=2), config=config))
    assert late.reason == "stale: the meeting ended 2 days ago (max_age_days = 1.5)"


@pytest.mark.parametrize(
    ("entry", "state", "reason_part"),
    [
        ({"state": DONE, "draft_id": "r-42"}, DONE, "draft r-42"),
        ({"state": SKIPPED, "detail": "stale: old"}, SKIPPED, "skipped earlier (stale: old)"),
        ({"state": PENDING}, DUE, "earlier attempt did not finish"),
        ({"state": FAILED, "detail": "transient: 503"}, DUE, "retrying after a failed attempt"),
    ],
)
def test_ledger_decides_first(now: datetime, entry: dict, state: str, reason_part: str) -> None:
    ledger = {KEY: ledger_entry(KEY, **entry)}
    action = only_action(plan_at(now, ledger=ledger))
    assert action.state == state
    assert reason_part in action.reason


def test_done_and_skipped_stay_so_whatever_the_clock() -> None:
    for state in (DONE, SKIPPED):
        ledger = {KEY: ledger_entry(KEY, state)}
        assert only_action(plan_at(END + timedelta(hours=3), ledger=ledger)).state == state


def test_pending_is_due_even_when_stale() -> None:
    """A pending key may already have its draft: the executor must look it up."""
    ledger = {KEY: ledger_entry(KEY, PENDING)}
    assert only_action(plan_at(END + timedelta(days=30), ledger=ledger)).state == DUE


def test_failed_and_stale_is_skipped() -> None:
    ledger = {KEY: ledger_entry(KEY, FAILED)}
    assert only_action(plan_at(END + timedelta(days=30), ledger=ledger)).state == SKIPPED


def test_disabled_followups_plan_nothing_but_still_judge(now: datetime) -> None:
    plan = plan_at(now, config=make_config(followup={"enabled": False}))
    assert plan.actions == ()
    assert len(plan.verdicts) == 1 and plan.verdicts[0][1].is_coffee


def test_same_meeting_in_two_calendars_is_followed_up_once(now: datetime) -> None:
    work = make_event()
    home = make_event(calendar="ics:home", id="x9")
    other = make_event(id="evt2", uid="evt2@google.com")
    plan = plan_at(now, work, home, other)
    assert len(plan.verdicts) == 2  # one per meeting: merged by iCalUID
    assert [a.key for a in plan.actions] == [KEY, "followup:evt2@google.com"]


def test_non_coffee_events_are_judged_but_get_no_action(now: datetime) -> None:
    standup = make_event(id="s", uid="s@x", summary="Daily standup")
    plan = plan_at(now, standup)
    assert plan.actions == ()
    assert plan.verdicts[0][1].veto == 'title mentions "stand-up" (excluded)'


def test_verdicts_are_in_start_order(now: datetime) -> None:
    late = make_event(id="b", uid="b@x", start=START + timedelta(days=1))
    early = make_event(id="a", uid="a@x")
    assert [e.id for e, _ in plan_at(now, late, early).verdicts] == ["a", "b"]
    assert [a.key for a in plan_at(now, late, early).actions] == ["followup:a@x", "followup:b@x"]


def test_recipients_are_the_people_from_outside(now: datetime) -> None:
    attendees = (
        me_attendee(),
        guest("bo@acme.example", "Bo"),
        guest("cy@other.example", "Cy Twombly"),
        Attendee("room@resource.calendar.google.com", "Room", resource=True),
    )
    event = make_event(attendees=attendees, organizer="di@other.example")
    action = only_action(plan_at(now, event))
    assert action.to == (Recipient("cy@other.example", "Cy Twombly"), Recipient("di@other.example"))
    assert action.context["contact_names"] == ["Cy", "Di"]


def test_only_colleagues_means_no_one_to_write_to(now: datetime) -> None:
    config = make_config(detect={"require_external": False})
    event = make_event(attendees=(me_attendee(), guest("bo@acme.example", "Bo")))
    action = only_action(plan_at(now, event, config=config))
    assert action.state == SKIPPED and "no one from outside" in action.reason
    assert action.to == ()


def test_context_holds_what_the_template_needs(now: datetime) -> None:
    contacts = {ANA_EMAIL: Contact(ANA_EMAIL, "Ana", language="pt")}
    action = only_action(plan_at(now, contacts=contacts))
    assert action.language == "pt"
    assert action.context == {
        "contact_names": ["Ana"],
        "me_name": "Mette Jensen",
        "meeting_title": "Coffee with Ana",
        "meeting_date": date(2026, 3, 9),
        "meeting_start": START,
        "location": "Café Det Vide Hus, Krystalgade 24, København",
        "topics": [],
        "language": "pt",
        "insight": "",
    }


def test_me_name_falls_back_to_my_address(now: datetime) -> None:
    config = make_config(me={"name": "", "addresses": ("mette.jensen@acme.example",)})
    attendees = (me_attendee(email="mette.jensen@acme.example"), guest())
    action = only_action(plan_at(now, make_event(attendees=attendees), config=config))
    assert action.context["me_name"] == "Mette"


class TestMeetingId:
    def test_uid_wins_over_the_event_key(self) -> None:
        assert meeting_id(make_event()) == "evt1@google.com"
        assert meeting_id(make_event(uid="")) == "google:primary/evt1"

    def test_recurring_instances_carry_their_original_start(self) -> None:
        slot = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
        moved = make_event(
            id="r_20260309T140000Z",
            uid="r@google.com",
            recurring_event_id="r",
            original_start=slot,
            start=slot + timedelta(days=1),
        )
        assert meeting_id(moved) == "r@google.com@20260309T140000Z"
        assert followup_key(moved) == "followup:r@google.com@20260309T140000Z"

    def test_instance_without_original_start_uses_its_start(self) -> None:
        event = make_event(uid="r@google.com", recurring_event_id="r")
        assert meeting_id(event) == "r@google.com@20260309T140000Z"

    def test_instances_of_one_series_get_separate_followups(self, now: datetime) -> None:
        week = [
            make_event(
                id=f"r_{i}",
                uid="r@google.com",
                recurring_event_id="r",
                start=START - timedelta(days=7 * i),
            )
            for i in range(2)
        ]
        keys = [a.key for a in plan_at(now, *week).actions]
        assert len(set(keys)) == 2

    def test_id_is_stable_across_calendars(self) -> None:
        a = make_event()
        assert meeting_id(a) == meeting_id(replace(a, calendar="caldav:work", id="other"))


def test_followup_lists_the_meetings_topics_and_your_notes(now: datetime) -> None:
    from kaffe.model import Topic

    event = make_event()
    at = event.start
    topics = {
        "ana@partner.example": (
            Topic("ana@partner.example", "data mesh", f"event:{event.key}", at),
            Topic("ana@partner.example", "hiring", "notes:ana.md", at),
            Topic("ana@partner.example", "old meeting topic", "event:google:primary/old", at),
        )
    }
    (action,) = plan_at(now, event, topics=topics).actions
    assert action.context["topics"] == ["data mesh", "hiring"]


# --- one follow-up per contact per max_age_days (issue 12, item 3) -------------------

def meeting(n: int, **overrides):
    """The ``n``-th one-off coffee with Ana, a day apart."""
    return make_event(id=f"evt{n}", uid=f"evt{n}@google.com",
                      start=START + timedelta(days=n), **overrides)


def test_one_followup_per_contact_per_max_age_days() -> None:
    """Ana got a thank-you two days ago: the next meeting's is skipped, and says why."""
    done = ledger_entry("followup:evt0@google.com", DONE, updated=END + timedelta(hours=2),
                        contact=ANA_EMAIL)
    now = END + timedelta(days=2, hours=3)
    plan = plan_at(now, meeting(0), meeting(2), ledger={done.key: done})
    action = {a.key: a for a in plan.actions}["followup:evt2@google.com"]
    assert action.state == SKIPPED
    assert "ana@partner.example got a follow-up on 2026-03-09 17:00 UTC" in action.reason
    assert "max_age_days = 7" in action.reason


def test_after_max_age_days_the_contact_gets_the_next_one() -> None:
    done = ledger_entry("followup:evt0@google.com", DONE, updated=END + timedelta(hours=2),
                        contact=ANA_EMAIL)
    now = END + timedelta(days=8, hours=3)
    plan = plan_at(now, meeting(0), meeting(8), ledger={done.key: done})
    assert {a.key: a.state for a in plan.actions}["followup:evt8@google.com"] == DUE


def test_the_ledger_names_one_recipient_and_the_meeting_the_others() -> None:
    """A thank-you to Ana and Bo counts for Bo too, though the ledger names only Ana."""
    bo = guest("bo@other.example", "Bo")
    both = meeting(0, attendees=(me_attendee(), guest(), bo))
    done = ledger_entry("followup:evt0@google.com", DONE, updated=END + timedelta(hours=2),
                        contact=ANA_EMAIL)
    only_bo = meeting(2, attendees=(me_attendee(), bo))
    plan = plan_at(END + timedelta(days=2, hours=3), both, only_bo, ledger={done.key: done})
    assert {a.key: a.state for a in plan.actions}["followup:evt2@google.com"] == SKIPPED


def test_a_catch_up_drafts_the_latest_meeting_and_the_others_wait() -> None:
    """Down for three days with two meetings with Ana: the later one's follow-up goes
    first; the earlier one waits, and is skipped once the later one is drafted."""
    now = END + timedelta(days=3)
    states = {a.key: a for a in plan_at(now, meeting(0), meeting(1)).actions}
    assert states["followup:evt1@google.com"].state == DUE
    waiting = states["followup:evt0@google.com"]
    assert waiting.state == WAITING and "goes first" in waiting.reason
    done = ledger_entry("followup:evt1@google.com", DONE, updated=now, contact=ANA_EMAIL)
    again = {a.key: a.state for a in plan_at(now + timedelta(minutes=15), meeting(0), meeting(1),
                                             ledger={done.key: done}).actions}
    assert again == {"followup:evt0@google.com": SKIPPED, "followup:evt1@google.com": DONE}


def test_a_pending_followup_is_never_held_back() -> None:
    pending = ledger_entry("followup:evt0@google.com", PENDING, contact=ANA_EMAIL)
    now = END + timedelta(days=3)
    states = {a.key: a.state for a in plan_at(now, meeting(0), meeting(1),
                                              ledger={pending.key: pending}).actions}
    assert states["followup:evt0@google.com"] == DUE


def test_a_stranger_with_a_hundred_meetings_gets_one_followup() -> None:
    """Even an accepted flood of meetings with one person is thanked for once."""
    flood = [make_event(id=f"b{i}", uid=f"b{i}@x", summary="Coffee chat",
                        start=START + timedelta(hours=i), minutes=30) for i in range(100)]
    now = START + timedelta(hours=103)
    due = [a for a in plan_at(now, *flood).actions if a.state == DUE]
    assert len(due) == 1
