"""The plan: every event with its verdict, and the actions the rules want taken."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kaffe.config.schema import Config
from kaffe.kinds import DRIP
from kaffe.model import DUE, Action, Event, Snapshot, Verdict
from kaffe.rules.checkin import checkin_actions
from kaffe.rules.detect import detect
from kaffe.rules.drip import NoDrip, NoDripWhy, drip_plan, held_back
from kaffe.rules.followup import followup_actions
from kaffe.rules.merge import merge_meetings
from kaffe.rules.prep import prep_actions
from kaffe.rules.reuse import Reuse
from kaffe.rules.review import review_actions
from kaffe.rules.safety import Cap, apply_caps


@dataclass(frozen=True)
class Plan:
    """What one evaluation decided; ``kaffe plan`` prints it, the executor runs it."""

    verdicts: tuple[tuple[Event, Verdict], ...] = ()
    actions: tuple[Action, ...] = ()
    cap: Cap | None = None  # the draft cap that held drafts back, if one did
    # every contact met whose drip is not DUE, and why (``evaluate(explain=True)``:
    # ``kaffe plan`` says it)
    no_drip: tuple[NoDrip, ...] = ()

    def in_state(self, state: str) -> tuple[Action, ...]:
        """The actions in ``state`` (DUE, WAITING, SKIPPED or DONE)."""
        return tuple(a for a in self.actions if a.state == state)

    @property
    def due(self) -> tuple[Action, ...]:
        return self.in_state(DUE)


def judge(snapshot: Snapshot, config: Config, reuse: Reuse | None = None
          ) -> tuple[tuple[Event, Verdict], ...]:
    """Every meeting in ``snapshot`` (one per iCalUID, whichever sources it came
    through), oldest first, with its coffee-meeting verdict."""
    ordered = ordered_meetings(snapshot.events)
    return tuple((event, detect(event, config.me, config.detect, reuse)) for event in ordered)


def ordered_meetings(events: Iterable[Event]) -> list[Event]:
    """One event per meeting (:func:`merge_meetings`), oldest first."""
    return sorted(merge_meetings(events), key=lambda e: (e.start, e.key))


def coffee_meetings(verdicts: Iterable[tuple[Event, Verdict]]) -> list[Event]:
    """The events judged to be coffee meetings, in the verdicts' order."""
    return [event for event, verdict in verdicts if verdict.is_coffee]


def plan_actions(
    snapshot: Snapshot,
    verdicts: tuple[tuple[Event, Verdict], ...],
    now: datetime,
    config: Config,
    reuse: Reuse | None = None,
) -> tuple[Action, ...]:
    """Follow-ups, then drips and check-ins (ended coffee meetings; an upcoming one
    holds drips back), then prep briefs for the upcoming ones, review notes, and the
    outreach, nudges and thank-yous for your targets. Pure: ``now`` is given;
    without ``reuse`` the plan keeps its indexes in a :class:`Reuse` of its own."""
    return _plan(snapshot, verdicts, now, config, reuse, explain=False)[0]


def _plan(
    snapshot: Snapshot,
    verdicts: tuple[tuple[Event, Verdict], ...],
    now: datetime,
    config: Config,
    reuse: Reuse | None = None,
    *,
    explain: bool,
) -> tuple[tuple[Action, ...], tuple[NoDrip, ...]]:
    """:func:`plan_actions`, and (``explain``) why each contact met gets no DUE drip."""
    reuse = Reuse() if reuse is None else reuse
    coffee = coffee_meetings(verdicts)
    followups = followup_actions(coffee, snapshot, now, config, reuse)
    drips, no_drip = drip_plan(snapshot, coffee, now, config, reuse, explain=explain)
    checkins = checkin_actions(snapshot, coffee, now, config, planned=drips, reuse=reuse)
    upcoming = [event for event in coffee if event.start > now]
    actions = (followups + drips + checkins + prep_actions(snapshot, upcoming, now, config, reuse)
               + review_actions(snapshot, config))
    if snapshot.targets:  # imported only then: a daemon without targets does without it
        from kaffe.rules.outreach import outreach_plan

        actions += outreach_plan(snapshot, now, config, reuse)
    return actions, no_drip


def evaluate(
    snapshot: Snapshot,
    now: datetime,
    config: Config,
    *,
    verdicts: tuple[tuple[Event, Verdict], ...] | None = None,
    reuse: Reuse | None = None,
    explain: bool = False,
) -> Plan:
    """Judge every meeting in ``snapshot`` (unless its ``verdicts`` are given: the
    cycle's memo keeps them) and plan the actions, within the ``[safety]`` draft caps.
    The one entry into the rules, once per cycle. Pure: ``now`` is given; ``reuse``
    only makes it faster (:class:`~kaffe.rules.reuse.Reuse`). ``explain`` (``kaffe
    plan``): also say why each contact met gets no drip now (:attr:`Plan.no_drip`)."""
    reuse = Reuse() if reuse is None else reuse
    verdicts = judge(snapshot, config, reuse) if verdicts is None else verdicts
    wanted, no_drip = _plan(snapshot, verdicts, now, config, reuse, explain=explain)
    actions, cap = apply_caps(wanted, snapshot, now, config)
    if explain:
        no_drip = _capped(no_drip, wanted, actions, cap)
    return Plan(verdicts, actions, cap, no_drip)


def _capped(no_drip: tuple[NoDrip, ...], wanted: tuple[Action, ...],
            actions: tuple[Action, ...], cap: Cap | None) -> tuple[NoDrip, ...]:
    """``no_drip`` and the DUE drips the draft cap held back, in contact order."""
    if cap is None:
        return no_drip
    held = {a.to[0].email: held_back(a, NoDripWhy.DRAFT_CAP, f"held back: {cap.warning()}",
                                      cap.until)
            for before, a in zip(wanted, actions, strict=True)
            if a.kind == DRIP and before.state == DUE and a.state != DUE and a.to}
    return tuple(sorted((*no_drip, *held.values()), key=lambda n: n.contact))
