"""The plan: every event with its verdict, and the actions the rules want taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kaffe.config.schema import Config
from kaffe.model import DUE, Action, Event, Snapshot, Verdict
from kaffe.rules.detect import detect
from kaffe.rules.followup import followup_actions
from kaffe.rules.merge import merge_meetings


@dataclass(frozen=True)
class Plan:
    """What one evaluation decided; ``kaffe plan`` prints it, the executor runs it."""

    verdicts: tuple[tuple[Event, Verdict], ...] = ()
    actions: tuple[Action, ...] = ()

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


def evaluate(snapshot: Snapshot, now: datetime, config: Config) -> Plan:
    """Judge every meeting in ``snapshot`` (one per iCalUID, whichever sources it came
    through) and plan the follow-ups. Pure: ``now`` is given."""
    ordered = sorted(merge_meetings(snapshot.events), key=lambda e: (e.start, e.key))
    verdicts = tuple((event, detect(event, config.me, config.detect)) for event in ordered)
    coffee = [event for event, verdict in verdicts if verdict.is_coffee]
    return Plan(verdicts, followup_actions(coffee, snapshot, now, config))
