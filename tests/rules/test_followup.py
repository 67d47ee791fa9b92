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
