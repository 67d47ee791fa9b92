"""Prep briefs: ``[prep] lead_hours`` before an upcoming coffee meeting, a draft to
yourself with who they are, your history with them, trends to discuss, what others
told you about their themes, open questions and what you can offer them (the column's
advice: come prepared, think of the value for both sides). A recurring series gets one
before its first occurrence; a later occurrence only with something new
(:mod:`kaffe.rules.series`).

**What others told you** (issue 17): for each theme a guest raised
(:attr:`Snapshot.themes <kaffe.model.Snapshot.themes>`), the other people who raised it,
with name, date and their words. The brief goes to you alone, so names are fine here;
nothing marked private in a note was ever read (:mod:`kaffe.topics.private`).

**Mutual value**: the offers of ``[me] offer`` written in the brief's language
(``[me] language``; those too short to tell count as either) that share words with the
guests (their organisation, their topics, and their company, role and theme when they
are targets), best first (:func:`kaffe.relevance.offers.rank_offers`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from kaffe.config.schema import Config
from kaffe.kinds import PREP
from kaffe.model import (
    DONE,
    DUE,
    PENDING,
    RECEIVED,
    SENT,
    SKIPPED,
    WAITING,
    Action,
    Article,
    Event,
    Interaction,
    Recipient,
    Snapshot,
)
from kaffe.rules import cadence
from kaffe.rules.merge import meeting_id
from kaffe.rules.people import domain_of, external_people
from kaffe.rules.reuse import Reuse
from kaffe.rules.series import series_state
from kaffe.rules.words import find_folded, fold_once
from kaffe.timeutil import local, local_day
from kaffe.topics.trends import others_on

MAX_ARTICLES = 5
MAX_MEETINGS = 5
MAX_OFFERS = 3
MAX_OTHER_THEMES = 3  # themes per guest under "what others told you"
MAX_OTHER_PEOPLE = 3  # people per theme
# Registrable labels of free-mail providers: their domain says nothing about an employer.
FREE_MAIL = frozenset({
    "gmail", "googlemail", "hotmail", "outlook", "live", "msn", "yahoo", "ymail", "icloud",
    "me", "mac", "aol", "proton", "protonmail", "pm", "gmx", "web", "fastmail", "zoho",
    "yandex", "mail", "email", "jubii", "ofir", "stofanet", "get2net", "tdcadsl", "tele",
})  # fmt: skip
# Second-level labels under a country code: "example.co.uk" is "example".
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ltd", "plc"})


def prep_key(event: Event) -> str:
    """The idempotency key of the prep brief for ``event``."""
    return f"{PREP}:{meeting_id(event)}"


def organisation(email: str) -> str:
    """The organisation an address's domain suggests: ``northwind.example`` gives
    "Northwind", ``mail.acme-corp.co.uk`` "Acme Corp"; free mail gives ""."""
    labels = domain_of(email).split(".")
    if len(labels) < 2:
        return ""
    labels = labels[:-1]  # the top-level domain
    if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    name = labels[-1]
    if name in FREE_MAIL:
        return ""
    return " ".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)


def prep_actions(
    snapshot: Snapshot, upcoming_coffee: Sequence[Event], now: datetime, config: Config,
    reuse: Reuse | None = None,
) -> tuple[Action, ...]:
    """One prep brief per upcoming coffee meeting with someone from outside: WAITING
    until ``lead_hours`` before it, DUE until it starts, nothing once it has begun."""
    if not config.prep.enabled:
        return ()
    reuse = Reuse() if reuse is None else reuse  # one plan's indexes at least
    actions: dict[str, Action] = {}
    for event in sorted(upcoming_coffee, key=lambda e: (e.start, e.key)):
        key = prep_key(event)
        if key not in actions and event.start > now and event.status != "cancelled":
            action = _prep_for(event, snapshot, now, config, reuse)
            if action is not None:
                actions[key] = action
    return tuple(actions.values())


def _prep_for(event: Event, snapshot: Snapshot, now: datetime, config: Config,
              reuse: Reuse | None) -> Action | None:
    guests = external_people(event, config.me, reuse)
    if not guests:
        return None
    due_at = event.start - timedelta(hours=config.prep.lead_hours)
    state, reason = _state(event, snapshot, now, due_at, config)
    if state in (DUE, WAITING) and snapshot.ledger.get(prep_key(event)) is None:
        state, reason = series_state(event, guests, snapshot, now, (state, reason), "prep brief",
                                     reuse)
    me = (Recipient(config.me.addresses[0], config.me.name),) if config.me.addresses else ()
    return Action(
        kind=PREP,
        key=prep_key(event),
        state=state,
        reason=reason,
        to=me,
        language=config.me.language,
        template=PREP,
        event_key=event.key,
        due_at=due_at,
        context=prep_context(event, guests, snapshot, now, config, reuse),
    )


def _state(
    event: Event, snapshot: Snapshot, now: datetime, due_at: datetime, config: Config
) -> tuple[str, str]:
    meeting = f'coffee meeting "{event.summary}" at {cadence.stamp(event.start, config)}'
    entry = snapshot.ledger.get(prep_key(event))
    if entry is not None and entry.state == DONE:
        return DONE, f"prep brief for {meeting}: drafted already"
    if entry is not None and entry.state == SKIPPED:
        return SKIPPED, f"prep brief for {meeting}: skipped earlier ({entry.detail or '-'})"
    if entry is not None and entry.state == PENDING:
        return DUE, f"prep brief for {meeting}: an earlier attempt did not finish"
    if not config.me.addresses:
        return SKIPPED, "prep brief: no address of yours in [me] addresses to draft it to"
    if now < due_at:
        return WAITING, f"prep brief for {meeting} due at {cadence.stamp(due_at, config)}"
    return DUE, f"prep brief for {meeting} (due since {cadence.stamp(due_at, config)})"


def prep_context(
    event: Event,
    guests: Sequence[Recipient],
    snapshot: Snapshot,
    now: datetime,
    config: Config,
    reuse: Reuse | None = None,
) -> dict[str, Any]:
    """What the prep template needs: the meeting, each guest with your history, trends
    to discuss, open questions."""
    zone = config.me.zone
    present = frozenset(g.email for g in guests)
    return {
        "me_name": cadence.me_name(config),
        "language": config.me.language,
        "meeting_title": event.summary,
        "meeting_date": local_day(event.start, zone, all_day=event.all_day),
        "meeting_time": f"{local(event.start, zone):%H:%M %Z}",
        "location": event.location,
        "people": [_person(g, event, snapshot, now, zone, reuse) | {
            "others": others_told(snapshot, g.email, present, zone)} for g in guests],
        "articles": trends(guests, snapshot, now, config, reuse),
        "questions": list(config.prep.questions),
        "offers": offers_for(guests, snapshot, config),
    }


def others_told(snapshot: Snapshot, contact: str, present: frozenset[str], zone: tzinfo
                ) -> list[dict[str, Any]]:
    """The themes ``contact`` raised that other people (not at this meeting) raised
    too: the theme in the contact's words, and who else, when and in their words."""
    found = others_on(snapshot.themes, contact, present)[:MAX_OTHER_THEMES]
    return [{"theme": own.text,
             "people": [{"name": m.name, "email": m.contact, "text": m.text,
                         "date": local_day(m.at, zone)} for m in others[:MAX_OTHER_PEOPLE]]}
            for _theme, own, others in found]


