"""Cycles under API faults: the same drafts as without faults, every failure on record.

The whole stack runs for real (google-api-python-client over HTTP against the
emulator, SQLite, the local demo feeds); the emulator injects 429/500/503 with
and without Retry-After, slow replies and lost replies to drafts.create. Only
the clock is simulated, and the connectors' sleeps are recorded, not slept.
"""

from __future__ import annotations

import email
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest

from kaffe.config import loads
from kaffe.connectors.google.retry import DEFAULT_POLICY
from kaffe.daemon.cycle import CycleReport
from kaffe.daemon.runtime import Runtime, open_runtime
from kaffe.demo import DEMO_CONFIG, DEMO_START
from kaffe.emulator import Emulator
from kaffe.emulator.token import write_emulator_token
from kaffe.model import DONE, FAILED, SKIPPED
from tests.helpers import DEMO_SEED

log = logging.getLogger(__name__)

# Five weeks of the demo, twice a day: follow-ups, prep briefs, a check-in and drips.
NOWS = [DEMO_START + timedelta(hours=12 * i) for i in range(2 * 36)]
CHAOS: dict[str, Any] = {
    "statuses": (429, 500, 503),
    "retry_after": (None, 0.0, 1.0, 30.0),
    "slow_rate": 0.1,
    "slow": (0.02, 0.05),  # real delays stay tiny; the client timeout is 30 s
    "lost_rate": 0.05,  # drafts.create carried out, answered 5xx
}
MAX_REPEATS = 15  # cycles at one `now` before the test gives up on converging
CALENDAR = "google:primary"
DEMO_NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
Running = tuple[Emulator, Runtime, list[float]]  # the emulator, the runtime, its sleeps


@dataclass
class Outcome:
    """What one scenario run left behind."""

    keys: list[str]  # X-Kaffe-Key of every draft in the mailbox (duplicates kept)
    cycles: int
    sends: int
    sleeps: list[float]
    ledger: dict[str, Any]
    failed_syncs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failure_details: list[str] = field(default_factory=list)
    faults: dict[str, Any] = field(default_factory=dict)


@contextmanager
def demo_runtime(tmp: Path, seed: int | None = None) -> Iterator[Running]:
    """A fresh emulator on the demo seed (with 20% random faults when ``seed`` is given)
    and a runtime on it whose sleeps are recorded, never slept."""
    with Emulator(DEMO_SEED) as emu:
        text = DEMO_CONFIG.format(endpoint=emu.url, data=tmp, seed=DEMO_SEED)
        config = loads(text, source="<test config>", base_dir=tmp)
        write_emulator_token(tmp / "google-token.json", emu.url)
        if seed is not None:
            emu.chaos(0.2, seed=seed, **CHAOS)
        sleeps: list[float] = []
        runtime = open_runtime(config, sleep=sleeps.append)
        try:
            yield emu, runtime, sleeps
        finally:
            runtime.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Running]:
    with demo_runtime(tmp_path) as running:
        yield running


def draft_keys(emu: Emulator) -> list[str]:
    messages = [email.message_from_bytes(d["raw"], policy=policy.default) for d in emu.drafts()]
    return [str(m["X-Kaffe-Key"]) for m in messages]


def converged(report: CycleReport) -> bool:
    """Every source synced and every due action was carried out."""
    return not any(s.error for s in report.syncs) and not report.failed


def run_scenario(emu: Emulator, runtime: Runtime, sleeps: list[float]) -> Outcome:
    """Every `now` in NOWS, repeated (same `now`) until a cycle has nothing left to do."""
    cycles, failed_syncs, details = 0, [], []
    for now in NOWS:
        for _ in range(MAX_REPEATS):
            report = runtime.cycle(now)
            cycles += 1
            runs = runtime.store.source_runs()
            failed_syncs += [(s.source, runs[s.source]) for s in report.syncs if s.error]
            details += [runtime.store.ledger()[o.action.key].detail for o in report.failed]
            if converged(report):
                break
        else:
            pytest.fail(f"no convergence at {now} after {MAX_REPEATS} cycles")
    return Outcome(draft_keys(emu), cycles, emu.send_attempts, list(sleeps),
                   runtime.store.ledger(), failed_syncs, details, emu.fault_stats())


def scenario(tmp: Path, seed: int | None) -> Outcome:
    with demo_runtime(tmp, seed) as (emu, runtime, sleeps):
        return run_scenario(emu, runtime, sleeps)


