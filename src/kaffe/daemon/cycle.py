"""One cycle: sync each source -> evaluate the rules -> execute the actions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource, MailSource
from kaffe.daemon.executor import Executor, Outcome
from kaffe.errors import KaffeError
from kaffe.model import CalendarBatch, Event, Snapshot
from kaffe.rules.merge import is_older, merge_meetings
from kaffe.rules.plan import Plan, evaluate
from kaffe.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    source: str
    changed: int = 0
    full: bool = False
    error: str = ""


@dataclass(frozen=True)
class CycleReport:
    now: datetime
    syncs: tuple[SyncResult, ...]
    plan: Plan
    outcomes: tuple[Outcome, ...] = field(default=())

    @property
    def created(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == "done"]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state in ("failed", "auth", "transient")]

    def summary(self) -> str:
        """One line for the log and systemd's STATUS=."""
        errors = sum(1 for s in self.syncs if s.error)
        return (
            f"synced {len(self.syncs) - errors}/{len(self.syncs)} sources, "
            f"{len(self.plan.verdicts)} events seen, {len(self.created)} drafts created, "
            f"{len(self.failed)} failed"
        )


def sync_window(now: datetime, config: Config) -> tuple[datetime, datetime]:
    """The calendar window kept in the store: back far enough for stale follow-ups."""
    back = max(config.detect.lookback_days, config.followup.max_age_days + 1)
    return now - timedelta(days=back), now + timedelta(days=config.detect.lookahead_days)


def sync_calendar(
    store: Store, source: CalendarSource, now: datetime, config: Config
) -> SyncResult:
    """Sync one calendar; an incremental cursor is used while the stored window still
    reaches far enough ahead, else the window is listed afresh (events that drift into
    the look-ahead are never reported by an incremental sync)."""
    start, end = sync_window(now, config)
    cursor = store.get_cursor(source.name)
    covered = store.get_meta(f"window_end:{source.name}")
    if cursor and (covered is None or covered < end.isoformat()):
        cursor = None
    if cursor is None:
        end = end + timedelta(days=config.detect.lookahead_days)
    batch = source.sync(cursor, window_start=start, window_end=end)
    with store.transaction():
        changed = store.apply_calendar_batch(batch, window_start=start, window_end=end)
        store.set_cursor(source.name, batch.cursor)
        if batch.full:
            store.set_meta(f"window_end:{source.name}", end.isoformat())
        store.record_source_run(source.name, now, True, f"{changed} changes")
    return SyncResult(source.name, changed, batch.full)


def sync_mail(store: Store, source: MailSource, now: datetime, config: Config) -> SyncResult:
    """Sync one mailbox: messages become interactions, invitations become meetings."""
    since = now - timedelta(days=config.gmail.window_days)
    batch = source.sync(store.get_cursor(source.name), since=since, now=now)
    # Own addresses are needed only to file new messages (and may cost a getProfile).
    own = tuple(config.me.addresses) + (tuple(source.own_addresses()) if batch.messages else ())
    with store.transaction():
        changed = store.apply_mail_batch(batch, own_addresses=own)
        changed += _apply_invitations(store, batch.invitations, now, config)
        store.set_cursor(source.name, batch.cursor)
        store.record_source_run(source.name, now, True, f"{changed} changes")
    return SyncResult(source.name, changed, batch.full)


def _apply_invitations(
    store: Store, events: tuple[Event, ...], now: datetime, config: Config
) -> int:
    """Store meetings from invitations; an older REQUEST never overwrites a newer
    CANCEL (mail arrives in any order, and a full resync reads it all again)."""
    start, end = sync_window(now, config)
    fresh = [e for e in merge_meetings(events) if not is_older(e, store.event(e.key))]
    changed = 0
    for calendar in sorted({e.calendar for e in fresh}):
        mine = tuple(e for e in fresh if e.calendar == calendar)
        batch = CalendarBatch(calendar, mine, cursor=None, full=False)
        changed += store.apply_calendar_batch(batch, window_start=start, window_end=end)
    return changed


def sync_all(
    store: Store,
    calendars: list[CalendarSource],
    mailboxes: list[MailSource],
    now: datetime,
    config: Config,
) -> list[SyncResult]:
    """Sync every source; one failing source never stops the others."""
    jobs: list[tuple[str, Callable[[], SyncResult]]] = [
        (s.name, partial(sync_calendar, store, s, now, config)) for s in calendars
    ]
    jobs += [(s.name, partial(sync_mail, store, s, now, config)) for s in mailboxes]
    results = []
    for name, sync in jobs:
        try:
            results.append(sync())
        except KaffeError as exc:
            log.error("sync of %s failed: %s", name, exc)
            store.record_source_run(name, now, False, str(exc))
            results.append(SyncResult(name, error=str(exc)))
    return results


def snapshot(store: Store, now: datetime, config: Config) -> Snapshot:
    """A read-only view of what the rules need."""
    start, end = sync_window(now, config)
    since = min(start, now - timedelta(days=config.gmail.window_days))
    return Snapshot(
        events=tuple(store.events(start=start, end=end)),
        contacts=store.contacts(),
        ledger=store.ledger(),
        interactions=store.interactions(since=since),
    )


def run_cycle(
    store: Store,
    sources: tuple[list[CalendarSource], list[MailSource]],
    executor: Executor | None,
    now: datetime,
    config: Config,
) -> CycleReport:
    """Sync, evaluate and (unless ``executor`` is None: a dry run) execute."""
    calendars, mailboxes = sources
    syncs = sync_all(store, calendars, mailboxes, now, config)
    plan = evaluate(snapshot(store, now, config), now, config)
    outcomes = executor.execute(plan.actions, now) if executor else []
    report = CycleReport(now, tuple(syncs), plan, tuple(outcomes))
    log.info("cycle at %s: %s", now.isoformat(), report.summary())
    return report
