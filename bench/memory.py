"""Resident memory of `kaffe run` after many cycles (issue 7, item 4; issue 14).

Sets up 1,000 contacts (one coffee meeting each), 10,000 Gmail messages in the
window and 20 feeds on 127.0.0.1 (bench/feedserver.py), or no feeds (``--feeds 0``:
the configuration most users start with; without ``--feeds`` both run), then runs
the daemon loop of `kaffe run`
(``LiveRuntime`` + ``Daemon``, as ``commands.cmd_run`` wires them) in a child
process. Only two things are bench-specific there: the clock moves 15 minutes
per cycle, and the loop's one-second sleep makes the scheduled job due at once,
so 100 cycles take seconds instead of a day. VmRSS is read from
/proc/self/status after every cycle; growth compares the peaks of cycles 41-50 and 91-100.

Targets (issue 14): the peak of the last 10 cycles <= 100 MB with feeds and <= 60 MB
without, no growth from cycle 50 to 100 beyond noise (1 MB), and without feeds or
CalDAV none of numpy, scipy, caldav, niquests or kaffe.emulator imported.

Baseline: a bare interpreter that ran ``import kaffe.cli`` (what every `kaffe`
command pays before it does anything). The floor: a bare interpreter that imported only
the parts of Google's client libraries kaffe uses (:data:`GOOGLE_CLIENT`), which bring
cryptography, asyncio, ssl and pyparsing with them; and the same after it deferred, as
kaffe.connectors.google does, the modules of those libraries that a user's OAuth
credentials never run (kaffe/_lazy.py: then no cryptography, asyncio or pyparsing). The
last row says whether any of them ran in `kaffe run` after all. The numbers are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

# Only light modules at the top: the child must import what `kaffe run` imports, no more.
from bench.memseed import NOW, Sizes, write_config, write_seed  # noqa: E402
from bench.table import Row, print_table  # noqa: E402

# RSS moves by a few MB from cycle to cycle: when a draft is made or mail arrives the
# store view reads a table again and, for a moment, holds the old rows and the new.
# Growth is therefore the peak of the WINDOW cycles ending at the last cycle against
# the peak of those ending at the middle one: a leak raises both floor and peak.
NOISE_KB = 1024
WINDOW = 10
TARGET_MB = {True: 100, False: 60}  # peak of the last WINDOW cycles, with feeds / without
# What a config without feeds or CalDAV must not import (the 85 MB of libraries).
UNUSED = ("numpy", "scipy", "caldav", "niquests", "kaffe.emulator")
STEP = timedelta(minutes=15)


def rss_kb(pid: int | str = "self") -> int:
    """VmRSS of a process, in kB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class StepClock:
    """A clock that moves ``step`` forward each time it is read by a cycle."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self.now, self.step = start - step, step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def make_due(scheduler) -> Callable[[float], None]:  # type: ignore[no-untyped-def]
    """The loop's sleep: instead of waiting, make every job due now."""

    def sleep(_seconds: float) -> None:
        for job in scheduler.jobs:
            job.next_run = datetime.now()

    return sleep


def child(config: Path, cycles: int, marks: tuple[int, ...]) -> dict[str, Any]:
    """Run `kaffe run`'s loop for ``cycles`` cycles; VmRSS (kB) after each mark."""
    from kaffe.cli import setup_logging

    setup_logging(1, "text")  # as `kaffe run` does: INFO per cycle
    from kaffe.cli import commands  # noqa: F401  (what `kaffe run` imports)
    from kaffe.config import paths
    from kaffe.daemon.loop import Daemon
    from kaffe.daemon.runtime import LiveRuntime
    from kaffe.store import InstanceLock

    samples: dict[str, Any] = {"import": rss_kb()}
    every: list[int] = []  # after each cycle
    with InstanceLock(paths.runtime_dir() / "kaffe.lock"), LiveRuntime.open(config) as live:
        samples["open"] = rss_kb()  # the Google client and the feed client loaded
        daemon: Daemon

        def cycle(now, *, stop):  # type: ignore[no-untyped-def]
            report = live.cycle(now, stop=stop)
            every.append(rss_kb())
            if daemon.cycles + 1 in marks:
                samples[str(daemon.cycles + 1)] = every[-1]
            return report

        interval = live.config.schedule.interval_minutes
        daemon = Daemon(cycle, interval, StepClock(NOW, STEP), reload=live.reload)
        daemon.sleep = make_due(daemon.scheduler)
        daemon.run(max_cycles=cycles)
    samples["every"] = every
    samples["loaded"] = [name for name in UNUSED if name in sys.modules]
    samples["deferred_ran"] = deferred_ran()
    return samples


