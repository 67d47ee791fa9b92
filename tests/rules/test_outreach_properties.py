"""Property: over random timelines of targets, sends, replies and meetings, simulated
one cycle a day with every DUE draft recorded in a ledger, there is never a second
nudge, never an outreach to anyone already in touch, never a week over per_week,
and never a nudge after a reply or a meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaffe.config.schema import OutreachConfig
from kaffe.model import DONE, DUE, Interaction, LedgerEntry, Snapshot, Target
from kaffe.rules.outreach import outreach_plan
from kaffe.rules.stages import nudge_key, outreach_key
from tests.rules.factories import guest, mailbox, make_config, make_event, me_attendee

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
DAYS = 60


@dataclass
class Person:
    prior: bool  # wrote to you before the campaign
    send_after: int | None  # days after a draft is made that you send it (None: never)
    reply_day: int | None
    meeting_day: int | None


person = st.builds(Person, st.booleans(),
                   st.one_of(st.none(), st.integers(0, 5)),
                   st.one_of(st.none(), st.integers(0, DAYS)),
                   st.one_of(st.none(), st.integers(0, DAYS)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(person, min_size=1, max_size=8), st.integers(0, 4), st.integers(1, 12))
def test_campaign_invariants(people: list[Person], per_week: int, nudge_days: int) -> None:
    emails = [f"p{i}@t{i}.example" for i in range(len(people))]
    targets = tuple(Target(e, f"P{i}") for i, e in enumerate(emails))
    config = make_config(outreach=OutreachConfig(per_week=per_week,
                                                 nudge_after_days=nudge_days))
    ledger: dict[str, LedgerEntry] = {}
    mail: list[Interaction] = []
    events = []
    for email, p in zip(emails, people, strict=True):
        if p.prior:
            mail.append(Interaction(email, "received", T0 - 30 * DAY, f"m/prior-{email}"))
        if p.meeting_day is not None:
            start = T0 + p.meeting_day * DAY + timedelta(hours=5)
            events.append(make_event(id=f"e-{email}", uid=f"e-{email}", start=start,
                                     attendees=(me_attendee(), guest(email, "P"))))
    drafted_at: dict[str, datetime] = {}
    for day in range(DAYS):
        now = T0 + day * DAY
        for email, p in zip(emails, people, strict=True):  # what happened by today
            if p.reply_day == day and any(k.endswith(email) for k in drafted_at):
                mail.append(Interaction(email, "received", now - timedelta(hours=1),
                                        f"m/reply-{email}"))
            for key in (outreach_key(email), nudge_key(email)):
                at = drafted_at.get(key)
                if at is not None and p.send_after is not None and \
                        (now - at).days == p.send_after:
                    mail.append(Interaction(email, "sent", now - timedelta(minutes=30),
                                            f"m/{key}", thread_id=f"t-{email}",
                                            message_id=f"<{key}@x>", kaffe_key=key))
        snapshot = Snapshot(targets=targets, ledger=dict(ledger), events=tuple(events),
                            interactions=mailbox(*mail))
        for action in outreach_plan(snapshot, now, config):
            if action.state != DUE:
                continue
            email = action.to[0].email
            assert action.key not in ledger, "drafted twice"
            mine = [i for i in mail if i.contact == email and i.at <= now]
            met = [e for e in events if email in {a.email for a in e.attendees}]
            if action.kind == "outreach":
                assert not mine and not met, "outreach to someone in touch"
            if action.kind == "nudge":
                sent = next(i for i in mine if i.kaffe_key == outreach_key(email))
                assert not [i for i in mine if i.direction == "received" and i.at > sent.at]
                assert not met, "a nudge after an invitation or meeting"
                assert now >= sent.at + timedelta(days=nudge_days)
            ledger[action.key] = LedgerEntry(action.key, action.kind, DONE, now,
                                             contact=email)
            drafted_at[action.key] = now
    outreach = sorted(e.updated for e in ledger.values() if e.kind == "outreach")
    for i, start in enumerate(outreach):
        in_week = [t for t in outreach[i:] if t < start + 7 * DAY]
        assert len(in_week) <= per_week, "a week over per_week"
    nudges = [e for e in ledger.values() if e.kind == "nudge"]
    assert len({e.contact for e in nudges}) == len(nudges)  # one per target at most
