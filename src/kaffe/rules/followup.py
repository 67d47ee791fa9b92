"""Follow-ups: one thank-you draft per coffee meeting, due a little after it ends.

Two limits keep a flood of meetings from becoming a flood of thank-yous: a recurring
series is thanked for after its first occurrence only, unless a later one brings
something new (:mod:`kaffe.rules.series`); and one contact gets at most one
follow-up per ``[followup] max_age_days`` (:func:`one_per_contact`).

**One insight** (issue 17: share trends, not confidences): a follow-up may name one
theme the contact raised that at least :data:`MIN_OTHERS` other people (not at this
meeting) raised too — a trend, not something one person told you. It is named in the
contact's own words, with neither who else raised it nor how many, and nothing of
another person's note; the best-ranked such theme (:mod:`kaffe.topics.trends`) wins.
Nothing marked private in a note is ever read (:mod:`kaffe.topics.private`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from kaffe.config.schema import Config, FollowupConfig
from kaffe.kinds import FOLLOWUP
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
    Interaction,
    LedgerEntry,
    Recipient,
    Snapshot,
)
from kaffe.rules.language import choose_language
from kaffe.rules.merge import meeting_id
from kaffe.rules.people import external_people, first_name
from kaffe.rules.reuse import Reuse
from kaffe.rules.series import series_state, stale_state
from kaffe.rules.threads import thread_for, with_contacts, wrote_after
from kaffe.timeutil import local, local_day, stamp
from kaffe.topics.trends import others_on
from kaffe.wording import plural

# Other people who must have raised a theme before a follow-up names it as a trend.
MIN_OTHERS = 2


def followup_key(event: Event) -> str:
    """The idempotency key of the follow-up for ``event``."""
    return f"{FOLLOWUP}:{meeting_id(event)}"


def followup_actions(
    coffee: Iterable[Event], snapshot: Snapshot, now: datetime, config: Config,
    reuse: Reuse | None = None,
) -> tuple[Action, ...]:
    """One follow-up action per coffee meeting; the same meeting seen in several
    calendars counts once (the first one seen wins). ``reuse``: what earlier plans
    computed (:class:`~kaffe.rules.reuse.Reuse`)."""
    if not config.followup.enabled:
        return ()
    reuse = Reuse() if reuse is None else reuse  # one plan's indexes at least
    actions: dict[str, Action] = {}
    for event in coffee:
        key = followup_key(event)
        if key not in actions:
            actions[key] = followup_action(event, snapshot, now, config, reuse)
    return one_per_contact(tuple(actions.values()), snapshot, now, config.followup, config.me.zone)


def one_per_contact(
    actions: tuple[Action, ...],
    snapshot: Snapshot,
    now: datetime,
    cfg: FollowupConfig,
    zone: tzinfo = UTC,
) -> tuple[Action, ...]:
    """At most one follow-up per contact per ``max_age_days``: a DUE one to someone who
    got one within that time is SKIPPED; of several DUE to one person in this plan (a
    catch-up after downtime) the latest meeting's goes first, the others wait."""
    due = [a for a in actions if a.state == DUE]
    if not due:  # the usual cycle: nothing to judge
        return actions
    last = last_followups(actions, snapshot, now)
    window = timedelta(days=cfg.max_age_days)
    claimed: dict[str, str] = {}
    changed: dict[str, Action] = {}
    for action in sorted(due, key=lambda a: (a.due_at or now, a.key), reverse=True):
        if _is_pending(snapshot, action.key):
            claimed.update({r.email: action.key for r in action.to})
            continue
        earlier = [(last[r.email], r.email) for r in action.to
                   if r.email in last and now - last[r.email] < window]
        rival = next((r.email for r in action.to if r.email in claimed), "")
        if earlier:
            at, who = max(earlier)
            changed[action.key] = replace(action, state=SKIPPED, context={}, thread=None, reason=(
                f"{who} got a follow-up on {stamp(at, zone)}: at most one per contact "
                f"per max_age_days = {cfg.max_age_days:g}"))
        elif rival:
            changed[action.key] = replace(action, state=WAITING, reason=(
                f"a follow-up for a later meeting with {rival} goes first "
                f"(one per contact per max_age_days = {cfg.max_age_days:g})"))
        else:
            claimed.update({r.email: action.key for r in action.to})
    return tuple(changed.get(a.key, a) for a in actions)


