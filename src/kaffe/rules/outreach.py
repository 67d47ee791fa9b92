"""Meeting new people (issue 17): an outreach draft to each target you have never
mailed or met, one nudge when it got no answer, and a thank-you to whoever referred
you once you met the person they named.

- **outreach** (``outreach:<email>``): in the targets' order, at most ``[outreach]
  per_week`` drafted in any 7 days (the ledger's outreach entries count); never to
  someone you are in touch with (any mail either way, any meeting, any other kaffe
  draft): that one is skipped for good, with why.
- **nudge** (``nudge:<email>``): once, ``nudge_after_days`` after kaffe's outreach was
  *sent* (seen in Sent), when no reply, invitation or meeting followed; in the same
  thread. A reply, an invitation or a meeting ends it (skipped for good).
- **thanks** (``thanks:<introducer>:<referral>``): once the meeting with a referred
  target ended, a short thank-you to the introducer; stale as a follow-up is.

Pure: every answer is a function of the snapshot, the config and ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from kaffe.config.schema import Config
from kaffe.kinds import NUDGE, OUTREACH, THANKS
from kaffe.language import Choice
from kaffe.model import (
    DONE,
    DUE,
    FAILED,
    PENDING,
    SKIPPED,
    WAITING,
    Action,
    Event,
    LedgerEntry,
    Recipient,
    Snapshot,
    Target,
    ThreadRef,
)
from kaffe.rules.cadence import drafted, me_name
from kaffe.rules.language import choose_language
from kaffe.rules.people import first_name
from kaffe.rules.reuse import Reuse
from kaffe.rules.stages import (
    WEEK,
    Progress,
    all_progress,
    nudge_key,
    outreach_key,
    thanks_key,
)
from kaffe.rules.threads import reply_to
from kaffe.timeutil import local_day, stamp
from kaffe.wording import plural


def outreach_plan(snapshot: Snapshot, now: datetime, config: Config,
                  reuse: Reuse | None = None) -> tuple[Action, ...]:
    """The outreach, nudges and thank-yous at ``now``, in the targets' order."""
    if not config.outreach.enabled or not snapshot.targets:
        return ()
    found = all_progress(snapshot, now, config, reuse)
    outreach = _paced([_outreach(p, snapshot, now, config) for p in found], snapshot, now,
                      config)
    nudges = [a for p in found if (a := _nudge(p, snapshot, now, config)) is not None]
    thanks = [a for p in found if (a := _thanks(p, snapshot, now, config)) is not None]
    first = [a for a in (*outreach, *nudges) if a is not None]
    return (*_held_while_unread(first, snapshot), *thanks)


def _held_while_unread(actions: Sequence[Action], snapshot: Snapshot) -> list[Action]:
    """While a calendar or mailbox could not be read, the outreach and nudges due wait:
    a meeting or a reply kaffe cannot see would make them wrong (and a skip decided
    on what it can see stands)."""
    if not snapshot.unread:
        return list(actions)
    unread = ", ".join(snapshot.unread)
    return [replace(a, state=WAITING, reason=f"held: {unread} could not be read this "
                    f"cycle, so kaffe cannot tell whether you are in touch; would draft: "
                    f"{a.reason}") if a.state == DUE and not _is_pending(snapshot, a.key)
            else a for a in actions]


def _closed(entry: LedgerEntry | None, what: str, config: Config) -> tuple[str, str] | None:
    """The state of a key the ledger already decided (None: still open)."""
    if entry is None or entry.state == FAILED:
        return None
    if entry.state == PENDING:
        return DUE, "an earlier attempt did not finish; its draft is looked up first"
    if entry.state == DONE:
        return DONE, f"{what} drafted {stamp(entry.updated, config.me.zone)}"
    return SKIPPED, f"{what} skipped earlier ({entry.detail or 'no reason recorded'})"


def _outreach(p: Progress, snapshot: Snapshot, now: datetime, config: Config
              ) -> Action | None:
    target = p.target
    closed = _closed(p.outreach, "outreach", config)
    if closed is not None:
        state, why = closed
        return _action(OUTREACH, outreach_key(target.email), state, why, target, snapshot,
                       now, config, build=state == DUE)
    if p.in_touch:
        return _action(OUTREACH, outreach_key(target.email), SKIPPED,
                       f"{target.email} is someone you are in touch with: {p.in_touch}",
                       target, snapshot, now, config, build=False)
    retry = "retrying after a failed attempt: " if p.outreach is not None else ""
    why = f"{retry}{target.email} ({target.where}): never mailed, never met"
    if target.introduced_by:
        why += f"; introduced by {target.introduced_by}"
    return _action(OUTREACH, outreach_key(target.email), DUE, why, target, snapshot, now,
                   config)


