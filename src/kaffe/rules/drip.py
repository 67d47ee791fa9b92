"""Drips: now and then, "saw this and thought of our talk about X" — rarely, politely,
and only when an article genuinely matches what you talked about.

Per contact (someone outside your organisation you had a coffee meeting with) the
best fresh match that was never shared with them becomes a drip, unless a follow-up
for them is still pending, the cadence holds it (:mod:`kaffe.rules.cadence`), or
the last meeting is more than ``horizon_days`` ago. A plan row appears only when
there is an article to share: DUE, or WAITING with the reason it waits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from kaffe.config.schema import Config
from kaffe.kinds import DRIP
from kaffe.model import (
    DUE,
    PENDING,
    WAITING,
    Action,
    Article,
    Event,
    LedgerEntry,
    Match,
    Recipient,
    Snapshot,
)
from kaffe.rules import cadence
from kaffe.rules.language import language_for
from kaffe.rules.people import first_name
from kaffe.rules.reuse import Reuse, index_of
from kaffe.timeutil import local_day


def drip_key(contact: str, article_id: str) -> str:
    """The idempotency key of sharing ``article_id`` with ``contact``."""
    return f"{DRIP}:{contact}:{article_id}"


def shared_articles(snapshot: Snapshot, contact: str, reuse: Reuse | None = None) -> set[str]:
    """Article ids already drafted, being drafted or skipped for ``contact``: never again."""
    return shared_by_contact(snapshot.ledger, reuse).get(contact, set())


def shared_by_contact(ledger: Mapping[str, LedgerEntry], reuse: Reuse | None = None
                      ) -> dict[str, set[str]]:
    """For every contact, the article ids :func:`shared_articles` gives, in one pass
    over the ledger (kept in ``reuse``: the rules ask once per contact and cycle);
    also what the relevance matcher excludes."""
    return index_of(_shared_by_contact, ledger, reuse)


def _shared_by_contact(ledger: Mapping[str, LedgerEntry]) -> dict[str, set[str]]:
    shared: dict[str, set[str]] = {}
    for key, entry in ledger.items():
        kind, _, rest = key.partition(":")
        contact, _, article = rest.rpartition(":")
        if kind == DRIP and contact and cadence.closed(entry):
            shared.setdefault(contact, set()).add(article)
    return shared


def drip_actions(
    snapshot: Snapshot, coffee_meetings: Sequence[Event], now: datetime, config: Config,
    reuse: Reuse | None = None,
) -> tuple[Action, ...]:
    """At most one drip action per contact you had coffee with, capped per day.

    ``coffee_meetings`` may include upcoming ones: they only hold drips back (their
    follow-up is pending); contacts and the horizon come from the ended ones.
    ``reuse``: what earlier plans computed (:class:`~kaffe.rules.reuse.Reuse`).
    """
    if not config.drip.enabled:
        return ()
    reuse = Reuse() if reuse is None else reuse  # one plan's indexes at least
    pending = cadence.pending_followups(coffee_meetings, snapshot, now, config, reuse)
    actions = []
    met = cadence.met_contacts(coffee_meetings, now, config, reuse)
    for contact, (person, meetings) in met.items():
        action = _drip_for(person, meetings, pending.get(contact), snapshot, now, config,
                           reuse)
        if action is not None:
            actions.append(action)
    return cadence.apply_daily_cap(actions, snapshot, now, config)


def _drip_for(
    person: Recipient,
    meetings: list[Event],
    followup: Event | None,
    snapshot: Snapshot,
    now: datetime,
    config: Config,
    reuse: Reuse | None,
) -> Action | None:
    contact, last = person.email, meetings[-1]
    recovering = _recovering(snapshot, contact, reuse)
    if recovering is not None:
        match, article = recovering
        why = "an earlier attempt did not finish; its draft is looked up first"
        return _action(person, last, match, article, DUE, why, snapshot, config, reuse, score=1e9)
    if now > last.end + timedelta(days=config.drip.horizon_days):
        return None
    taken = shared_articles(snapshot, contact, reuse)
    found = cadence.best_article(snapshot, contact, now, config, taken)
    if found is None:
        return None
    match, article = found
    state, why, until = _state(contact, followup, snapshot, now, config, reuse)
    reason = (
        f"{why}: {cadence.match_reason(match, article)}"
        if why
        else (f"for {contact}: {cadence.match_reason(match, article)}")
    )
    return _action(person, last, match, article, state, reason, snapshot, config, reuse,
                   due_at=until)


def _state(
    contact: str, followup: Event | None, snapshot: Snapshot, now: datetime, config: Config,
    reuse: Reuse | None,
) -> tuple[str, str, datetime | None]:
    """DUE with no qualifier, or WAITING with why and (when known) until when."""
    if followup is not None:
        return WAITING, f'waiting: the follow-up for "{followup.summary}" is pending', None
    held = cadence.hold(snapshot, contact, now, config, reuse)
    if held is not None:
        return WAITING, f"waiting for {contact} ({held.reason})", held.until
    return DUE, "", None


def _recovering(snapshot: Snapshot, contact: str, reuse: Reuse | None
                ) -> tuple[Match, Article] | None:
    """A drip left pending by an interrupted attempt, with its article when still known."""
    prefix = drip_key(contact, "")
    for key in index_of(pending_drips, snapshot.ledger, reuse):
        if key.startswith(prefix):
            article = snapshot.articles.get(key[len(prefix) :])
            if article is not None:
                return _match_for(snapshot, contact, article), article
    return None


def pending_drips(ledger: Mapping[str, LedgerEntry]) -> list[str]:
    """The keys of drips left pending in ``ledger``, sorted."""
    return sorted(k for k, e in ledger.items() if k.startswith(f"{DRIP}:") and e.state == PENDING)


def _match_for(snapshot: Snapshot, contact: str, article: Article) -> Match:
    found = [m for m in snapshot.matches.get(contact, ()) if m.article_id == article.id]
    return found[0] if found else Match(contact, article.id, 0.0, (), "")


def _action(
    person: Recipient,
    last: Event,
    match: Match,
    article: Article,
    state: str,
    reason: str,
    snapshot: Snapshot,
    config: Config,
    reuse: Reuse | None,
    *,
    due_at: datetime | None = None,
    score: float | None = None,
) -> Action:
    language = language_for(person.email, last, snapshot.contacts, config, reuse)
    context = drip_context(person, last, match, article, language, config)
    return cadence.outreach_action(
        DRIP, drip_key(person.email, article.id), state, reason, person, last, language,
        context, due_at=due_at, score=score,
    )


def drip_context(
    person: Recipient,
    last: Event,
    match: Match,
    article: Article,
    language: str,
    config: Config,
) -> dict[str, Any]:
    """What the drip template needs: who, the topic, the article, the last meeting."""
    return {
        "contact_names": [first_name(person)],
        "me_name": cadence.me_name(config),
        "meeting_title": last.summary,
        "meeting_date": local_day(last.start, config.me.zone, all_day=last.all_day),
        "language": language,
        **cadence.article_context(match, article),
    }
