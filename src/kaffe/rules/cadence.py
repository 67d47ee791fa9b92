"""Cadence shared by drips and check-ins: how often kaffe may reach out to a contact.

Rules of thumb, all measured from the ledger (``updated`` = when kaffe drafted)
and from your mail, never from a timer:

- **gap**: nothing within ``[drip] min_gap_days`` of the last touch. A touch is a
  follow-up, drip or check-in kaffe drafted (done or pending) *and* any mail you
  sent the contact yourself: someone you wrote to last week does not need a
  "saw this and thought of you" today. Mail they sent you does not count.
- **yearly cap**: at most ``max_per_year`` drips and check-ins together in any
  365 days.
- **pause**: after ``max_unanswered`` kaffe drafts you sent with no reply since
  (:func:`kaffe.rules.relations.relationship`), until they write back.
- **daily cap**: at most ``daily_cap`` drips and check-ins drafted in any 24 hours,
  across all contacts; the best-scored ones win.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from kaffe import timeutil
from kaffe.config.schema import Config
from kaffe.identity import same_items
from kaffe.kinds import CAPPED, TOUCHES
from kaffe.model import (
    DONE,
    DUE,
    PENDING,
    SENT,
    SKIPPED,
    WAITING,
    Action,
    Article,
    Event,
    Interaction,
    LedgerEntry,
    Match,
    Recipient,
    Snapshot,
)
from kaffe.redact import redact_url
from kaffe.rules.followup import followup_state_of
from kaffe.rules.merge import merge_meetings
from kaffe.rules.people import external_people, first_name, people
from kaffe.rules.relations import relationship
from kaffe.rules.reuse import Reuse, index_of
from kaffe.wording import plural

DRAFTED = (DONE, PENDING)
YEAR = timedelta(days=365)
DAY = timedelta(days=1)
SUMMARY_CHARS = 280


# What holds a contact back (:attr:`Hold.kind`).
PAUSED = "paused"
GAP = "gap"
YEARLY_CAP = "yearly cap"


@dataclass(frozen=True)
class Hold:
    """Why kaffe must not reach out now, and from when it may (None: not known)."""

    reason: str
    until: datetime | None = None
    kind: str = ""  # PAUSED, GAP or YEARLY_CAP


def stamp(moment: datetime, config: Config) -> str:
    """``2026-03-09 15:00 CET``: in the zone of ``[me] timezone``."""
    return timeutil.stamp(moment, config.me.zone)


def me_name(config: Config) -> str:
    """Your name to sign with: ``[me] name``, else from your first address."""
    if config.me.name:
        return config.me.name
    return first_name(Recipient(config.me.addresses[0])) if config.me.addresses else ""


def drafted(
    ledger: Mapping[str, LedgerEntry],
    now: datetime,
    kinds: Sequence[str],
    contact: str | None = None,
    reuse: Reuse | None = None,
) -> list[LedgerEntry]:
    """Drafts of ``kinds`` kaffe made (done or pending) up to ``now``, oldest first;
    only those for ``contact`` when one is given."""
    pool = (ledger.values() if contact is None
            else entries_by_contact(ledger, reuse).get(contact, ()))
    found = [e for e in pool if e.kind in kinds and e.state in DRAFTED and e.updated <= now]
    return sorted(found, key=lambda e: (e.updated, e.key))


def entries_by_contact(ledger: Mapping[str, LedgerEntry], reuse: Reuse | None = None
                       ) -> dict[str, list[LedgerEntry]]:
    """The ledger's entries per contact, in the ledger's order (kept in ``reuse``, so
    that per-contact rules stay linear)."""
    return index_of(_entries_by_contact, ledger, reuse)


def _entries_by_contact(ledger: Mapping[str, LedgerEntry]) -> dict[str, list[LedgerEntry]]:
    index: dict[str, list[LedgerEntry]] = {}
    for entry in ledger.values():
        index.setdefault(entry.contact, []).append(entry)
    return index


def last_touch(snapshot: Snapshot, contact: str, now: datetime, reuse: Reuse | None = None
               ) -> datetime | None:
    """When kaffe last drafted anything for ``contact`` or you last wrote to them."""
    times = [e.updated for e in drafted(snapshot.ledger, now, TOUCHES, contact, reuse)]
    times += [
        i.at for i in snapshot.interactions.get(contact, ()) if i.direction == SENT and i.at <= now
    ]
    return max(times, default=None)


def hold(snapshot: Snapshot, contact: str, now: datetime, config: Config,
         reuse: Reuse | None = None) -> Hold | None:
    """Why kaffe must not draft a drip or check-in for ``contact`` at ``now``, or None.

    ``reuse`` keeps the answer per contact while their mail and ledger entries are the
    same objects (the store view keeps them across steady cycles) and ``now`` has not
    reached the next moment it could change at (:func:`_next_change`)."""
    if reuse is None:
        return _hold(snapshot, contact, now, config)
    mail = snapshot.interactions.get(contact, ())
    mine = entries_by_contact(snapshot.ledger, reuse).get(contact, ())
    kept = reuse.holds.get(contact)
    if (kept is not None and kept[0] is mail and kept[1] is mine and kept[2] is config.drip
            and kept[3] <= now < kept[4]):
        found: Hold | None = kept[5]
        return found
    found = _hold(snapshot, contact, now, config, reuse)
    if len(reuse.holds) >= reuse.holds_max:
        reuse.holds.clear()
    reuse.holds[contact] = (mail, mine, config.drip, now,
                            _next_change(snapshot, contact, mail, mine, now, config, reuse),
                            found)
    return found


_NEVER = datetime.max.replace(tzinfo=UTC)


def _hold(snapshot: Snapshot, contact: str, now: datetime, config: Config,
          reuse: Reuse | None = None) -> Hold | None:
    return (
        _paused(snapshot, contact, now, config, reuse)
        or _gap(snapshot, contact, now, config, reuse)
        or (_yearly(snapshot, contact, now, config, reuse))
    )


def _next_change(snapshot: Snapshot, contact: str, mail: tuple[Interaction, ...],
                 entries: Sequence[LedgerEntry], now: datetime, config: Config,
                 reuse: Reuse | None) -> datetime:
    """The first moment after ``now`` at which :func:`_hold` could answer differently
    for the same ``mail`` and ledger ``entries`` of ``contact``: a message or entry dated
    later comes into view, the gap since the last touch ends (:func:`_gap`), or a draft
    leaves the 365-day window (:func:`_yearly`)."""
    later = [i.at for i in mail if i.at > now] + [e.updated for e in entries if e.updated > now]
    touch = last_touch(snapshot, contact, now, reuse)
    if touch is not None:
        later.append(touch + timedelta(days=config.drip.min_gap_days))
    later += [e.updated + YEAR for e in drafted(snapshot.ledger, now, CAPPED, contact, reuse)]
    return min((t for t in later if t > now), default=_NEVER)


def _paused(snapshot: Snapshot, contact: str, now: datetime, config: Config,
            reuse: Reuse | None) -> Hold | None:
    mail = _until(snapshot.interactions.get(contact, ()), now)
    mine = entries_by_contact(snapshot.ledger, reuse).get(contact, ())
    entries = [e for e in mine if e.updated <= now]
    unanswered = relationship(contact, mail, entries).unanswered
    limit = config.drip.max_unanswered
    if unanswered < limit:
        return None
    return Hold(f"paused: {plural(unanswered, 'draft')} you sent "
                f"{'is' if unanswered == 1 else 'are'} unanswered (max_unanswered = {limit})",
                kind=PAUSED)


def _until(mail: tuple[Interaction, ...], now: datetime) -> tuple[Interaction, ...]:
    """The interactions (oldest first) up to ``now``: usually all of them."""
    if not mail or mail[-1].at <= now:
        return mail
    return tuple(i for i in mail if i.at <= now)


def _gap(snapshot: Snapshot, contact: str, now: datetime, config: Config,
         reuse: Reuse | None) -> Hold | None:
    touch = last_touch(snapshot, contact, now, reuse)
    gap = timedelta(days=config.drip.min_gap_days)
    if touch is None or now >= touch + gap:
        return None
    return Hold(
        f"last touch {stamp(touch, config)}; next one possible from {stamp(touch + gap, config)}",
        touch + gap,
        GAP,
    )


def _yearly(snapshot: Snapshot, contact: str, now: datetime, config: Config,
            reuse: Reuse | None) -> Hold | None:
    cap = config.drip.max_per_year
    recent = [e for e in drafted(snapshot.ledger, now, CAPPED, contact, reuse)
              if e.updated > now - YEAR]
    if len(recent) < cap:
        return None
    if cap == 0:
        return Hold("max_per_year = 0: no drips or check-ins", kind=YEARLY_CAP)
    until = recent[len(recent) - cap].updated + YEAR
    return Hold(f"{len(recent)} drafted in the last 365 days (max_per_year = {cap})", until,
                YEARLY_CAP)


def score_of(action: Action) -> float:
    """The score a DUE action competes with for the daily cap (recoveries first)."""
    return float(action.context.get("score", 0.0))


def apply_daily_cap(
    actions: Sequence[Action],
    snapshot: Snapshot,
    now: datetime,
    config: Config,
    *,
    planned: Sequence[Action] = (),
) -> tuple[Action, ...]:
    """Keep at most ``daily_cap`` drips and check-ins in any 24 h: drafts of the last
    24 h count first, then the DUE actions already ``planned`` (capped before), then
    the DUE ``actions``, best score first; the rest wait."""
    due = [a for a in actions if a.state == DUE]
    held = [a for a in planned if a.state == DUE and a.kind in CAPPED]
    keys = {a.key for a in (*due, *held)}
    used = [e for e in drafted(snapshot.ledger, now, CAPPED) if e.updated > now - DAY]
    room = max(0, config.drip.daily_cap - len(held) - sum(1 for e in used if e.key not in keys))
    keep = {a.key for a in sorted(due, key=lambda a: (-score_of(a), a.key))[:room]}
    reason = f"daily cap reached ({config.drip.daily_cap} drips and check-ins a day)"
    return tuple(
        replace(a, state=WAITING, reason=f"{reason}; would draft: {a.reason}")
        if a.state == DUE and a.key not in keep
        else a
        for a in actions
    )


def met_contacts(
    coffee: Iterable[Event], now: datetime, config: Config, reuse: Reuse | None = None
) -> dict[str, tuple[Recipient, list[Event]]]:
    """Everyone outside your organisation you had a (past, ended) coffee meeting with,
    with those meetings, oldest first. The caller must not change what it gets: the
    drip and check-in rules of one plan share it, and ``reuse`` keeps it (and the
    meetings sorted by end) for the next plan while the meetings are the same objects
    and no further one has ended."""
    meetings = tuple(coffee)
    ordered, ends = _by_end(meetings, reuse)
    ended = bisect_right(ends, now)  # the result changes only when a meeting ends
    kept = reuse.met if reuse is not None else None
    if kept is not None and same_items(meetings, kept[0]) and kept[1:3] == (ended, config.me):
        return kept[3]
    found: dict[str, tuple[Recipient, list[Event]]] = {}
    for event in ordered[:ended]:
        if event.status == "cancelled":
            continue
        for person in external_people(event, config.me, reuse):
            found.setdefault(person.email, (person, []))[1].append(event)
    if reuse is not None:
        reuse.met = (meetings, ended, config.me, found)
    return found


def _by_end(meetings: tuple[Event, ...], reuse: Reuse | None
            ) -> tuple[list[Event], list[datetime]]:
    kept = reuse.by_end if reuse is not None else None
    if kept is not None and same_items(meetings, kept[0]):
        return kept[1], kept[2]
    ordered = sorted(meetings, key=lambda e: (e.end, e.key))
    ends = [e.end for e in ordered]
    if reuse is not None:
        reuse.by_end = (meetings, ordered, ends)
    return ordered, ends


def pending_followups(
    coffee: Iterable[Event], snapshot: Snapshot, now: datetime, config: Config,
    reuse: Reuse | None = None,
) -> dict[str, Event]:
    """Contacts with a follow-up still to be drafted (waiting or due), and its meeting;
    an upcoming meeting's follow-up counts: no drip just before you meet."""
    pending: dict[str, Event] = {}
    for event in coffee:
        if not config.followup.enabled or event.status == "cancelled":
            continue
        to, state = followup_state_of(event, snapshot, now, config, reuse)
        if state in (DUE, WAITING):
            for person in to:
                pending.setdefault(person.email, event)
    return pending