def _paced(actions: Sequence[Action | None], snapshot: Snapshot, now: datetime,
           config: Config) -> list[Action | None]:
    """At most ``per_week`` outreach drafts in any 7 days: those drafted (or being
    drafted) in the last 7 days count first, then the DUE ones in the targets' order;
    the rest wait until the oldest of the week leaves the window."""
    per_week = config.outreach.per_week
    recent = [e.updated for e in drafted(snapshot.ledger, now, (OUTREACH,))
              if e.updated > now - WEEK]
    room = per_week - len(recent)
    admitted: set[str] = set()
    for action in actions:
        if (action is not None and action.state == DUE and room > 0
                and not _is_pending(snapshot, action.key)):
            room -= 1
            admitted.add(action.key)
    # the drafts of this week, these ones at ``now``: the next slot frees up when the
    # oldest of the last ``per_week`` leaves the 7 days
    times = sorted([*recent, *(now for _ in admitted)])
    until = times[len(times) - per_week] + WEEK if per_week and len(times) >= per_week else None
    cap = (f"weekly pace: {plural(len(recent), 'outreach draft')} in the last 7 days"
           f"{f' and {len(admitted)} now' if admitted else ''} "
           f"([outreach] per_week = {per_week})")
    if until is not None:
        cap += f"; next one from {stamp(until, config.me.zone)}"
    return [replace(a, state=WAITING, due_at=until, context={},
                    reason=f"{cap}; would draft: {a.reason}")
            if a is not None and a.state == DUE and a.key not in admitted
            and not _is_pending(snapshot, a.key) else a
            for a in actions]


def _is_pending(snapshot: Snapshot, key: str) -> bool:
    entry = snapshot.ledger.get(key)
    return entry is not None and entry.state == PENDING


def _nudge(p: Progress, snapshot: Snapshot, now: datetime, config: Config) -> Action | None:
    """The one nudge after kaffe's outreach was sent; None before it was."""
    target = p.target
    key = nudge_key(target.email)
    closed = _closed(p.nudge, "nudge", config)
    if closed is not None and closed[0] != DUE:
        return _action(NUDGE, key, *closed, target, snapshot, now, config, build=False)
    sent = p.outreach_sent
    if sent is None:
        return None
    zone = config.me.zone
    ended = _ended(p, sent.at, config)
    if ended and closed is None:
        return _action(NUDGE, key, SKIPPED, f"no nudge: {ended}", target, snapshot, now, config,
                       build=False)
    due_at = sent.at + timedelta(days=config.outreach.nudge_after_days)
    thread = reply_to(sent)
    if closed is not None:  # pending: finish what was begun
        return _action(NUDGE, key, DUE, closed[1], target, snapshot, now, config,
                       thread=thread, due_at=due_at, sent_at=sent.at)
    if now < due_at:
        return _action(NUDGE, key, WAITING,
                       f"outreach sent {stamp(sent.at, zone)}; one nudge at "
                       f"{stamp(due_at, zone)} if nothing comes back", target, snapshot, now,
                       config, build=False, due_at=due_at)
    days = plural(config.outreach.nudge_after_days, "day")
    return _action(NUDGE, key, DUE, f"no answer {days} after your outreach of "
                   f"{stamp(sent.at, zone)} ([outreach] nudge_after_days)", target, snapshot,
                   now, config, thread=thread, due_at=due_at, sent_at=sent.at)


def _ended(p: Progress, sent_at: datetime, config: Config) -> str:
    """What ended the outreach sequence after ``sent_at`` ("" when nothing did)."""
    zone = config.me.zone
    if p.booked is not None or p.met is not None:
        meeting = p.booked or p.met
        assert meeting is not None
        return f'a meeting with them: "{meeting.summary}" on {stamp(meeting.start, zone)}'
    if p.replied is not None and p.replied.at > sent_at:
        return f"they answered on {stamp(p.replied.at, zone)}"
    return ""


def _thanks(p: Progress, snapshot: Snapshot, now: datetime, config: Config) -> Action | None:
    """A thank-you to the introducer once the meeting with the referral ended."""
    target, met = p.target, p.met
    if not target.introduced_by or met is None:
        return None
    key = thanks_key(target.introduced_by, target.email)
    due_at = met.end + timedelta(hours=config.followup.delay_hours)
    state, reason = _thanks_state(key, target, met, due_at, snapshot, now, config)
    person = _introducer(target.introduced_by, snapshot)
    build = state == DUE
    choice = (language_of(person.email, snapshot, now, config) if build
              else Choice(config.me.language, ""))
    context = {
        "contact_names": [first_name(person)],
        "me_name": me_name(config),
        "referral_name": _display_name(target),
        "meeting_date": local_day(met.start, config.me.zone, all_day=met.all_day),
        "language": choice.language,
    } if build else {}
    return Action(kind=THANKS, key=key, state=state, reason=reason, to=(person,),
                  language=choice.language, language_reason=choice.reason, template=THANKS,
                  event_key=met.key, due_at=due_at, context=context)


