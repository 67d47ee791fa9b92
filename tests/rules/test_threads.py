"""Follow-ups skip contacts you already wrote to, and reply in the arranging thread."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kaffe.model import DUE, SKIPPED, WAITING
from kaffe.rules.plan import evaluate
from kaffe.rules.threads import reply_subject, strip_reply_prefix, thread_for
from tests.rules.factories import (
    START,
    ledger_entry,
    mail,
    mailbox,
    make_config,
    make_event,
    make_snapshot,
)

END = START + timedelta(hours=1)
LATER = END + timedelta(hours=5)


def followup(snapshot, now=LATER, **config):
    (action,) = evaluate(snapshot, now, make_config(**config)).actions
    return action


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Coffee?", "Coffee?"),
        ("Re: Coffee?", "Coffee?"),
        ("RE: Re: Coffee?", "Coffee?"),
        ("Sv: Kaffe?", "Kaffe?"),
        ("AW:Kaffee", "Kaffee"),
        ("Fwd: Re[2]: Coffee", "Coffee"),
        ("Regarding coffee", "Regarding coffee"),
    ],
)
def test_reply_prefixes_are_stripped_once(subject, stripped):
    assert strip_reply_prefix(subject) == stripped
    assert reply_subject(subject) == f"Re: {stripped}"


def test_you_wrote_after_the_meeting_so_no_followup():
    sent = mail("sent", END + timedelta(minutes=30), subject="Great to meet you")
    action = followup(make_snapshot(make_event(), interactions=mailbox(sent)))
    assert action.state == SKIPPED
    assert action.reason.startswith("you wrote to ana@partner.example on ")
    assert "Great to meet you" in action.reason


def test_writing_before_the_due_time_also_skips():
    sent = mail("sent", END + timedelta(minutes=10))
    action = followup(make_snapshot(make_event(), interactions=mailbox(sent)),
                      now=END + timedelta(minutes=20))
    assert action.state == SKIPPED


def test_mail_before_the_meeting_or_from_them_does_not_skip():
    before = mail("sent", START - timedelta(days=2))
    theirs = mail("received", END + timedelta(hours=1))
    action = followup(make_snapshot(make_event(), interactions=mailbox(before, theirs)))
    assert action.state == DUE


def test_mail_after_now_is_not_seen_yet():
    future = mail("sent", LATER + timedelta(hours=1))
    snapshot = make_snapshot(make_event(), interactions=mailbox(future))
    assert followup(snapshot).state == DUE
    assert followup(snapshot, now=END - timedelta(minutes=5)).state == WAITING


def test_a_done_followup_stays_done_after_you_send_it():
    from kaffe.rules.followup import followup_key

    event = make_event()
    sent = mail("sent", END + timedelta(hours=3))
    done = {followup_key(event): ledger_entry(followup_key(event), "done", draft_id="r1")}
    action = followup(make_snapshot(event, interactions=mailbox(sent), ledger=done))
    assert action.state == "done"


def test_followup_replies_in_the_latest_thread_with_the_contact():
    asked = mail("received", START - timedelta(days=5), thread="t1", subject="Coffee next week?",
                 n=1)
    agreed = mail("sent", START - timedelta(days=4), thread="t1", subject="Re: Coffee next week?",
                  n=2, references=("<m1@mail.example>",))
    old = mail("received", START - timedelta(days=60), thread="t0", subject="Old stuff", n=0)
    action = followup(make_snapshot(make_event(), interactions=mailbox(asked, agreed, old)))
    assert action.state == DUE
    assert action.thread is not None
    assert action.thread.thread_id == "t1"
    assert action.thread.in_reply_to == "<m2@mail.example>"
    assert action.thread.references == ("<m1@mail.example>", "<m2@mail.example>")
    assert action.thread.subject == "Re: Coffee next week?"


def test_no_recent_thread_means_a_new_message():
    old = mail("received", START - timedelta(days=60))
    action = followup(make_snapshot(make_event(), interactions=mailbox(old)))
    assert action.thread is None


def test_thread_days_zero_never_replies():
    recent = mail("received", START - timedelta(days=1))
    action = followup(make_snapshot(make_event(), interactions=mailbox(recent)),
                      followup={"thread_days": 0})
    assert action.thread is None


def test_an_emailed_invitation_thread_is_used():
    event = make_event(thread_id="tinv")
    invite = mail("received", START - timedelta(days=90), thread="tinv",
                  subject="Invitation: Coffee", n=5)
    thread = thread_for(event, [invite], LATER, 30)
    assert thread is not None and thread.thread_id == "tinv"
    assert thread.subject == "Re: Invitation: Coffee"


def test_mail_with_someone_else_is_ignored():
    other = mail("sent", END + timedelta(minutes=30), contact="bob@elsewhere.example")
    action = followup(make_snapshot(make_event(), interactions=mailbox(other)))
    assert action.state == DUE and action.thread is None


def test_later_cancel_by_mail_cancels_the_calendar_meeting():
    calendar = make_event(updated=START - timedelta(days=3))
    cancel = replace(calendar, calendar="mail:gmail", id="evt1@google.com", status="cancelled",
                     updated=START - timedelta(days=1))
    plan = evaluate(make_snapshot(calendar, cancel), LATER, make_config())
    assert plan.actions == ()
    ((event, verdict),) = plan.verdicts
    assert event.status == "cancelled" and not verdict.is_coffee


def test_mail_invitation_alone_becomes_a_meeting_and_a_followup():
    invite = make_event(calendar="mail:gmail", id="evt1@google.com", thread_id="tinv")
    action = followup(make_snapshot(invite))
    assert action.state == DUE and action.key == "followup:evt1@google.com"


def test_only_msg_ids_are_taken_from_the_other_sides_headers():
    """Their References split on spaces gave comments and junk as "ids"; their
    Message-ID may carry a comment too: a reply copies the <msg-id>s alone."""
    junk = ("<m1@mail.example>", "(sent", "from", "my", "phone)", "<not", "an", "id>",
            "<m0@mail.example>,<m1@mail.example>", "Bcc:", "x@evil.example")
    theirs = mail("received", START - timedelta(days=4), references=junk,
                  message_id="<m2@mail.example> (Ana's Outlook)")
    thread = thread_for(make_event(), [theirs], LATER, 30)
    assert thread is not None
    assert thread.in_reply_to == "<m2@mail.example>"
    assert thread.references == ("<m1@mail.example>", "<m0@mail.example>", "<m2@mail.example>")


def test_a_message_id_that_is_no_msg_id_gives_no_thread():
    """Gmail threads a draft only when In-Reply-To/References name a message of the
    thread: with no <msg-id> at all a reply would land apart anyway, so kaffe writes
    a new message under its own subject instead of a "Re:" that joins nothing."""
    theirs = mail("received", START - timedelta(days=4), message_id="no id at all")
    assert thread_for(make_event(), [theirs], LATER, 30) is None
    with_refs = replace(theirs, references=("<m1@mail.example>",))
    thread = thread_for(make_event(), [with_refs], LATER, 30)
    assert thread is not None and thread.in_reply_to == ""
    assert thread.references == ("<m1@mail.example>",)
