"""Drips: now and then, "saw this and thought of our talk about X" — rarely, politely,
and only when an article genuinely matches what you talked about.

Per contact (someone outside your organisation you had a coffee meeting with) the
best fresh match that was never shared with them becomes a drip, unless a follow-up
for them is still pending, the cadence holds it (:mod:`kaffe.rules.cadence`), or
the last meeting is more than ``horizon_days`` ago. A plan row appears only when
there is an article to share: DUE, or WAITING with the reason it waits.

Every other contact met gets a :class:`NoDrip` instead, and so does one whose drip
waits: ``kaffe plan`` says for everyone you met why no drip is drafted now (no
topics, the best fresh article scores below the threshold, held until when and why,
the daily cap, ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
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
from kaffe.wording import listed, plural


class NoDripWhy(StrEnum):
    """Why a contact you met gets no drip now (:class:`NoDrip`), in the order the
    rule asks: the first that holds is the one given."""

    MET_LONG_AGO = "met long ago"  # the last meeting is more than horizon_days ago
    NO_TOPICS = "no topics"  # nothing kaffe read says what you talked about
    NO_ARTICLE = "no article"  # no fresh article matches their topics at all
    BELOW_THRESHOLD = "below threshold"  # the best fresh one scores under the threshold
    UNSHAREABLE = "unshareable"  # the matching articles cannot be shared (link, date, ...)
    FOLLOWUP_PENDING = "follow-up pending"  # the follow-up of a meeting comes first
    PAUSED = cadence.PAUSED  # they did not answer max_unanswered drafts
    GAP = cadence.GAP  # touched within min_gap_days
    YEARLY_CAP = cadence.YEARLY_CAP  # max_per_year drips and check-ins reached
    DAILY_CAP = "daily cap"  # daily_cap drips and check-ins in 24 hours reached
    DRAFT_CAP = "draft cap"  # [safety] max_drafts_per_cycle or max_drafts_per_day


@dataclass(frozen=True, slots=True)
class NoDrip:
    """Why ``contact``, someone you met, gets no drip drafted now.

    ``detail`` is the sentence ``kaffe plan`` prints after "no drip for <contact>: ";
    ``article``, ``score`` and ``threshold`` name the best fresh article when one is
    known (for a near miss, its score below the threshold); ``until``: when the drip
    may be drafted, when known."""

    contact: str
    why: NoDripWhy
    detail: str
    article: str = ""
    score: float | None = None
    threshold: float | None = None
    until: datetime | None = None


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
    return drip_plan(snapshot, coffee_meetings, now, config, reuse, explain=False)[0]


def drip_plan(
    snapshot: Snapshot, coffee_meetings: Sequence[Event], now: datetime, config: Config,
    reuse: Reuse | None = None, *, explain: bool = True,
) -> tuple[tuple[Action, ...], tuple[NoDrip, ...]]:
    """What :func:`drip_actions` gives, and a :class:`NoDrip` for every contact met
    whose drip is not DUE (none at all, or one that waits), by address. With drips
    off, neither; with ``explain=False`` (the daemon's cycles: nobody reads them) no
    reasons, and nothing spent on them."""
    if not config.drip.enabled:
        return (), ()
    reuse = Reuse() if reuse is None else reuse  # one plan's indexes at least
    pending = cadence.pending_followups(coffee_meetings, snapshot, now, config, reuse)
    actions: list[Action] = []
    absent: dict[str, NoDrip] = {}  # by contact
    met = cadence.met_contacts(coffee_meetings, now, config, reuse)
    for contact, (person, meetings) in met.items():
        action, why = _drip_for(person, meetings, pending.get(contact), snapshot, now, config,
                                reuse, explain)
        if action is not None:
            actions.append(action)
        if why is not None:
            absent[contact] = why
    capped = cadence.apply_daily_cap(actions, snapshot, now, config)
    for before, after in zip(actions, capped, strict=True):
        if explain and before.state == DUE and after.state != DUE:
            absent[after.to[0].email] = held_back(after, NoDripWhy.DAILY_CAP, (
                f"daily cap reached ({plural(config.drip.daily_cap, 'drip')} and check-ins "
                "in 24 hours, the best-scored first)"))
    return capped, tuple(absent[c] for c in sorted(absent))


def held_back(action: Action, why: NoDripWhy, reason: str, until: datetime | None = None
              ) -> NoDrip:
    """The :class:`NoDrip` of a drip ``action`` held back for ``reason``."""
    context = action.context
    title, score = context.get("article_title", ""), float(context.get("score", 0.0))
    detail = f'{reason}; would share "{title}" (score {score:.2f})' if title else reason
    return NoDrip(action.to[0].email, why, detail, title, score if title else None,
                  until=until if until is not None else action.due_at)


def _drip_for(
    person: Recipient,
    meetings: list[Event],
    followup: Event | None,
    snapshot: Snapshot,
    now: datetime,
    config: Config,
    reuse: Reuse | None,
    explain: bool,
) -> tuple[Action | None, NoDrip | None]:
    """The contact's drip action, and (when ``explain``) why it is not DUE (None when
    it is)."""
    contact, last = person.email, meetings[-1]
    recovering = _recovering(snapshot, contact, reuse)
    if recovering is not None:
        match, article = recovering
        why = "an earlier attempt did not finish; its draft is looked up first"
        return _action(person, last, match, article, DUE, why, snapshot, config, reuse,
                       score=1e9), None
    if now > last.end + timedelta(days=config.drip.horizon_days):
        return None, _met_long_ago(contact, last, config) if explain else None
    taken = shared_articles(snapshot, contact, reuse)
    found = cadence.best_article(snapshot, contact, now, config, taken)
    if found is None:
        return None, no_article(snapshot, contact, now, config, taken) if explain else None
    match, article = found
    state, why, until, held = _state(contact, followup, snapshot, now, config, reuse)
    reason = (
        f"{why}: {cadence.match_reason(match, article)}"
        if why
        else (f"for {contact}: {cadence.match_reason(match, article)}")
    )
    action = _action(person, last, match, article, state, reason, snapshot, config, reuse,
                     due_at=until)
    if state == DUE or not explain:
        return action, None
    if held is not None:
        return action, held_back(action, NoDripWhy(held.kind), _held_text(held, config))
    summary = followup.summary if followup is not None else ""
    return action, held_back(action, NoDripWhy.FOLLOWUP_PENDING,
                             f'the follow-up for "{summary}" comes first')


def _met_long_ago(contact: str, last: Event, config: Config) -> NoDrip:
    day = local_day(last.start, config.me.zone, all_day=last.all_day)
    return NoDrip(contact, NoDripWhy.MET_LONG_AGO, (
        f"you last met on {day}, more than {plural(config.drip.horizon_days, 'day')} ago "
        "(horizon_days)"))


def _held_text(held: cadence.Hold, config: Config) -> str:
    """``held until …: why``; a pause lasts until they write back."""
    if held.kind == cadence.PAUSED:
        return f"{held.reason}; until they write back"
    if held.until is None:
        return held.reason
    if held.kind == cadence.GAP:
        gap = config.drip.min_gap_days
        touch = held.until - timedelta(days=gap)
        why = (f"the last touch (a draft by kaffe or a mail from you) was "
               f"{cadence.stamp(touch, config)}, min_gap_days = {gap}")
    else:
        why = held.reason
    return f"held until {cadence.stamp(held.until, config)}: {why}"


def number(value: float) -> str:
    """A threshold as configured: ``2.0``, ``2.25``."""
    return f"{value:.1f}" if value == round(value, 1) else f"{value:g}"


def no_article(snapshot: Snapshot, contact: str, now: datetime, config: Config,
               taken: set[str]) -> NoDrip:
    """Why no article can be shared with ``contact``: the matching articles cannot be
    shared; no topics; the best fresh near miss (``snapshot.near``) and its score below
    the threshold; or no fresh article matches at all."""
    threshold = config.relevance.threshold
    matched = snapshot.matches.get(contact, ())
    if matched:
        return _unshareable(snapshot, contact, matched, now, config, taken)
    topics = [t.text for t in snapshot.topics.get(contact, ()) if t.text.strip()]
    if not topics:
        return NoDrip(contact, NoDripWhy.NO_TOPICS, (
            "no topics: nothing kaffe read says what you talked about (add some with "
            f'`kaffe note {contact} "…"` or a note in [topics] notes_dir)'))
    quoted = [f'"{text}"' for text in dict.fromkeys(topics)]
    on = f"their topics ({listed(quoted)})"
    if snapshot.near is None:  # not looked for: the daemon does not need to know
        return NoDrip(contact, NoDripWhy.NO_ARTICLE,
                      f"no fresh article scores at least the threshold {number(threshold)} on {on}",
                      threshold=threshold)
    near = cadence.best_article(snapshot, contact, now, config, taken,
                                snapshot.near.get(contact, ()))
    if near is None:
        days = plural(config.drip.max_article_age_days, "day")
        return NoDrip(contact, NoDripWhy.NO_ARTICLE,
                      f"no fresh article (of the last {days}) shares a word with {on}",
                      threshold=threshold)
    match, article = near
    return NoDrip(contact, NoDripWhy.BELOW_THRESHOLD, (
        f'best fresh article "{article.title}" scores {match.score:.2f} < threshold '
        f'{number(threshold)} (topic "{match.topic}")'), article.title, match.score, threshold)


def _unshareable(snapshot: Snapshot, contact: str, matched: Sequence[Match], now: datetime,
                 config: Config, taken: set[str]) -> NoDrip:
    """Matches, none of which :func:`cadence.best_article` may share: why the best cannot."""
    best = max(matched, key=lambda m: m.score)
    article = snapshot.articles.get(best.article_id)
    why = cadence.unshareable(article, now, config, taken, cadence.shared_links(snapshot, taken))
    title = article.title if article is not None else best.article_id
    more = len(matched) - 1
    rest = f"; nor can the {plural(more, 'other')} that match" if more else ""
    return NoDrip(contact, NoDripWhy.UNSHAREABLE, (
        f'the best matching article "{title}" (score {best.score:.2f}) cannot be shared: '
        f"{why}{rest}"), title, best.score, config.relevance.threshold)


def _state(
    contact: str, followup: Event | None, snapshot: Snapshot, now: datetime, config: Config,
    reuse: Reuse | None,
) -> tuple[str, str, datetime | None, cadence.Hold | None]:
    """DUE with no qualifier, or WAITING with why, (when known) until when, and the
    hold (None: the follow-up is pending)."""
    if followup is not None:
        return (WAITING, f'waiting: the follow-up for "{followup.summary}" is pending', None,
                None)
    held = cadence.hold(snapshot, contact, now, config, reuse)
    if held is not None:
        return WAITING, f"waiting for {contact} ({held.reason})", held.until, held
    return DUE, "", None, None


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
    language = language_for(person.email, last, snapshot.contacts, config, reuse,
                            snapshot=snapshot)
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