def is_fresh(article: Article, now: datetime, config: Config) -> bool:
    """Published within ``max_article_age_days`` of ``now`` (undated articles are not)."""
    if article.published is None:
        return False
    return now - article.published <= timedelta(days=config.drip.max_article_age_days)


def best_article(
    snapshot: Snapshot, contact: str, now: datetime, config: Config, taken: set[str],
    matches: Iterable[Match] | None = None,
) -> tuple[Match, Article] | None:
    """The best-scored fresh matching article with a link whose id is not in ``taken``
    and whose link no article in ``taken`` had. An article without a link (none in
    the feed, or only a private one) is not shared: the contact could not open it.
    Comments of one post are articles of their own (see feeds.parse.identity) but
    share the post's link; the contact is sent that link once. This also keeps an
    article stored before comments were told apart (one id for all of them) from
    coming back under a comment's new id. ``matches``: these instead of the
    contact's ``snapshot.matches`` (the near misses ``kaffe plan`` explains)."""
    found = snapshot.matches.get(contact, ()) if matches is None else matches
    ranked = sorted(found, key=lambda m: -m.score)
    sent = shared_links(snapshot, taken)
    for match in ranked:
        article = snapshot.articles.get(match.article_id)
        if article is not None and unshareable(article, now, config, taken, sent) is None:
            return match, article
    return None


