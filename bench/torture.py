"""Crash torture: SIGKILL ``kaffe once`` at random moments, then count the drafts.

Run by hand (``.venv/bin/python bench/torture.py [--kills 200] [--seed N]``);
``tests/daemon/test_torture.py`` runs the same :func:`run_torture`.

The emulator runs in this process. Before every run a few new past coffee
meetings, each with a new outside attendee, are added to its calendar, so every
run has due follow-ups to interrupt. The expected follow-up keys are computed
from what was added, never from kaffe's output. Afterwards ``kaffe once`` runs to
completion until it creates nothing, and the mailbox must hold exactly one draft
per expected key, with the ledger ``done`` and naming that draft.

Most of a cold ``kaffe once`` is interpreter start-up and imports, where a kill
tests nothing, so the killed runs are forked by :mod:`bench.forkserver` from an
interpreter that has imported kaffe already: each child runs the real command
line from ``main(argv)`` on and is the process that gets SIGKILLed. Kill delays
are drawn over a run's working time: its set-up (measured by an unkilled
calibration run, then followed as the mailbox grows) plus the per-draft time
over the drafts still due. The first few kills land in the first moments of the
first runs, on a new database. The completing runs use the cold
``python -m kaffe.cli`` entry point.

``--cold`` kills plain ``python -m kaffe.cli`` processes instead (fewer kills land
in kaffe's own work); ``--faults 0.2`` makes the emulator fail a fifth of the API
requests meanwhile, some of the writes after carrying them out (slow: the client
backs off for real).
"""

from __future__ import annotations

import argparse
import email
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "src"):  # run as a script: `bench` and `kaffe` importable
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.forkserver import ColdRunner, ForkServer, Runner  # noqa: E402
from bench.torture_report import Report, Run, check  # noqa: E402

if TYPE_CHECKING:
    from kaffe.emulator import Emulator

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
ME = "alex@example.com"
KEY_HEADER = "X-Kaffe-Key"
OPENING_KILLS = 5  # kills in the first moments of the first runs, on a new database
OPENING_WINDOW = 0.3  # seconds after start-up: still opening the store and syncing
CALIBRATION_MEETINGS = 20
FINAL_RUNS = 5  # completing runs after the torture; the first one should do it all
CONFIG = """[me]
name = "Alex Morgan"
addresses = ["{me}"]
domains = ["example.com"]

[google]
api_endpoint = "{url}"
token_file = "token.json"

[storage]
database = "kaffe.db"

# Hundreds of due follow-ups at one moment are this scenario (it tests exactly-once
# under kills), not a flood to hold back: the draft caps are set out of the way.
[safety]
max_drafts_per_cycle = 1000
max_drafts_per_day = 10000
"""


# -- the scenario --------------------------------------------------------------------


def coffee_event(number: int, rng: random.Random) -> dict[str, Any]:
    """A past coffee meeting with one new outside attendee, due for a follow-up at NOW."""
    ended = NOW - timedelta(hours=rng.uniform(3, 24 * 5))  # due after 2 h, stale after 7 days
    start = (ended - timedelta(minutes=45)).replace(second=0, microsecond=0)
    uid = f"torture{number:05d}@torture.example"
    return {
        "id": f"torture{number:05d}",
        "iCalUID": uid,
        "status": "confirmed",
        "summary": f"Coffee with Guest {number}",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=45)).isoformat()},
        "organizer": {"email": ME, "self": True},
        "attendees": [
            {"email": ME, "self": True, "responseStatus": "accepted"},
            {"email": f"guest{number}@partner{number}.example", "responseStatus": "accepted"},
        ],
    }


