"""Is this event a coffee meeting? A score from features, each with a reason,
and hard vetoes that win over any score."""

from __future__ import annotations

import logging
import sys

from kaffe.config.schema import DetectConfig, MeConfig
from kaffe.model import DECLINED, Event, Reason, Verdict
from kaffe.rules.people import (
    external_organizer,
    external_people,
    head_count,
    is_me,
    never_answered,
    others,
)
from kaffe.rules.reuse import Reuse
from kaffe.rules.words import find_word
from kaffe.wording import listed, plural

log = logging.getLogger(__name__)


def detect(event: Event, me: MeConfig, cfg: DetectConfig, reuse: Reuse | None = None
           ) -> Verdict:
    """Score ``event`` as a coffee meeting and explain the score.

    ``is_coffee`` is true when the score reaches ``cfg.threshold`` and no veto
    applies. Every reason is listed; veto reasons carry no points, so the
    points of the reasons always add up to the score. ``reuse`` keeps the event's
    people from outside for the rules that ask next (:class:`~kaffe.rules.reuse.Reuse`).
    Verdicts are kept for every meeting in the window (the memo), so the reasons
    that read the same for many events share one string (``sys.intern``).
    """
    scored = [*keyword_reasons(event, cfg), *attendee_reasons(event, me, cfg, reuse)]
    scored.append(duration_reason(event, cfg))
    scored += invitation_reasons(event, me)
    vetoes = veto_reasons(event, me, cfg, reuse)
    score = sum(r.points for r in scored)
    veto = vetoes[0].detail if vetoes else ""
    verdict = Verdict(score >= cfg.threshold and not veto, score, (*scored, *vetoes), veto)
    log.debug("event %s: score %g, veto %r", event.key, score, veto)
    return verdict


def keyword_reasons(event: Event, cfg: DetectConfig) -> list[Reason]:
    """Coffee words in the title and description, café words in the location."""
    reasons = []
    fields = (
        ("keyword.title", "title", event.summary, cfg.keywords, cfg.weight_title),
        ("keyword.location", "location", event.location, cfg.venue_words, cfg.weight_location),
        (
            "keyword.description",
            "description",
            event.description,
            cfg.keywords,
            cfg.weight_description,
        ),
    )
    for feature, label, text, words, weight in fields:
        word = find_word(text, words)
        if word is not None:
            reasons.append(Reason(feature, sys.intern(f'{label} mentions "{word}"'), weight))
    return reasons


def attendee_reasons(event: Event, me: MeConfig, cfg: DetectConfig,
                     reuse: Reuse | None = None) -> list[Reason]:
    """Someone from outside attends; the meeting is small (one-to-one-ish)."""
    reasons = []
    outside = external_people(event, me, reuse)
    if outside:
        names = listed([r.email for r in outside])
        reasons.append(
            Reason(
                "attendees.external", f"someone from outside attends ({names})", cfg.weight_external
            )
        )
    count = head_count(event, me)
    if count <= cfg.max_attendees and not event.attendees_omitted:
        reasons.append(
            Reason(
                "attendees.small",
                sys.intern(f"{plural(count, 'person')} including you "
                           f"(at most {cfg.max_attendees})"),
                cfg.weight_small,
            )
        )
    return reasons


def duration_reason(event: Event, cfg: DetectConfig) -> Reason:
    """Within ``[min_minutes, max_minutes]`` adds points; outside it takes them away."""
    minutes = event.minutes
    bounds = f"{cfg.min_minutes}-{cfg.max_minutes} minutes"
    if cfg.min_minutes <= minutes <= cfg.max_minutes:
        return Reason(
            "duration", sys.intern(f"lasts {plural(minutes, 'minute')} (within {bounds})"),
            cfg.weight_duration,
        )
    return Reason(
        "duration", sys.intern(f"lasts {plural(minutes, 'minute')} (outside {bounds})"),
        -cfg.weight_duration,
    )


UNANSWERED = "you never answered this invitation"


def invitation_reasons(event: Event, me: MeConfig) -> list[Reason]:
    """A one-off invitation you never answered still counts (invitations by mail
    always read NEEDS-ACTION, and people go anyway), but the verdict says so."""
    if event.recurring_event_id or not never_answered(event, me):
        return []
    return [Reason("invitation.unanswered", UNANSWERED)]


GUESTS_HIDDEN = (
    "the guest list is hidden or trimmed (attendeesOmitted): its size is unknown,"
    " so it is never taken for a small meeting"
)


def veto_reasons(event: Event, me: MeConfig, cfg: DetectConfig,
                 reuse: Reuse | None = None) -> list[Reason]:
    """Every hard exclusion that applies, most telling first; each carries no points."""
    checks = (
        ("veto.cancelled", event.status == "cancelled", "cancelled"),
        ("veto.declined", _declined(event, me), "declined by you"),
        (
            "veto.unanswered_series",
            bool(event.recurring_event_id) and never_answered(event, me),
            "a recurring series you never accepted (an invitation is not a meeting)",
        ),
        ("veto.all_day", event.all_day, "all-day event"),
        (
            "veto.event_type",
            event.event_type != "default",
            f"not a meeting (event type {event.event_type})",
        ),
        ("veto.guests_hidden", event.attendees_omitted, GUESTS_HIDDEN),
        (
            "veto.solo",
            _solo(event, me),
            "no one else attends: a solo block is a reminder, not a meeting",
        ),
        (
            "veto.large",
            head_count(event, me) > cfg.max_attendees,
            f"large meeting: {plural(head_count(event, me), 'person')} "
            f"(more than {cfg.max_attendees})",
        ),
        (
            "veto.internal",
            cfg.require_external and not external_people(event, me, reuse),
            "no one from outside your organisation attends",
        ),
    )
    reasons = [Reason(feature, detail) for feature, hit, detail in checks if hit]
    excluded = find_word(event.summary, cfg.exclude_words)
    if excluded is not None:
        reasons.append(Reason("veto.exclude_word", f'title mentions "{excluded}" (excluded)'))
    return reasons


def _declined(event: Event, me: MeConfig) -> bool:
    return any(is_me(a, me) and a.response == DECLINED for a in event.attendees)


def _solo(event: Event, me: MeConfig) -> bool:
    """No one else, as far as the event shows (a hidden guest list is no proof)."""
    omitted = event.attendees_omitted
    return not omitted and not others(event, me) and not external_organizer(event, me)