def shared_links(snapshot: Snapshot, taken: set[str]) -> set[str]:
    """The links of the articles in ``taken`` that are still stored."""
    return {found.url for key in taken if (found := snapshot.articles.get(key)) is not None}


def unshareable(article: Article | None, now: datetime, config: Config, taken: set[str],
                sent: set[str]) -> str | None:
    """Why :func:`best_article` passes ``article`` over, in words; None when it may be
    shared (``sent``: :func:`shared_links` of ``taken``)."""
    if article is None:
        return "it is no longer stored"
    if not article.url:
        return "it has no public link"
    if article.id in taken or article.url in sent:
        return "its link was shared with them before"
    if article.published is None:
        return "it has no date"
    if not is_fresh(article, now, config):
        return (f"it is more than {plural(config.drip.max_article_age_days, 'day')} old "
                "(max_article_age_days)")
    return None


def closed(entry: LedgerEntry | None) -> bool:
    """True when the ledger says this key is drafted, being drafted or skipped."""
    return entry is not None and entry.state in (DONE, PENDING, SKIPPED)


def article_context(match: Match | None, article: Article | None) -> dict[str, Any]:
    """The article and the topic it matched, for the drip and check-in templates."""
    if match is None or article is None:
        return {"topic": "", "terms": [], "article_title": "", "article_url": "",
                "article_summary": "", "article_feed": "", "score": 0.0}  # fmt: skip
    return {
        "topic": match.topic,
        "terms": list(match.terms),
        "article_title": article.title,
        "article_url": article.url,
        "article_summary": shorten(article.summary, SUMMARY_CHARS),
        "article_feed": redact_url(article.feed),  # a feed's name is its URL unless set
        "score": match.score,
    }


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary with an ellipsis past ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(".,;:") + "…"


