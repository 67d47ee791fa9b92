"""The draft caps: whatever the rules want, at most ``[safety] max_drafts_per_cycle``
drafts in one cycle and ``max_drafts_per_day`` in any 24 hours, of every kind together.

A cap holds the rest back as WAITING (the ledger records nothing), so the
level-triggered rules offer them again next cycle, and a held draft that goes stale
meanwhile is skipped as any other. When the cap binds, the draft that would be lost
soonest goes first (earliest deadline first): a prep brief before its meeting
starts, a follow-up before it goes stale (``max_age_days`` after the meeting), then
check-ins and drips, which do not expire, best score first. A draft still pending
from an interrupted attempt is never held back: it may exist already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo

from kaffe.config.schema import Config
from kaffe.kinds import CHECKIN, DRIP, FOLLOWUP, NUDGE, OUTREACH, PREP, THANKS
from kaffe.model import DONE, DUE, PENDING, WAITING, Action, Snapshot
from kaffe.timeutil import stamp
from kaffe.wording import plural

DAY = timedelta(days=1)
_NEVER = datetime.max.replace(tzinfo=UTC)
_KIND_ORDER = {PREP: 0, FOLLOWUP: 1, THANKS: 2, CHECKIN: 3, DRIP: 4, NUDGE: 5, OUTREACH: 6}


@dataclass(frozen=True)
class Cap:
    """A cap that held drafts back in this plan."""

    held: int
    limit: str  # "max_drafts_per_day = 25"
    until: datetime | None = None  # None: the next cycle
    zone: tzinfo = UTC  # [me] timezone: a person reads the warning

    def warning(self) -> str:
        """``cap reached: 3 drafts held back until … (max_drafts_per_day = 25)``."""
        when = stamp(self.until, self.zone) if self.until else "the next cycle"
        return f"cap reached: {plural(self.held, 'draft')} held back until {when} ({self.limit})"


def apply_caps(
    actions: Sequence[Action], snapshot: Snapshot, now: datetime, config: Config
) -> tuple[tuple[Action, ...], Cap | None]:
    """``actions`` with the DUE ones past the caps turned WAITING, and the cap that
    held them (None when nothing was held back)."""
    due = [a for a in actions if a.state == DUE and not _pending(snapshot, a)]
    if not due:  # the usual cycle
        return tuple(actions), None
    pending = [a for a in actions if a.state == DUE and _pending(snapshot, a)]
    cycle_room = max(0, config.safety.max_drafts_per_cycle - len(pending))
    drafted = _drafted_today(snapshot, now)
    day_room = max(0, config.safety.max_drafts_per_day - len(drafted))
    room = min(cycle_room, day_room)
    if len(due) <= room:
        return tuple(actions), None
    cap = _binding(len(due) - room, cycle_room, day_room, drafted, config)
    ranked = sorted(due, key=lambda a: _urgency(a, config))
    held = {a.key for a in ranked[room:]}
    why = f"held back: {cap.warning()}"
    return tuple(
        replace(a, state=WAITING, reason=f"{why}; would draft: {a.reason}") if a.key in held else a
        for a in actions
    ), cap


def _binding(
    held: int, cycle_room: int, day_room: int, drafted: list[datetime], config: Config
) -> Cap:
    """The cap that binds: the daily one says when its first slot frees up."""
    if day_room <= cycle_room:
        until = min(drafted) + DAY if drafted else None
        return Cap(held, f"max_drafts_per_day = {config.safety.max_drafts_per_day}", until,
                   config.me.zone)
    return Cap(held, f"max_drafts_per_cycle = {config.safety.max_drafts_per_cycle}")


def _drafted_today(snapshot: Snapshot, now: datetime) -> list[datetime]:
    """When each draft of the last 24 hours was made (done or pending), any kind."""
    return [e.updated for e in snapshot.ledger.values()
            if e.state in (DONE, PENDING) and now - DAY < e.updated <= now]


def _urgency(action: Action, config: Config) -> tuple[datetime, int, float, str]:
    """Sort key: the deadline after which the draft is lost, the kind, the best score."""
    return (_deadline(action, config), _KIND_ORDER.get(action.kind, 9),
            -float(action.context.get("score", 0.0)), action.key)


def _deadline(action: Action, config: Config) -> datetime:
    if action.due_at is None:
        return _NEVER
    if action.kind == PREP:  # due lead_hours before the meeting, gone once it starts
        return action.due_at + timedelta(hours=config.prep.lead_hours)
    if action.kind == FOLLOWUP:  # due delay_hours after the end, stale max_age_days after
        ended = action.due_at - timedelta(hours=config.followup.delay_hours)
        return ended + timedelta(days=config.followup.max_age_days)
    return _NEVER


def _pending(snapshot: Snapshot, action: Action) -> bool:
    entry = snapshot.ledger.get(action.key)
    return entry is not None and entry.state == PENDING