def deferred_ran() -> list[str]:
    """Which of the modules kaffe defers in Google's libraries (kaffe._lazy.GOOGLE) ran,
    and whether cryptography and pyparsing, which they bring, were imported."""
    from kaffe import _lazy

    return ([name for name in _lazy.GOOGLE if _lazy.executed(name)]
            + [name for name in ("cryptography", "pyparsing") if name in sys.modules])


# What kaffe imports of Google's client: a Google entry cannot do without these.
GOOGLE_CLIENT = ("googleapiclient.discovery", "googleapiclient.http", "googleapiclient.errors",
                 "google_auth_httplib2", "httplib2", "google.oauth2.credentials")


# What kaffe.connectors.google does before it imports Google's client (kaffe/_lazy.py).
DEFER_GOOGLE = "import kaffe._lazy as lazy; lazy.defer(lazy.GOOGLE); "


def bare_import_kb(modules: tuple[str, ...] = ("kaffe.cli",), prelude: str = "") -> int:
    """RSS of an interpreter that only ran ``prelude`` and imported ``modules``."""
    code = (f"{prelude}import {', '.join(modules)}, sys; "
            "sys.stdout.write(open('/proc/self/status').read())")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=_env()).stdout
    return next(int(line.split()[1]) for line in out.splitlines() if line.startswith("VmRSS:"))


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return {**env, **(extra or {})}


def measure(sizes: Sizes, cycles: int, log: Path | None = None) -> dict[str, Any]:
    """Set up the data, run the child, return its samples (kB); its log goes to ``log``."""
    from bench.costkit import EmulatorProcess
    from bench.feedserver import Document, feed_document, serve

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_seed(base / "seed", sizes)
        emu = EmulatorProcess(base / "seed")
        docs = [Document("feed", feed_document(i, sizes.articles), "application/xml")
                for i in range(sizes.feeds)]
        servers, _stats = serve(docs)
        try:
            urls = [f"http://127.0.0.1:{s.server_address[1]}/feed{i}.xml"
                    for i, s in enumerate(servers[:-1])]
            config = write_config(base / "data", emu.url, urls)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(config),
                   "--cycles", str(cycles)]
            env = _env({"XDG_RUNTIME_DIR": str(base), "XDG_STATE_HOME": str(base)})
            with open(log or "/dev/null", "w") as err:
                done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=err,
                                      text=True, env=env)
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
            emu.stop()
    return json.loads(done.stdout.strip().splitlines()[-1])


def rows(args: argparse.Namespace) -> list[Row]:
    """The memory rows of the bench table: with ``--feeds N`` one configuration, else
    the bench config (20 feeds) and the one without feeds."""
    feeds = (args.feeds,) if args.feeds is not None else (20, 0)
    base = bare_import_kb()
    floor = (bare_import_kb(GOOGLE_CLIENT), bare_import_kb(GOOGLE_CLIENT, DEFER_GOOGLE))
    found: list[Row] = []
    for count in feeds:
        sizes = Sizes(contacts=args.contacts, messages=args.messages, feeds=count)
        found += config_rows(sizes, args.cycles, base, measure(sizes, args.cycles, args.log),
                             floor)
    return found