def match_reason(match: Match, article: Article) -> str:
    """Why an article fits: the topic, the matched terms and the score."""
    terms = ", ".join(match.terms) or "-"
    return f'"{article.title}" matches "{match.topic}" (terms: {terms}; score {match.score:.2f})'


def match_reason_short(context: dict[str, Any]) -> str:
    """The article of a draft's context and the topic it matched, in one phrase."""
    topic = context.get("topic") or "-"
    return f'"{context["article_title"]}" on "{topic}" (score {float(context["score"]):.2f})'


def meetings_by_person(events: tuple[Event, ...], reuse: Reuse | None = None
                       ) -> dict[str, list[Event]]:
    """Meetings (merged by UID, not cancelled) per participant address, in start order
    (kept in ``reuse``, so that per-contact rules stay linear)."""
    return index_of(_meetings_by_person, events, reuse)


def _meetings_by_person(events: tuple[Event, ...]) -> dict[str, list[Event]]:
    index: dict[str, list[Event]] = {}
    for event in sorted(merge_meetings(events), key=lambda e: (e.start, e.key)):
        if event.status == "cancelled":
            continue
        for address in {event.organizer, *(a.email for a in people(event))} - {""}:
            index.setdefault(address, []).append(event)
    return index


def outreach_action(
    kind: str,
    key: str,
    state: str,
    reason: str,
    person: Recipient,
    last: Event,
    language: str,
    context: dict[str, Any],
    *,
    due_at: datetime | None = None,
    score: float | None = None,
    language_reason: str = "",
) -> Action:
    """A drip or check-in to one contact; ``score`` orders them under the daily cap."""
    if score is not None:
        context["score"] = score
    return Action(
        kind=kind,
        key=key,
        state=state,
        reason=reason,
        to=(person,),
        language=language,
        language_reason=language_reason,
        template=kind,
        event_key=last.key,
        due_at=due_at,
        context=context,
    )