def offers_for(guests: Sequence[Recipient], snapshot: Snapshot, config: Config
               ) -> list[dict[str, Any]]:
    """Your ``[me] offer`` entries that fit the guests best (see the module), each with
    the words it shares with them."""
    if not config.me.offer:
        return []  # the stemmers stay unloaded
    from kaffe.relevance.offers import rank_offers
    from kaffe.rules.outreach import written_in

    mine = written_in(config.me.offer, config.me.language)
    emails = {g.email for g in guests}
    about = [organisation(g.email) for g in guests]
    about += [t.text for g in guests for t in snapshot.topics.get(g.email, ())]
    about += [f"{t.company} {t.role} {t.theme}" for t in snapshot.targets if t.email in emails]
    return [{"offer": m.offer, "shared": list(m.shared)}
            for m in rank_offers(mine, about)[:MAX_OFFERS]]


def _person(
    guest: Recipient, event: Event, snapshot: Snapshot, now: datetime, zone: tzinfo,
    reuse: Reuse | None,
) -> dict[str, Any]:
    mail = snapshot.interactions.get(guest.email, ())
    return {
        "name": guest.name,
        "email": guest.email,
        "organisation": organisation(guest.email),
        "meetings": past_meetings(snapshot, guest.email, event, now, zone, reuse),
        "topics": [
            {"text": t.text, "source": t.source, "date": local_day(t.at, zone)}
            for t in snapshot.topics.get(guest.email, ())
        ],
        "last_sent": _last(mail, SENT, now, zone),
        "last_received": _last(mail, RECEIVED, now, zone),
    }