def config_rows(sizes: Sizes, cycles: int, base: int, samples: dict[str, Any],
                floor: tuple[int, int] | None = None) -> list[Row]:
    """The rows of one configuration from its samples (kB); ``floor``: RSS of an
    interpreter that imported Google's client only, without and with kaffe's deferrals."""
    mid = max(1, cycles // 2)
    section = (f"memory: `kaffe run`, {sizes.contacts} contacts, {sizes.messages} messages, "
               f"{sizes.feeds} feeds")
    at_mid, at_end = samples[str(mid)], samples[str(cycles)]
    every = samples["every"]
    peak_mid, peak_end = max(every[max(0, mid - WINDOW):mid]), max(every[-WINDOW:])
    growth = peak_end - peak_mid
    target = TARGET_MB[sizes.feeds > 0]
    mb = lambda kb: f"{kb / 1024:.1f} MB"  # noqa: E731
    ratio = lambda kb: f"{kb / base:.1f}x"  # noqa: E731
    loaded = samples["loaded"]
    unused = [n for n in loaded if sizes.feeds == 0 or n != "numpy"]
    floor_row: list[Row] = [] if floor is None else [
        (section, "floor: RSS of an interpreter that imported only Google's client",
         mb(floor[0]), "—", "—", "—", "—"),
        (section, "floor, with what kaffe defers of it deferred (kaffe/_lazy.py)",
         mb(floor[1]), "—", "—", "—", "—")]
    return [
        *floor_row,
        (section, "RSS after `kaffe run`'s imports", mb(samples["import"]), mb(base),
            ratio(samples["import"]), "—", "—"),
        (section, "RSS with the runtime open, before cycle 1", mb(samples["open"]), mb(base),
            ratio(samples["open"]), "—", "—"),
        (section, "RSS after cycle 1", mb(samples["1"]), mb(base), ratio(samples["1"]),
            "—", "—"),
        (section, f"RSS after cycle {mid}", mb(at_mid), mb(base), ratio(at_mid), "—", "—"),
        (section, f"RSS after cycle {cycles}", mb(at_end), mb(base), ratio(at_end), "—", "—"),
        (section, f"RSS peak, cycles {max(1, mid - WINDOW + 1)}-{mid}", mb(peak_mid), "—",
            "—", "—", "—"),
        (section, f"RSS peak, cycles {cycles - WINDOW + 1}-{cycles}", mb(peak_end), mb(base),
            ratio(peak_end), f"<= {target} MB", _yes(peak_end <= target * 1024)),
        (section, f"RSS growth, cycle {mid} -> {cycles} (peak of {WINDOW} cycles each)",
            f"{growth:+d} kB", "—", "—", f"0 (noise <= {NOISE_KB} kB)",
            _yes(growth <= NOISE_KB)),
        (section, "imported of " + ", ".join(UNUSED), ", ".join(loaded) or "none", "—", "—",
         "none" if sizes.feeds == 0 else "numpy", _yes(not unused)),
        *deferred_row(section, samples),
    ]


def deferred_row(section: str, samples: dict[str, Any]) -> list[Row]:
    """Which deferred parts of Google's libraries ran (none: a user's credentials)."""
    if "deferred_ran" not in samples:  # samples from before kaffe/_lazy.py
        return []
    ran = samples["deferred_ran"]
    return [(section, "ran of Google's deferred modules, or imported of cryptography, "
             "pyparsing", ", ".join(ran) or "none", "—", "—", "none", _yes(not ran))]


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--contacts", type=int, default=1000)
    p.add_argument("--messages", type=int, default=10_000)
    p.add_argument("--feeds", type=int, help="this many feeds only (default: 20, then 0)")
    p.add_argument("--cycles", type=int, default=100)
    p.add_argument("--log", type=Path, help="write the daemon's log here")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    return p


def main() -> int:
    args = parser().parse_args()
    if args.child is not None:
        marks = tuple(sorted({1, max(1, args.cycles // 2), args.cycles}))
        print(json.dumps(child(args.child, args.cycles, marks)))
        return 0
    print_table(rows(args), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
