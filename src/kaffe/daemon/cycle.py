"""One cycle: sync each source -> learn topics and relevance -> plan -> execute."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource, FeedSource, MailSource
from kaffe.daemon.executor import Executor, Outcome
from kaffe.daemon.learn import SKEW, Relevance, coffee_meetings, learn_topics
from kaffe.daemon.sync import SyncResult, sync_all, sync_window
from kaffe.model import Snapshot
from kaffe.rules.people import external_people
from kaffe.rules.plan import Plan, judge, plan_actions
from kaffe.store import Store

log = logging.getLogger(__name__)

Sources = tuple[list[CalendarSource], list[MailSource], list[FeedSource]]


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
    def blocked(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == "blocked"]

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


def snapshot(store: Store, now: datetime, config: Config) -> Snapshot:
    """A read-only view of what the rules need."""
    start, end = sync_window(now, config)
    since = min(start, now - timedelta(days=config.gmail.window_days))
    recent = now - timedelta(days=config.drip.max_article_age_days)
    articles = [a for a in store.articles(since=recent) if (a.published or now) <= now + SKEW]
    return Snapshot(
        events=tuple(store.events(start=start, end=end)),
        contacts=store.contacts(),
        ledger=store.ledger(),
        interactions=store.interactions(since=since),
        topics=store.topics(),
        articles={a.id: a for a in articles},
    )


def run_cycle(
    store: Store,
    sources: Sources,
    executor: Executor | None,
    relevance: Relevance,
    now: datetime,
    config: Config,
    *,
    stop: Callable[[], bool] | None = None,
) -> CycleReport:
    """Sync, learn, plan and (unless ``executor`` is None: a dry run) execute.

    ``stop`` (SIGTERM) is asked between sources and between actions."""
    syncs = sync_all(store, sources, now, config, stop=stop)
    snap = snapshot(store, now, config)
    verdicts = judge(snap, config)
    meetings = coffee_meetings(verdicts)
    if learn_topics(store, meetings, snap, config) or config.topics.notes_dir is not None:
        snap = replace(snap, topics=store.topics())
    relevance.update(store, [a for s in syncs for a in s.articles], now)
    people = {p.email for e in meetings for p in external_people(e, config.me)}
    snap = replace(snap, matches=relevance.matches(snap, people, now))
    plan = Plan(verdicts, plan_actions(snap, verdicts, now, config))
    outcomes = executor.execute(plan.actions, now, stop=stop) if executor else []
    report = CycleReport(now, tuple(syncs), plan, tuple(outcomes))
    log.info("cycle at %s: %s", now.isoformat(), report.summary())
    return report