class Scenario:
    """The emulator, kaffe's files, and the follow-up keys made due so far."""

    def __init__(self, emulator: Emulator, data: Path, rng: random.Random) -> None:
        from kaffe.emulator.token import write_emulator_token

        self.emulator, self.data, self.rng = emulator, data, rng
        self.expected: set[str] = set()
        self.config = data / "config.toml"
        self.config.write_text(CONFIG.format(me=ME, url=emulator.url), encoding="utf-8")
        write_emulator_token(data / "token.json", emulator.url)
        (data / "run").mkdir(mode=0o700, exist_ok=True)

    @property
    def database(self) -> Path:
        return self.data / "kaffe.db"

    def argv(self) -> list[str]:
        """``kaffe once`` at NOW with this scenario's config."""
        return ["--config", str(self.config), "once", "--now", NOW.isoformat()]

    def env(self) -> dict[str, str]:
        """kaffe's data dir and instance lock inside the scenario's directory."""
        path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
        return dict(os.environ, KAFFE_DATA_DIR=str(self.data),
                    XDG_RUNTIME_DIR=str(self.data / "run"), PYTHONPATH=path)

    def add_meetings(self, count: int) -> None:
        """Add ``count`` new due coffee meetings and remember their follow-up keys."""
        for _ in range(count):
            event = coffee_event(len(self.expected), self.rng)
            self.emulator.add_event("primary", event)
            self.expected.add("followup:" + event["iCalUID"])

    def drafts_by_key(self) -> dict[str, list[str]]:
        """Draft ids per ``X-Kaffe-Key`` in the mailbox (drafts without one under "")."""
        found: dict[str, list[str]] = {}
        for draft in self.emulator.drafts():
            message = email.message_from_bytes(draft["raw"], policy=policy.default)
            found.setdefault(str(message.get(KEY_HEADER, "")), []).append(draft["id"])
        return found

    def ledger(self) -> dict[str, tuple[str, str, str]]:
        """``key -> (state, draft_id, detail)``, read-only (never checkpoints the WAL)."""
        if not self.database.exists():
            return {}
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT key, state, draft_id, detail FROM ledger").fetchall()
        except sqlite3.OperationalError:  # killed before the first migration committed
            rows = []
        finally:
            conn.close()
        return {key: (state, draft_id, detail) for key, state, draft_id, detail in rows}

    def pending(self) -> set[str]:
        """Keys whose ledger row says ``pending``: an attempt that did not finish."""
        return {key for key, row in self.ledger().items() if row[0] == "pending"}


# -- the torture -------------------------------------------------------------------------


@dataclass
class Pace:
    """How long a warm ``kaffe once`` works: before its first draft, and per draft."""

    setup: float
    per_draft: float

    def delay(self, backlog: int, rng: random.Random) -> float:
        """A kill delay: half the time anywhere in the run's expected working time (a little
        past its end), half the time while drafts are written. Start-up (sync, the look-up of
        keys in Drafts, planning) grew with the pre-draft look-up, and uniform delays left
        kills in flight hovering at the test's 25 % floor."""
        drafting = self.per_draft * max(backlog, 1)
        if rng.random() < 0.5:
            return rng.uniform(0, 1.1 * (self.setup + drafting))
        return self.setup + rng.uniform(0, 1.1 * drafting)

    def learn(self, run: Run) -> None:
        """Follow the set-up time as the store and mailbox grow (looking up a pending
        key's draft lists the whole mailbox)."""
        if run.drafts_created or not run.killed:
            observed = max(run.seconds - self.per_draft * run.drafts_created, 0.0)
            self.setup = 0.7 * self.setup + 0.3 * observed
        else:  # killed before its first draft: set-up takes at least this long
            self.setup = max(self.setup, run.seconds)


def opening(scenario: Scenario, server: Runner, kills: int, per_run: int) -> list[Run]:
    """Kills within the first moments of the first runs: a new database, its
    migrations and the first full sync."""
    scenario.add_meetings(per_run)
    early = Pace(setup=server.startup + OPENING_WINDOW, per_draft=0.0)
    return [one_run(scenario, server, early, scenario.rng) for _ in range(kills)]


def calibrate(scenario: Scenario, server: Runner, meetings: int) -> Pace:
    """An unkilled run over ``meetings`` more due follow-ups, timed to its first draft."""
    scenario.add_meetings(meetings)
    before = len(scenario.emulator.drafts())
    started = time.monotonic()
    server.start()
    first = None
    while (code := server.wait(0.005)) is None:
        if first is None and len(scenario.emulator.drafts()) > before:
            first = time.monotonic() - started
    total = time.monotonic() - started
    created = len(scenario.emulator.drafts()) - before
    if code != 0 or first is None:
        raise RuntimeError(f"the calibration run failed (exit {code}); see its log")
    return Pace(setup=first, per_draft=(total - first) / created)