def last_followups(
    actions: Sequence[Action], snapshot: Snapshot, now: datetime
) -> dict[str, datetime]:
    """When each contact last got a follow-up drafted (done or pending) up to ``now``:
    the ledger names a draft's first recipient; this plan's follow-up for the same
    meeting names them all."""
    last: dict[str, datetime] = {}
    drafted = {key: e for key, e in snapshot.ledger.items()
               if e.kind == FOLLOWUP and e.state in (DONE, PENDING) and e.updated <= now}
    to = {a.key: a.to for a in actions}
    for key, entry in drafted.items():
        for email in {entry.contact, *(r.email for r in to.get(key, ()))} - {""}:
            if email not in last or last[email] < entry.updated:
                last[email] = entry.updated
    return last


def _is_pending(snapshot: Snapshot, key: str) -> bool:
    entry = snapshot.ledger.get(key)
    return entry is not None and entry.state == PENDING


def followup_action(event: Event, snapshot: Snapshot, now: datetime, config: Config,
                    reuse: Reuse | None = None) -> Action:
    """The follow-up for one coffee meeting, in whatever state it is in at ``now``."""
    key = followup_key(event)
    to = external_people(event, config.me, reuse)
    choice = (choose_language(to[0].email, event, snapshot.contacts, config, reuse,
                              snapshot=snapshot)
              if to else Choice(config.me.language, f"{config.me.language}: [me] language"))
    language = choice.language
    due_at = event.end + timedelta(hours=config.followup.delay_hours)
    mail = with_contacts(snapshot.interactions, to)
    state, reason = _state_with_mail(event, to, mail, snapshot, now, config, reuse)
    is_open = state in (DUE, WAITING)
    return Action(
        kind=FOLLOWUP,
        key=key,
        state=state,
        reason=reason,
        to=to,
        language=language,
        language_reason=choice.reason,
        template=FOLLOWUP,
        event_key=event.key,
        due_at=due_at,
        # only a draft still to be written is rendered: a closed one needs no thread
        # and no context (most follow-ups, cycle after cycle)
        thread=thread_for(event, mail, now, config.followup.thread_days) if is_open else None,
        context=(followup_context(event, to, language, config,
                                  meeting_topics(event, to, snapshot))
                 | {"insight": insight(to, snapshot)} if is_open else {}),
    )


def followup_state_of(
    event: Event, snapshot: Snapshot, now: datetime, config: Config,
    reuse: Reuse | None = None,
) -> tuple[tuple[Recipient, ...], str]:
    """Who the follow-up for ``event`` goes to and its state at ``now``: the state of
    :func:`followup_action`, without building the draft's content."""
    to = external_people(event, config.me, reuse)
    return to, _state_with_mail(event, to, None, snapshot, now, config, reuse)[0]


def _state_with_mail(
    event: Event,
    to: tuple[Recipient, ...],
    mail: list[Interaction] | None,
    snapshot: Snapshot,
    now: datetime,
    config: Config,
    reuse: Reuse | None = None,
) -> tuple[str, str]:
    """The state from the ledger and the clock; then, while it is to be written, whether
    you already wrote (``mail`` with ``to``; looked up when None)."""
    entry = snapshot.ledger.get(followup_key(event))
    zone = config.me.zone
    state, reason = followup_state(event, entry, bool(to), now, config.followup, zone)
    if state == SKIPPED and entry is None and to:  # stale: say why it never became due
        return stale_state(event, to, snapshot, now, (state, reason), reuse)
    if state not in (DUE, WAITING):
        return state, reason
    if entry is None or entry.state != PENDING:  # a pending one may be drafted already
        state, reason = series_state(event, to, snapshot, now, (state, reason), "follow-up",
                                     reuse)
    if mail is None:
        mail = with_contacts(snapshot.interactions, to)
    return _already_written(event, mail, now, (state, reason), zone)


def _already_written(
    event: Event,
    mail: list[Interaction],
    now: datetime,
    otherwise: tuple[str, str],
    zone: tzinfo,
) -> tuple[str, str]:
    """Skip the follow-up when you wrote to the contact after the meeting ended."""
    sent = wrote_after(mail, event.end, now)
    if sent is None:
        return otherwise
    subject = f' ("{sent.subject}")' if sent.subject else ""
    return SKIPPED, f"you wrote to {sent.contact} on {stamp(sent.at, zone)}{subject}"


