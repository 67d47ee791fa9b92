"""Where you are with each target (issue 17), derived from mail, calendar and ledger,
never typed in: the one place that defines the stages.

    target -> asked -> nudged -> replied -> booked -> met -> followed up -> warm
                            \\-> quiet (no answer after the nudge)

- **asked**: you wrote to them (seen in Sent): kaffe's outreach draft sent, or mail of
  your own;
- **nudged**: kaffe's nudge was sent after it;
- **quiet**: ``[outreach] nudge_after_days`` passed after the nudge went out and
  nothing came back; kaffe writes no more;
- **replied**: they wrote to you (after you asked, or first);
- **booked**: a meeting with them is still to come;
- **met**: a meeting with them has ended;
- **followed up**: you wrote to them after the meeting;
- **warm**: after that, they wrote back or kaffe drafted a drip or check-in for them.

A later stage wins (a reply ends "quiet"). Pure: a function of the snapshot and ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kaffe.config.schema import Config
from kaffe.kinds import CHECKIN, DRIP, NUDGE, OUTREACH, THANKS
from kaffe.model import (
    DONE,
    FAILED,
    PENDING,
    RECEIVED,
    SENT,
    Event,
    Interaction,
    LedgerEntry,
    Snapshot,
    Target,
)
from kaffe.rules.cadence import entries_by_contact, meetings_by_person
from kaffe.rules.relations import draft_sent_at
from kaffe.rules.reuse import Reuse
from kaffe.timeutil import stamp

TARGET = "target"
ASKED = "asked"
NUDGED = "nudged"
QUIET = "quiet"
REPLIED = "replied"
BOOKED = "booked"
MET = "met"
FOLLOWED_UP = "followed up"
WARM = "warm"
# in the order a target moves through them (quiet is a dead end after nudged)
STAGES: tuple[str, ...] = (TARGET, ASKED, NUDGED, QUIET, REPLIED, BOOKED, MET, FOLLOWED_UP,
                           WARM)
WEEK = timedelta(days=7)


def outreach_key(email: str) -> str:
    return f"{OUTREACH}:{email}"


def nudge_key(email: str) -> str:
    return f"{NUDGE}:{email}"


def thanks_key(introducer: str, referral: str) -> str:
    return f"{THANKS}:{introducer}:{referral}"


@dataclass(frozen=True)
class Progress:
    """What mail, calendar and ledger say about one target at ``now``."""

    target: Target
    stage: str
    since: datetime | None  # when they reached the stage (None: not known)
    next_step: str  # what kaffe will do next, in words
    outreach: LedgerEntry | None = None  # kaffe's outreach draft
    asked: Interaction | None = None  # the first mail you sent them
    outreach_sent: Interaction | None = None  # the message that sent kaffe's outreach
    nudge: LedgerEntry | None = None
    nudge_sent: Interaction | None = None
    replied: Interaction | None = None  # their first mail after the outreach, else at all
    booked: Event | None = None  # the next meeting still to come
    met: Event | None = None  # the latest meeting that ended
    in_touch: str = ""  # why no outreach goes to them ("" = never mailed, never met)


def progress(target: Target, snapshot: Snapshot, now: datetime, config: Config,
             reuse: Reuse | None = None) -> Progress:
    """Where ``target`` stands at ``now`` (see the module docstring)."""
    email = target.email
    mail = [i for i in snapshot.interactions.get(email, ()) if i.at <= now]
    meetings = meetings_by_person(snapshot.events, reuse).get(email, [])
    entries = [e for e in entries_by_contact(snapshot.ledger, reuse).get(email, ())
               if e.updated <= now]
    outreach = snapshot.ledger.get(outreach_key(email))
    nudge = snapshot.ledger.get(nudge_key(email))
    outreach_sent = _sent(outreach, mail)
    nudge_sent = _sent(nudge, [i for i in mail if outreach_sent is None
                               or i.at > outreach_sent.at])
    sent = [i for i in mail if i.direction == SENT]
    received = [i for i in mail if i.direction == RECEIVED]
    past = [e for e in meetings if e.end <= now]
    future = [e for e in meetings if e.end > now]
    facts = Progress(
        target=target, stage=TARGET, since=None, next_step="",
        outreach=outreach, asked=sent[0] if sent else None, outreach_sent=outreach_sent,
        nudge=nudge, nudge_sent=nudge_sent, replied=_replied(received, outreach_sent),
        booked=future[0] if future else None, met=past[-1] if past else None,
        in_touch=_in_touch(sent, received, meetings, entries, config),
    )
    stage, since, step = _stage(facts, sent, received, past, entries, now, config)
    return replace(facts, stage=stage, since=since, next_step=step)


def _replied(received: list[Interaction], sent: Interaction | None) -> Interaction | None:
    """Their first mail after kaffe's outreach went out, else their first mail at all."""
    after = [i for i in received if sent is not None and i.at > sent.at]
    return after[0] if after else received[0] if received else None


