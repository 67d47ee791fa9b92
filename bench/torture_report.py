"""The torture's verdict: one draft per due follow-up, the ledger, the database file."""

from __future__ import annotations

import signal
import sqlite3
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class Scenario(Protocol):
    """What :func:`check` reads of a torture scenario (``bench.torture.Scenario``)."""

    expected: set[str]
    emulator: Any

    @property
    def database(self) -> Path: ...

    def drafts_by_key(self) -> dict[str, list[str]]: ...

    def ledger(self) -> dict[str, tuple[str, str, str]]: ...


@dataclass(frozen=True)
class Run:
    """One ``kaffe once`` of the torture."""

    exit_code: int
    seconds: float
    drafts_created: int
    left_pending: int

    @property
    def killed(self) -> bool:
        return self.exit_code == -signal.SIGKILL

    @property
    def in_flight(self) -> bool:
        """Killed while writing drafts: some were created, or one was left pending."""
        return self.killed and (self.drafts_created > 0 or self.left_pending > 0)


@dataclass
class Report:
    """What the torture did and what it left behind."""

    seed: int
    runs: list[Run]
    expected: int = 0
    found: int = 0
    duplicates: int = 0
    lost: int = 0
    unexpected: int = 0
    ledger_wrong: int = 0
    recovered: int = 0
    integrity: str = ""
    modes: dict[str, str] = field(default_factory=dict)
    send_attempts: int = 0
    final_codes: list[int] = field(default_factory=list)
    wall: float = 0.0
    pace: tuple[float, float] = (0.0, 0.0)  # a warm run's set-up and per-draft seconds
    faults: dict[str, Any] = field(default_factory=dict)  # the emulator's fault_stats()

    @property
    def kills(self) -> int:
        return sum(r.killed for r in self.runs)

    @property
    def in_flight(self) -> int:
        return sum(r.in_flight for r in self.runs)

    @property
    def ok(self) -> bool:
        """Exactly one draft per due follow-up, a consistent ledger, an intact database."""
        return (self.duplicates == self.lost == self.unexpected == self.ledger_wrong == 0
                and self.found == self.expected and self.integrity == "ok"
                and set(self.modes.values()) == {"0o600"} and self.send_attempts == 0
                and self.final_codes[-1:] == [0])

    def table(self) -> str:
        """The counts, one per line."""
        rows = [("seed", self.seed), *self._run_rows(), *self._result_rows(),
                ("a run: set-up / per draft",
                 f"{self.pace[0]:.3f} s / {self.pace[1]:.3f} s"),
                ("wall time", f"{self.wall:.1f} s")]
        return "\n".join(f"{name:<38} {value}" for name, value in rows)

    def _run_rows(self) -> list[tuple[str, object]]:
        ended = [r for r in self.runs if not r.killed]
        share = 100 * self.in_flight / max(self.kills, 1)
        return [
            ("kills (SIGKILL)", self.kills),
            ("kills with drafts in flight", f"{self.in_flight} ({share:.0f}%)"),
            ("runs that ended before the kill",
             f"{len(ended)} (exit codes {dict(Counter(r.exit_code for r in ended))})"),
        ]

    def _result_rows(self) -> list[tuple[str, object]]:
        return [
            ("drafts expected", self.expected),
            ("drafts found", self.found),
            ("duplicates", self.duplicates),
            ("lost", self.lost),
            ("drafts without an expected key", self.unexpected),
            ("ledger rows not done with that draft", self.ledger_wrong),
            ("recovered after a crash (ledger)", self.recovered),
            ("completing runs (exit codes)", self.final_codes),
            ("database integrity_check", self.integrity),
            ("file modes", self.modes),
            ("send attempts", self.send_attempts),
            *([("API faults injected", self.faults)] if self.faults else []),
        ]


def check(scenario: Scenario, report: Report) -> None:
    """Fill ``report`` from the mailbox, the ledger and the database file."""
    found, ledger = scenario.drafts_by_key(), scenario.ledger()
    ids = {key: found.get(key, []) for key in scenario.expected}
    report.expected = len(ids)
    report.found = sum(len(v) for v in ids.values())
    report.duplicates = sum(len(v) - 1 for v in ids.values() if len(v) > 1)
    report.lost = sum(1 for v in ids.values() if not v)
    report.unexpected = sum(len(v) for k, v in found.items() if k not in ids)
    report.ledger_wrong = sum(
        1 for key, v in ids.items()
        if len(v) != 1 or ledger.get(key, ("", "", ""))[:2] != ("done", v[0])
    )
    report.recovered = sum(1 for row in ledger.values() if row[2] == "recovered")
    report.integrity, report.modes = check_database(scenario.database)
    report.send_attempts = scenario.emulator.send_attempts


def check_database(path: Path) -> tuple[str, dict[str, str]]:
    """``PRAGMA integrity_check`` and the modes of the database and its side files."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()
    files = [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm"))]
    return integrity, {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files if f.exists()}