def _thanks_state(key: str, target: Target, met: Event, due_at: datetime, snapshot: Snapshot,
                  now: datetime, config: Config) -> tuple[str, str]:
    """The thank-you's state: the ledger's word, else stale as a follow-up, else the clock."""
    closed = _closed(snapshot.ledger.get(key), "thank-you", config)
    if closed is not None:
        return closed
    zone, introducer = config.me.zone, target.introduced_by
    age = now - met.end
    if age > timedelta(days=config.followup.max_age_days):
        return SKIPPED, (f"stale: you met {target.email} {age.days} days ago "
                         f"(followup.max_age_days = {config.followup.max_age_days:g})")
    if now < due_at:
        return WAITING, (f"you meet {target.email}, introduced by {introducer}; "
                         f"a thank-you due at {stamp(due_at, zone)}")
    return DUE, f"you met {target.email} ({stamp(met.end, zone)}), introduced by {introducer}"


def _introducer(email: str, snapshot: Snapshot) -> Recipient:
    """The introducer as a recipient, with the name the contacts table knows."""
    contact = snapshot.contacts.get(email)
    return Recipient(email, contact.name if contact is not None else "")


def _display_name(target: Target) -> str:
    return target.name.strip() or first_name(Recipient(target.email))


def _action(kind: str, key: str, state: str, reason: str, target: Target, snapshot: Snapshot,
            now: datetime, config: Config, *, build: bool = True, thread: ThreadRef | None = None,
            due_at: datetime | None = None, sent_at: datetime | None = None) -> Action:
    """An outreach or nudge to ``target``; ``build``: with the template's context."""
    person = Recipient(target.email, target.name)
    choice = target_language(target, snapshot, now, config) if build else Choice(
        target.language or config.me.language, "")
    context = (outreach_context(target, snapshot, config, choice.language, sent_at)
               if build else {})
    return Action(kind=kind, key=key, state=state, reason=reason, to=(person,),
                  language=choice.language, language_reason=choice.reason, template=kind,
                  due_at=due_at, thread=thread if build else None, context=context)


def target_language(target: Target, snapshot: Snapshot, now: datetime, config: Config
                    ) -> Choice:
    """The target's ``language`` column, else :func:`language_of` them."""
    if target.language:
        return Choice(target.language, f"{target.language}: the targets file says so")
    return language_of(target.email, snapshot, now, config)


def language_of(email: str, snapshot: Snapshot, now: datetime, config: Config) -> Choice:
    """The usual path (the contacts table, their mail, ``followup.contact_languages``,
    the domain, ``[me] language``), asked about no meeting: there is none to go by."""
    none = Event(id="", calendar="", summary="", start=now, end=now)
    return choose_language(email, none, snapshot.contacts, config, snapshot=snapshot)


def written_in(texts: Sequence[str], language: str) -> tuple[str, ...]:
    """The ``texts`` a draft in ``language`` may quote: those identified as written in
    it, and those too short or unclear to tell (an English offer never lands in a Danish
    draft)."""
    from kaffe.language import CONFIDENCE_FLOOR, identify

    def fits(text: str) -> bool:
        guess = identify(text, ("en", "da"))
        return guess.confidence < CONFIDENCE_FLOOR or guess.language == language
    return tuple(text for text in texts if fits(text))


def about_in(config: Config, language: str) -> str:
    """Who you are, in ``language``: ``[me] about_in``'s line for it, else ``[me] about``
    unless that is clearly in another language ("" then: your name alone)."""
    own = config.me.about_in.get(language)
    if own:
        return own
    return next(iter(written_in((config.me.about,), language)), "") if config.me.about else ""


def outreach_context(target: Target, snapshot: Snapshot, config: Config, language: str,
                     sent_at: datetime | None = None) -> dict[str, Any]:
    """What the outreach and nudge templates need: who, the theme, what you bring."""
    introducer = (_introducer(target.introduced_by, snapshot) if target.introduced_by
                  else None)
    offer = target.offer
    mine = written_in(config.me.offer, language)
    if not offer and mine:
        from kaffe.relevance.offers import best_offer

        topics = [t.text for t in snapshot.topics.get(target.email, ())]
        best = best_offer(mine, [target.company, target.role, target.theme, *topics])
        offer = best.offer if best is not None else ""
    return {
        "contact_names": [first_name(Recipient(target.email, target.name))],
        "me_name": me_name(config),
        "me_about": about_in(config, language),
        "company": target.company,
        "role": target.role,
        "theme": target.theme,
        "offer": offer,
        "introducer_name": (introducer.name or first_name(introducer)) if introducer else "",
        "sent_date": (local_day(sent_at, config.me.zone) if sent_at is not None else None),
        "language": language,
    }
