"""The plan: every event with its verdict, and the actions the rules want taken."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kaffe.config.schema import Config
from kaffe.model import DUE, Action, Event, Snapshot, Verdict
from kaffe.rules.checkin import checkin_actions
from kaffe.rules.detect import detect
from kaffe.rules.drip import drip_actions
from kaffe.rules.followup import followup_actions
from kaffe.rules.merge import merge_meetings
from kaffe.rules.prep import prep_actions
from kaffe.rules.safety import Cap, apply_caps


@dataclass(frozen=True)
class Plan:
    """What one evaluation decided; ``kaffe plan`` prints it, the executor runs it."""

    verdicts: tuple[tuple[Event, Verdict], ...] = ()
    actions: tuple[Action, ...] = ()
    cap: Cap | None = None  # the draft cap that held drafts back, if one did

    @property
    def coffee(self) -> tuple[Event, ...]:
        """The events judged to be coffee meetings."""
        return tuple(event for event, verdict in self.verdicts if verdict.is_coffee)

    def in_state(self, state: str) -> tuple[Action, ...]:
        """The actions in ``state`` (DUE, WAITING, SKIPPED or DONE)."""
        return tuple(a for a in self.actions if a.state == state)

    @property
    def due(self) -> tuple[Action, ...]:
        return self.in_state(DUE)


def judge(snapshot: Snapshot, config: Config) -> tuple[tuple[Event, Verdict], ...]:
    """Every meeting in ``snapshot`` (one per iCalUID, whichever sources it came
    through), oldest first, with its coffee-meeting verdict."""
    ordered = ordered_meetings(snapshot.events)
    return tuple((event, detect(event, config.me, config.detect)) for event in ordered)


def ordered_meetings(events: Iterable[Event]) -> list[Event]:
    """One event per meeting (:func:`merge_meetings`), oldest first."""
    return sorted(merge_meetings(events), key=lambda e: (e.start, e.key))


def plan_actions(
    snapshot: Snapshot,
    verdicts: tuple[tuple[Event, Verdict], ...],
    now: datetime,
    config: Config,
) -> tuple[Action, ...]:
    """Follow-ups, then drips and check-ins (ended coffee meetings; an upcoming one
    holds drips back), then prep briefs for the upcoming ones. Pure: ``now`` is given."""
    coffee = [event for event, verdict in verdicts if verdict.is_coffee]
    followups = followup_actions(coffee, snapshot, now, config)
    drips = drip_actions(snapshot, coffee, now, config)
    checkins = checkin_actions(snapshot, coffee, now, config, planned=drips)
    upcoming = [event for event in coffee if event.start > now]
    return followups + drips + checkins + prep_actions(snapshot, upcoming, now, config)


def make_plan(
    snapshot: Snapshot,
    verdicts: tuple[tuple[Event, Verdict], ...],
    now: datetime,
    config: Config,
) -> Plan:
    """The actions for ``verdicts``, within the ``[safety]`` draft caps."""
    actions, cap = apply_caps(plan_actions(snapshot, verdicts, now, config), snapshot, now, config)
    return Plan(verdicts, actions, cap)


def evaluate(snapshot: Snapshot, now: datetime, config: Config) -> Plan:
    """Judge every meeting in ``snapshot`` and plan the actions. Pure: ``now`` is given."""
    return make_plan(snapshot, judge(snapshot, config), now, config)