@pytest.fixture(scope="module")
def fault_free(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return scenario(tmp_path_factory.mktemp("calm"), None)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    # The seed fixes which requests fail: one whose faults include failed syncs and lost
    # replies to drafts.create among the demo's drafts, with the per-cycle key look-up
    # (and, since the first sync lists by inbox tab, a Gmail first sync paused by a batch
    # that kept failing, then finished next cycle).
    return scenario(tmp_path_factory.mktemp("faulty"), 4)


def test_fault_free_run_drafts_every_kind_once(fault_free: Outcome) -> None:
    kinds = Counter(key.split(":")[0] for key in fault_free.keys)
    assert set(kinds) == {"followup", "prep", "checkin", "drip", "outreach"}, kinds
    assert len(fault_free.keys) == len(set(fault_free.keys))
    assert fault_free.cycles == len(NOWS) and fault_free.sleeps == []


def test_twenty_percent_faults_converge_to_the_same_drafts(
    fault_free: Outcome, faulty: Outcome
) -> None:
    log.warning("faulty run: %d cycles instead of %d; faults %s", faulty.cycles,
                fault_free.cycles, faulty.faults)
    assert sorted(faulty.keys) == sorted(fault_free.keys)  # same drafts, none twice
    assert len(faulty.keys) == len(set(faulty.keys))
    assert faulty.sends == 0
    assert faulty.faults["errors"] > 50 and faulty.faults["delays"] > 10
    assert faulty.faults["lost_replies"] > 0
    assert set(faulty.faults["by_status"]) == {"429", "500", "503"}
    assert faulty.cycles > fault_free.cycles  # faults cost extra cycles, never drafts


def test_each_failure_is_recorded_and_the_waits_are_bounded(faulty: Outcome) -> None:
    assert faulty.failed_syncs, "20% faults should fail some syncs"
    for source, run in faulty.failed_syncs:  # each failed sync is on record, with why
        assert run["ok"] is False and "HTTP" in run["detail"], (source, run)
    assert faulty.failure_details and all("transient" in d for d in faulty.failure_details)
    assert all(entry.state in (DONE, SKIPPED) for entry in faulty.ledger.values())
    assert any(entry.attempts > 1 for entry in faulty.ledger.values())
    assert faulty.sleeps and min(faulty.sleeps) >= 0.0
    longest_asked = max(v for v in CHAOS["retry_after"] if v is not None)
    stretch = DEFAULT_POLICY.retry_after_stretch
    assert max(faulty.sleeps) <= longest_asked * (1 + stretch) + DEFAULT_POLICY.retry_after_spread


def test_calendar_down_for_good_leaves_gmail_feeds_and_drafts_working(
    demo: Running,
) -> None:
    emu, runtime, sleeps = demo
    emu.inject(503, count=10**6, path_contains="/calendar/")
    reports = [runtime.cycle(DEMO_NOW + timedelta(hours=h)) for h in (0, 6)]
    runs = runtime.store.source_runs()
    assert runs[CALENDAR]["ok"] is False and "503" in runs[CALENDAR]["detail"]
    assert runs["gmail"]["ok"] is True
    assert all(runs[f"feed:{name}"]["ok"] for name in ("Data Engineering Weekly", "Grøn Data"))
    keys = draft_keys(emu)
    assert len(keys) == 1 and keys[0].startswith("followup:")  # Oliver, invited by mail
    assert "OLIVER" in keys[0]
    assert not any("demo0" in k for k in keys)  # nothing from the calendar it cannot read
    # nobody new is written to while a meeting with them could be in the unread calendar
    held = [a for r in reports for a in r.plan.actions if a.kind == "outreach"]
    assert held and all(a.state == "waiting" for a in held)
    assert sum(CALENDAR in a.reason for a in held) == 2 * len(reports)  # the week's two
    retries = DEFAULT_POLICY.cap * runtime.config.google.num_retries * len(reports)
    assert len(sleeps) == runtime.config.google.num_retries * len(reports)
    assert sum(sleeps) <= retries  # bounded: num_retries waits per cycle, each capped


def test_failed_create_is_recorded_with_attempts_until_it_succeeds(
    demo: Running,
) -> None:
    emu, runtime, _ = demo
    # drafts.create is not retried after a 5xx: it may have been carried out
    emu.inject(503, count=2, path_contains="/drafts", method="POST")
    first = runtime.cycle(DEMO_NOW)
    (failed,) = first.failed
    key = failed.action.key
    entry = runtime.store.ledger()[key]
    assert (entry.state, entry.attempts) == (FAILED, 1)
    assert "transient" in entry.detail and "drafts.create: HTTP 503" in entry.detail
    runtime.cycle(DEMO_NOW)  # the lookup finds no draft; the retried create fails again
    entry = runtime.store.ledger()[key]
    assert (entry.state, entry.attempts) == (FAILED, 2) and "503" in entry.detail
    runtime.cycle(DEMO_NOW)
    entry = runtime.store.ledger()[key]
    assert (entry.state, entry.attempts) == (DONE, 3) and entry.draft_id
    assert draft_keys(emu).count(key) == 1


def test_lost_reply_to_create_is_found_not_drafted_twice(
    demo: Running,
) -> None:
    emu, runtime, _ = demo
    emu.chaos(0.0, lost_rate=1.0, path_contains="/drafts")  # created, then answered 5xx
    (failed,) = runtime.cycle(DEMO_NOW).failed
    assert runtime.store.ledger()[failed.action.key].state == FAILED
    assert draft_keys(emu) == [failed.action.key]
    emu.calm()
    report = runtime.cycle(DEMO_NOW)
    recovered = [o for o in report.outcomes if o.state == "recovered"]
    assert [o.action.key for o in recovered] == [failed.action.key]
    keys = draft_keys(emu)
    assert len(keys) == len(set(keys)) == 8  # six for meetings, two outreach
