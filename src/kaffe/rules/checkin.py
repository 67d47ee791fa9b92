"""Check-ins: after ``[checkin] after_days`` of silence in both directions with someone
you had coffee with, a light, warm "how are things?" draft — with the best matching
article when there is one — under the same cadence as drips.

Silence starts at the latest of: a mail either way, the end of any meeting with
them. An upcoming meeting with them means no check-in. One check-in per silence:
the key carries the date the silence started.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from kaffe.config.schema import Config
from kaffe.kinds import CHECKIN
from kaffe.model import DUE, PENDING, WAITING, Action, Event, Recipient, Snapshot
from kaffe.rules import cadence
from kaffe.rules.drip import shared_articles
from kaffe.rules.language import choose_language
from kaffe.rules.people import first_name
from kaffe.rules.reuse import Reuse
from kaffe.timeutil import local_day, utc
from kaffe.wording import plural


def checkin_key(contact: str, silence_start: datetime) -> str:
    """The idempotency key of the check-in ending the silence that began then."""
    return f"{CHECKIN}:{contact}:{utc(silence_start):%Y-%m-%d}"


def checkin_actions(
    snapshot: Snapshot,
    coffee_meetings: Sequence[Event],
    now: datetime,
    config: Config,
    *,
    planned: Sequence[Action] = (),
    reuse: Reuse | None = None,
) -> tuple[Action, ...]:
    """Check-ins for contacts silent for ``after_days``. ``planned`` are actions
    already in this plan (the drips): a contact with one DUE gets no check-in, and
    they share the daily cap (a DUE drip keeps its place; check-ins get what is left)."""
    if not config.checkin.enabled:
        return ()
    reuse = Reuse() if reuse is None else reuse  # one plan's indexes at least
    busy = {a.to[0].email for a in planned if a.state == DUE and a.to}
    actions = []
    met = cadence.met_contacts(coffee_meetings, now, config, reuse)
    for contact, (person, meetings) in met.items():
        if contact not in busy:
            action = _checkin_for(person, meetings[-1], snapshot, now, config, reuse)
            if action is not None:
                actions.append(action)
    return cadence.apply_daily_cap(actions, snapshot, now, config, planned=planned)


def silence_start(snapshot: Snapshot, contact: str, now: datetime, reuse: Reuse | None = None
                  ) -> datetime | None:
    """When the silence with ``contact`` began: the last mail either way or the end of
    the last meeting with them. None while a meeting with them is still to come."""
    ends = [e.end for e in cadence.meetings_by_person(snapshot.events, reuse).get(contact, [])]
    if any(end > now for end in ends):
        return None
    times = [end for end in ends if end <= now]
    times += [i.at for i in snapshot.interactions.get(contact, ()) if i.at <= now]
    return max(times, default=None)


def _checkin_for(
    person: Recipient, last: Event, snapshot: Snapshot, now: datetime, config: Config,
    reuse: Reuse | None,
) -> Action | None:
    contact = person.email
    start = silence_start(snapshot, contact, now, reuse)
    if start is None or now - start < timedelta(days=config.checkin.after_days):
        return None
    key = checkin_key(contact, start)
    entry = snapshot.ledger.get(key)
    days = (now - start).days
    if entry is not None and entry.state == PENDING:
        why = "an earlier attempt did not finish; its draft is looked up first"
        return _action(person, last, key, DUE, why, snapshot, now, config, reuse, score=1e9)
    if cadence.closed(entry):
        return None
    held = cadence.hold(snapshot, contact, now, config, reuse)
    if held is not None:
        why = (f"check-in with {contact} after {plural(days, 'day')} of silence waits "
               f"({held.reason})")
        return _action(person, last, key, WAITING, why, snapshot, now, config, reuse,
                       due_at=held.until)
    why = f"{plural(days, 'day')} of silence with {contact} since {cadence.stamp(start, config)}"
    return _action(person, last, key, DUE, why, snapshot, now, config, reuse)


def _action(
    person: Recipient,
    last: Event,
    key: str,
    state: str,
    reason: str,
    snapshot: Snapshot,
    now: datetime,
    config: Config,
    reuse: Reuse | None,
    *,
    due_at: datetime | None = None,
    score: float | None = None,
) -> Action:
    choice = choose_language(person.email, last, snapshot.contacts, config, reuse,
                             snapshot=snapshot)
    language = choice.language
    context = checkin_context(person, last, snapshot, now, language, config, reuse)
    if context["article_title"]:
        reason += f"; with {cadence.match_reason_short(context)}"
    return cadence.outreach_action(
        CHECKIN, key, state, reason, person, last, language, context,
        due_at=due_at, score=score, language_reason=choice.reason,
    )


def checkin_context(
    person: Recipient,
    last: Event,
    snapshot: Snapshot,
    now: datetime,
    language: str,
    config: Config,
    reuse: Reuse | None = None,
) -> dict[str, Any]:
    """What the check-in template needs: who, the last meeting, an optional article."""
    taken = shared_articles(snapshot, person.email, reuse)
    found = cadence.best_article(snapshot, person.email, now, config, taken)
    match, article = found if found is not None else (None, None)
    return {
        "contact_names": [first_name(person)],
        "me_name": cadence.me_name(config),
        "meeting_title": last.summary,
        "meeting_date": local_day(last.start, config.me.zone, all_day=last.all_day),
        "language": language,
        **cadence.article_context(match, article),
    }