def past_meetings(
    snapshot: Snapshot, contact: str, upcoming: Event, now: datetime, zone: tzinfo = UTC,
    reuse: Reuse | None = None,
) -> list[dict[str, Any]]:
    """Your latest meetings with ``contact`` before ``now``, oldest first."""
    this = meeting_id(upcoming)
    found = [
        e
        for e in cadence.meetings_by_person(snapshot.events, reuse).get(contact, [])
        if e.end <= now and meeting_id(e) != this
    ]
    found.sort(key=lambda e: (e.start, e.key))
    return [
        {"date": local_day(e.start, zone, all_day=e.all_day), "title": e.summary}
        for e in found[-MAX_MEETINGS:]
    ]


def _last(
    mail: Sequence[Interaction], direction: str, now: datetime, zone: tzinfo
) -> dict[str, Any] | None:
    found = [i for i in mail if i.direction == direction and i.at <= now]
    if not found:
        return None
    last = found[-1]
    return {"subject": last.subject, "date": local_day(last.at, zone)}


def trends(
    guests: Sequence[Recipient], snapshot: Snapshot, now: datetime, config: Config,
    reuse: Reuse | None = None,
) -> list[dict[str, Any]]:
    """Fresh articles matching the guests' topics (best first), then ones naming
    their organisation, at most :data:`MAX_ARTICLES`."""
    found: dict[str, dict[str, Any]] = {}
    for guest in guests:
        for match in sorted(snapshot.matches.get(guest.email, ()), key=lambda m: -m.score):
            article = snapshot.articles.get(match.article_id)
            if article is not None and cadence.is_fresh(article, now, config):
                found.setdefault(article.id, _article(article, config, topic=match.topic))
    for name in sorted({organisation(g.email) for g in guests} - {""}):
        for article in _naming(snapshot, name, now, config, reuse):
            found.setdefault(article.id, _article(article, config, mentions=name))
    return list(found.values())[:MAX_ARTICLES]


def _naming(snapshot: Snapshot, name: str, now: datetime, config: Config,
            reuse: Reuse | None) -> list[Article]:
    fresh = fresh_texts(snapshot.articles, now, config, reuse)
    hits = fresh.named.get(name)
    if hits is None:
        hits = fresh.named[name] = _search(fresh, name)
    return hits


def _search(fresh: FreshTexts, name: str) -> list[Article]:
    hits = [a for a, folded in fresh.items if find_folded(folded, (name,))]
    # fresh articles have a date: the order does not depend on the clock
    return sorted(hits, key=lambda a: (a.published, a.id), reverse=True)


@dataclass(frozen=True)
class FreshTexts:
    """Fresh articles with their folded title and summary. ``named`` keeps what
    :func:`_naming` found per name in these texts (so each name is searched once)."""

    items: list[tuple[Article, str]]
    named: dict[str, list[Article]] = field(default_factory=dict)


def fresh_texts(articles: Mapping[str, Article], now: datetime, config: Config,
                reuse: Reuse | None = None) -> FreshTexts:
    """The fresh ``articles`` (:func:`cadence.is_fresh`), each with its title and summary
    folded for :func:`find_folded`. ``reuse`` keeps them while ``articles`` and which of
    them are fresh stay the same: every upcoming meeting's brief searches them, cycle
    after cycle while no article arrives or grows old."""
    age = config.drip.max_article_age_days
    at = reuse.fresh_at if reuse is not None else None
    if at is not None and at[0] is articles and at[1:3] == (now, age):
        texts: FreshTexts = at[3]
        return texts
    fresh = [a for a in articles.values() if cadence.is_fresh(a, now, config)]
    ids = tuple(a.id for a in fresh)
    kept = reuse.fresh if reuse is not None else None
    if kept is not None and kept[0] is articles and kept[1] == ids:
        texts = kept[2]
    else:
        texts = FreshTexts([(a, fold_once(f"{a.title}\n{a.summary}")) for a in fresh])
        if reuse is not None:
            reuse.fresh = (articles, ids, texts)
    if reuse is not None:
        reuse.fresh_at = (articles, now, age, texts)
    return texts


def _article(
    article: Article, config: Config, *, topic: str = "", mentions: str = ""
) -> dict[str, Any]:
    """One trend for the brief: why it is there is the ``topic`` it matched, or the
    organisation it ``mentions``."""
    return {
        "title": article.title,
        "url": article.url,
        "summary": cadence.shorten(article.summary, cadence.SUMMARY_CHARS),
        "date": local_day(article.published, config.me.zone) if article.published else None,
        "topic": topic,
        "mentions": mentions,
    }