def one_run(scenario: Scenario, server: Runner, pace: Pace, rng: random.Random) -> Run:
    """Run ``kaffe once`` and SIGKILL it after a random delay (unless it ends first)."""
    before, pending_before = len(scenario.emulator.drafts()), scenario.pending()
    delay = pace.delay(len(scenario.expected) - before, rng)
    started = time.monotonic()
    pid = server.start()
    code = server.wait(delay)
    if code is None:
        code = server.kill(pid)
    seconds = time.monotonic() - started
    created = len(scenario.emulator.drafts()) - before
    run = Run(code, seconds, created, len(scenario.pending() - pending_before))
    pace.learn(run)
    return run


def torture(scenario: Scenario, server: Runner, pace: Pace, kills: int,
            per_run: int) -> list[Run]:
    """Runs until ``kills`` of them were killed; new meetings become due before each."""
    runs: list[Run] = []
    while sum(r.killed for r in runs) < kills and len(runs) < 3 * kills + 10:
        scenario.add_meetings(per_run)
        runs.append(one_run(scenario, server, pace, scenario.rng))
    return runs


def finish(scenario: Scenario) -> list[int]:
    """Cold ``python -m kaffe.cli once`` until a run creates nothing; the exit codes."""
    codes = []
    for _ in range(FINAL_RUNS):
        before = len(scenario.emulator.drafts())
        done = subprocess.run([sys.executable, "-m", "kaffe.cli", *scenario.argv()],
                              env=scenario.env(), capture_output=True, timeout=300)
        codes.append(done.returncode)
        if len(scenario.emulator.drafts()) == before:
            break
    return codes


def run_torture(kills: int = 200, seed: int | None = None, *, per_run: int = 4,
                faults: float = 0.0, cold: bool = False, workdir: Path | None = None,
                out: IO[str] | None = None) -> Report:
    """The whole torture in ``workdir`` (a temporary directory by default).

    ``faults``: that share of the API requests also fail (429/500/503, and half as
    many writes fail *after* being carried out) while the kills go on. ``cold``: kill
    plain ``python -m kaffe.cli`` processes instead of forked warm ones (slower)."""
    from kaffe.emulator import Emulator

    seed = random.randrange(2**32) if seed is None else seed
    if out is not None:
        print(f"torture: seed {seed}, {kills} kills, faults {faults:.0%}", file=out, flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kaffe-torture-") as tmp, Emulator() as emu:
        scenario = Scenario(emu, Path(workdir or tmp), random.Random(seed))
        report = Report(seed, [])
        runner = ColdRunner if cold else ForkServer
        server: Runner = runner(scenario.argv(), scenario.env(), scenario.data / "runs.log")
        try:
            drive(scenario, server, report, kills, per_run, faults)
        finally:
            server.close()
        report.final_codes = finish(scenario)
        check(scenario, report)
    report.wall = time.monotonic() - started
    return report


def drive(scenario: Scenario, server: Runner, report: Report, kills: int, per_run: int,
          faults: float) -> None:
    """Opening kills, calibration, then kills over the working time (with ``faults``)."""
    report.runs = opening(scenario, server, min(OPENING_KILLS, kills), per_run)
    pace = calibrate(scenario, server, CALIBRATION_MEETINGS)
    report.pace = (pace.setup, pace.per_draft)
    if faults:
        scenario.emulator.chaos(faults, seed=report.seed, lost_rate=faults / 2)
    try:
        report.runs += torture(scenario, server, pace, kills - report.kills, per_run)
    finally:
        if faults:
            report.faults = scenario.emulator.fault_stats()
            scenario.emulator.calm()


def main(argv: list[str] | None = None) -> int:
    """``bench/torture.py [--kills N] [--seed N]``: print the table; exit 1 unless all is well."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--per-run", type=int, default=4, help="new due meetings per run")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="work in DIR and keep it (database, runs.log)")
    parser.add_argument("--cold", action="store_true",
                        help="kill `python -m kaffe.cli` processes, start-up and all")
    parser.add_argument("--faults", type=float, default=0.0, metavar="RATE",
                        help="also fail this share of the API requests (e.g. 0.2; slow)")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    report = run_torture(args.kills, args.seed, per_run=args.per_run, faults=args.faults,
                         cold=args.cold, workdir=args.keep, out=sys.stdout)
    print(report.table())
    print("torture: " + ("OK" if report.ok else "FAILED"))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