def followup_state(
    event: Event,
    entry: LedgerEntry | None,
    has_recipients: bool,
    now: datetime,
    cfg: FollowupConfig,
    zone: tzinfo = UTC,
) -> tuple[str, str]:
    """The state of a follow-up and the reason, from the ledger and the clock;
    times in the reason are read in ``zone``."""
    meeting = f'coffee meeting "{event.summary}"'
    if entry is not None and entry.state == DONE:
        return DONE, f"{meeting}: drafted already (draft {entry.draft_id or 'unknown'})"
    if entry is not None and entry.state == SKIPPED:
        return SKIPPED, f"{meeting}: skipped earlier ({entry.detail or 'no reason recorded'})"
    if entry is not None and entry.state == PENDING:
        return DUE, f"{meeting}: an earlier attempt did not finish; its draft is looked up first"
    if not has_recipients:
        return SKIPPED, f"{meeting}: no one from outside your organisation to write to"
    retry = entry is not None and entry.state == FAILED
    return _timed_state(event, now, cfg, zone, retry=retry)


def _timed_state(
    event: Event, now: datetime, cfg: FollowupConfig, zone: tzinfo, *, retry: bool
) -> tuple[str, str]:
    due_at = event.end + timedelta(hours=cfg.delay_hours)
    verb = "ends" if now < event.end else "ended"
    when = f'coffee meeting "{event.summary}" {verb} {stamp(event.end, zone)}'
    if now < due_at:
        return WAITING, f"{when}; follow-up due at {_short(due_at, event.end, zone)}"
    age = now - event.end
    if age > timedelta(days=cfg.max_age_days):
        return SKIPPED, (
            f"stale: the meeting ended {_days(age)} ago (max_age_days = {cfg.max_age_days:g})"
        )
    prefix = "retrying after a failed attempt: " if retry else ""
    return DUE, f"{prefix}{when}; follow-up due since {_short(due_at, event.end, zone)}"


MAX_TOPICS = 8


def meeting_topics(event: Event, to: tuple[Recipient, ...], snapshot: Snapshot) -> list[str]:
    """The points to sum up: this meeting's topics first, then your notes on the people."""
    known = [t for r in to for t in snapshot.topics.get(r.email, ())]
    own = [t.text for t in known if t.source == f"event:{event.key}"]
    notes = [t.text for t in known if t.source == "note" or t.source.startswith("notes:")]
    return list(dict.fromkeys(own + notes))[:MAX_TOPICS]


def insight(to: tuple[Recipient, ...], snapshot: Snapshot) -> str:
    """The one theme a follow-up to ``to`` may offer as a trend ("" for none): see the
    module docstring."""
    present = frozenset(r.email for r in to)
    for recipient in to:
        for _theme, own, others in others_on(snapshot.themes, recipient.email, present):
            if len(others) >= MIN_OTHERS:
                return own.text
    return ""


def followup_context(
    event: Event,
    to: tuple[Recipient, ...],
    language: str,
    config: Config,
    topics: list[str] | None = None,
) -> dict[str, Any]:
    """What the follow-up template needs to know."""
    return {
        "contact_names": [first_name(r) for r in to],
        "me_name": _me_name(config),
        "meeting_title": event.summary,
        "meeting_date": local_day(event.start, config.me.zone, all_day=event.all_day),
        "meeting_start": event.start,
        "location": event.location,
        "topics": topics or [],
        "language": language,
        "insight": "",
    }


def _me_name(config: Config) -> str:
    if config.me.name:
        return config.me.name
    return first_name(Recipient(config.me.addresses[0])) if config.me.addresses else ""


def _short(moment: datetime, reference: datetime, zone: tzinfo) -> str:
    """``17:00`` on the reference's day (in ``zone``), else the full stamp."""
    if local(moment, zone).date() == local(reference, zone).date():
        return f"{local(moment, zone):%H:%M}"
    return stamp(moment, zone)


def _days(age: timedelta) -> str:
    return plural(float(f"{age.total_seconds() / 86400:.1f}"), "day")
