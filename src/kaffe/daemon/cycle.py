"""One cycle: sync each source -> evaluate the rules -> execute the actions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource
from kaffe.daemon.executor import Executor, Outcome
from kaffe.errors import KaffeError
from kaffe.model import Snapshot
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


def sync_all(
    store: Store, sources: list[CalendarSource], now: datetime, config: Config
) -> list[SyncResult]:
    """Sync every source; one failing source never stops the others."""
    results = []
    for source in sources:
        try:
            results.append(sync_calendar(store, source, now, config))
        except KaffeError as exc:
            log.error("sync of %s failed: %s", source.name, exc)
            store.record_source_run(source.name, now, False, str(exc))
            results.append(SyncResult(source.name, error=str(exc)))
    return results


def snapshot(store: Store, now: datetime, config: Config) -> Snapshot:
    """A read-only view of what the rules need."""
    start, end = sync_window(now, config)
    return Snapshot(
        events=tuple(store.events(start=start, end=end)),
        contacts=store.contacts(),
        ledger=store.ledger(),
    )


def run_cycle(
    store: Store,
    sources: list[CalendarSource],
    executor: Executor | None,
    now: datetime,
    config: Config,
) -> CycleReport:
    """Sync, evaluate and (unless ``executor`` is None: a dry run) execute."""
    syncs = sync_all(store, sources, now, config)
    plan = evaluate(snapshot(store, now, config), now, config)
    outcomes = executor.execute(plan.actions, now) if executor else []
    report = CycleReport(now, tuple(syncs), plan, tuple(outcomes))
    log.info("cycle at %s: %s", now.isoformat(), report.summary())
    return report
