"""One cycle: sync each source -> build the snapshot (judge, learn topics, match
articles) -> plan -> execute."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource, DraftReader, FeedSource, MailSource
from kaffe.daemon.executor import Executor, Outcome
from kaffe.daemon.memo import CycleMemo
from kaffe.daemon.prune import prune_articles
from kaffe.daemon.review import guard_judge, review_drafts
from kaffe.daemon.sync import SyncResult, sync_all
from kaffe.errors import KaffeError
from kaffe.model import DraftFinding, LedgerEntry, OutcomeState
from kaffe.relevance.live import Relevance
from kaffe.rules.plan import Plan, evaluate
from kaffe.store import Store
from kaffe.timeutil import stamp
from kaffe.wording import plural

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
        return [o for o in self.outcomes if o.state == OutcomeState.DONE]

    @property
    def blocked(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == OutcomeState.BLOCKED]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state in FAILED_STATES]

    @property
    def synced(self) -> list[SyncResult]:
        """The sources that synced this cycle (not failed, not backing off)."""
        return [s for s in self.syncs if not s.error and not s.skipped]

    def summary(self) -> str:
        """One line for the log and systemd's STATUS=."""
        errors = sum(1 for s in self.syncs if s.error)
        waiting = sum(1 for s in self.syncs if s.skipped and not s.error)
        return (
            f"synced {len(self.synced)} of {len(self.syncs)} sources, {errors} failed, "
            f"{waiting} backing off; "
            f"{plural(len(self.plan.verdicts), 'event')} seen, "
            f"{plural(len(self.created), 'draft')} created, "
            f"{len(self.failed)} failed"
        )


CAP_META = "safety:cap"
FAILED_STATES = (OutcomeState.FAILED, OutcomeState.AUTH, OutcomeState.TRANSIENT)


def record_cap(store: Store, plan: Plan, now: datetime) -> None:
    """Keep the cap warning of the last real cycle ("" when no cap held) for `kaffe status`."""
    text = f"{plan.cap.warning()} (cycle at {stamp(now, plan.cap.zone)})" if plan.cap else ""
    if (store.get_meta(CAP_META) or "") != text:
        store.set_meta(CAP_META, text)


def run_cycle(
    store: Store,
    sources: Sources,
    executor: Executor | None,
    relevance: Relevance,
    now: datetime,
    config: Config,
    *,
    stop: Callable[[], bool] | None = None,
    memo: CycleMemo | None = None,
    drafts: DraftReader | None = None,
) -> CycleReport:
    """Sync, learn, plan and (unless ``executor`` is None: a dry run) execute.

    ``stop`` (SIGTERM) is asked between sources and between actions. ``memo`` keeps
    what the next cycle may reuse (the runtime's; None: compute everything afresh).
    ``drafts``: the mailbox's drafts, reviewed for job asks (:mod:`kaffe.daemon.review`)."""
    memo = memo if memo is not None else CycleMemo(store, enabled=False)
    syncs = sync_all(store, sources, now, config, stop=stop)
    if executor is not None:  # a real cycle; `kaffe plan` changes nothing it can avoid
        prune_articles(store, now, config)
    relevance.update(store, [a for s in syncs for a in s.articles], now)
    # a dry run is `kaffe plan`: it also says why the contacts met get no drip, and how
    # near the best article came; the daemon spends nothing on that
    explain = executor is None
    review = None
    if drafts is not None and config.guard.review_drafts and config.guard.enabled:
        judge, reader = guard_judge(config.guard), drafts

        def review(people: frozenset[str], ledger: Mapping[str, LedgerEntry]
                   ) -> tuple[DraftFinding, ...]:
            try:
                return review_drafts(store, reader, people, ledger, judge, now, config,
                                     record=not explain)
            except KaffeError as exc:  # the drafts wait for the next cycle
                log.warning("%s: drafts not reviewed this cycle: %s", reader.name, exc)
                return ()
    # a calendar or mailbox not read: who you are in touch with is not known for sure
    unread = tuple(s.source for s in syncs if s.error and not s.source.startswith("feed:"))
    snap, verdicts = memo.build(now, config, relevance, near=explain, review=review,
                                unread=unread)
    plan = evaluate(snap, now, config, verdicts=verdicts, reuse=memo.reuse, explain=explain)
    if plan.cap is not None:
        log.warning("%s", plan.cap.warning())
    outcomes = (executor.execute(plan.actions, now, stop=stop, known=snap.ledger)
                if executor else [])
    if executor is not None:
        record_cap(store, plan, now)
    report = CycleReport(now, tuple(syncs), plan, tuple(outcomes))
    log.info("cycle at %s: %s", now.isoformat(), report.summary())
    return report