def _sent(entry: LedgerEntry | None, mail: Sequence[Interaction]) -> Interaction | None:
    """The message that sent kaffe's draft of ``entry`` (None: not drafted or not sent)."""
    if entry is None or entry.state != DONE:
        return None
    return draft_sent_at(entry, mail)


def _in_touch(sent: list[Interaction], received: list[Interaction], meetings: list[Event],
              entries: list[LedgerEntry], config: Config) -> str:
    """Why a target is someone you are in touch with already ("" when not)."""
    zone = config.me.zone
    if meetings:
        return f'a meeting with them: "{meetings[0].summary}" on {stamp(meetings[0].start, zone)}'
    if received:
        return f"they wrote to you on {stamp(received[0].at, zone)}"
    if sent:
        return f"you wrote to them on {stamp(sent[0].at, zone)}"
    other = [e for e in entries if e.kind not in (OUTREACH, NUDGE)
             and e.state in (DONE, PENDING)]
    if other:
        return f"kaffe drafted to them before ({other[0].key})"
    return ""


def _stage(p: Progress, sent: list[Interaction], received: list[Interaction],
           past: list[Event], entries: list[LedgerEntry], now: datetime, config: Config
           ) -> tuple[str, datetime | None, str]:
    zone = config.me.zone
    wait = timedelta(days=config.outreach.nudge_after_days)
    if p.met is not None:
        first_end = past[0].end
        after = [i for i in sent if i.at > first_end]
        if not after:
            return MET, p.met.end, "a follow-up after the meeting"
        heard = [i for i in received if i.at > after[0].at]
        drips = [e for e in entries if e.kind in (DRIP, CHECKIN) and e.state == DONE
                 and e.updated > after[0].at]
        if heard or drips:
            since = min([*(i.at for i in heard[:1]), *(e.updated for e in drips[:1])])
            return WARM, since, "drips and check-ins as usual"
        return FOLLOWED_UP, after[0].at, "drips when an article matches what you talked about"
    if p.booked is not None:
        return (BOOKED, p.booked.updated,
                f"a prep brief before the meeting on {stamp(p.booked.start, zone)}")
    if p.replied is not None:
        return REPLIED, p.replied.at, "none: your turn to answer them and book a coffee"
    if p.nudge_sent is not None:
        quiet_at = p.nudge_sent.at + wait
        if now >= quiet_at:
            return QUIET, quiet_at, "none: no answer after the nudge; kaffe writes no more"
        return NUDGED, p.nudge_sent.at, "none: waiting for an answer"
    if p.asked is not None:
        if p.outreach_sent is None:
            return ASKED, p.asked.at, "none: you wrote to them yourself"
        if p.nudge is not None and p.nudge.state == DONE:
            return (ASKED, p.asked.at,
                    f"waiting for you to send the nudge drafted {stamp(p.nudge.updated, zone)}")
        if p.nudge is not None and p.nudge.state not in (PENDING, FAILED):
            return ASKED, p.asked.at, f"none: no nudge ({p.nudge.detail or 'skipped'})"
        due = p.outreach_sent.at + wait
        return ASKED, p.asked.at, f"one nudge from {stamp(due, zone)} if nothing comes back"
    if p.outreach is not None and p.outreach.state == DONE:
        return (TARGET, None, f"waiting for you to send the outreach drafted "
                f"{stamp(p.outreach.updated, zone)}")
    if p.outreach is not None and p.outreach.state not in (PENDING, FAILED):
        return TARGET, None, f"none: {p.outreach.detail or 'outreach skipped'}"
    if p.in_touch:
        return TARGET, None, f"none: in touch already ({p.in_touch})"
    if not config.outreach.enabled:
        return TARGET, None, "none: [outreach] enabled = false"
    return TARGET, None, "an outreach draft, paced by [outreach] per_week"


def all_progress(snapshot: Snapshot, now: datetime, config: Config,
                 reuse: Reuse | None = None) -> tuple[Progress, ...]:
    """Every target's progress, in the targets' order."""
    return tuple(progress(t, snapshot, now, config, reuse) for t in snapshot.targets)


def by_stage(found: Sequence[Progress]) -> dict[str, int]:
    """How many targets are at each stage, in the stages' order (empty ones left out)."""
    counts = {stage: sum(1 for p in found if p.stage == stage) for stage in STAGES}
    return {stage: n for stage, n in counts.items() if n}
