"""Cost of kaffe's cycles against the emulator and local feed servers, next to a naive
poller measured in the same run: the first sync, a steady cycle per source, and how
both grow with 10x the data.

The emulator (with ``--latency-ms``, 20 ms by default, on every round trip) and the
feed servers (bench/feedserver.py) run in processes of their own, so the CPU figures
are kaffe's alone. Requests, Gmail quota units and bytes come from the servers' logs:
bytes are the responses as the servers send them (status line, headers, body).
The baseline is a poller without cursors: the calendar's whole window without a
syncToken, Gmail's messages.list over the window plus one unbatched messages.get
(format=metadata) per message, every feed and the ICS URL fetched unconditionally and
parsed. Its per-message Gmail calls are timed on a sample and scaled to the mailbox
("extrapolated"). Numbers are printed, never asserted.

Drafts: before creating, kaffe looks every new key up among the drafts (Gmail cannot
search by header: drafts.list, then drafts.get per draft, batched). The "draft look-up"
rows show what that costs in a cycle that creates drafts, next to not looking (no
request, but a lost database makes every draft again): the first sync (Drafts empty),
and a cycle after the ledger is lost with ``--own-drafts`` hand-written drafts added.

Run by hand: ``.venv/bin/python bench/cost.py`` (``--help`` for the sizes).
"""

from __future__ import annotations

import argparse
import base64
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.costkit import (  # noqa: E402
    NOW,
    CpuMeter,
    EmulatorProcess,
    FeedFarm,
    Scale,
    Traffic,
    config_text,
    formats,
    traffic,
    write_seed,
)
from bench.costrows import Results, Run, table_rows  # noqa: E402
from bench.table import Row, print_table  # noqa: E402
from kaffe.config import loads  # noqa: E402
from kaffe.config.paths import database_path  # noqa: E402
from kaffe.daemon.runtime import Runtime, open_runtime  # noqa: E402
from kaffe.emulator.token import write_emulator_token  # noqa: E402
from kaffe.windows import sync_window  # noqa: E402

INTERVAL = timedelta(minutes=15)
CREATE = "gmail.users.drafts.create"


class Harness:
    """One scale's emulator, feed servers and kaffe runtime, and how to measure them."""

    def __init__(self, scale: Scale, tmp: Path, latency_ms: int) -> None:
        self.scale = scale
        write_seed(tmp / "seed", scale)
        self.emu = EmulatorProcess(tmp / "seed", latency_ms)
        self.farm = FeedFarm(scale.feeds)
        self.meter = CpuMeter()
        self.runtime = self._open(tmp / "kaffe")

    def _open(self, data: Path) -> Runtime:
        data.mkdir()
        write_emulator_token(data / "token.json", self.emu.url)
        config = loads(config_text(self.emu.url, self.farm), source="<bench>", base_dir=data)
        runtime = open_runtime(config)
        self.sources = {"calendar": runtime.calendars[0], "ics": runtime.calendars[1],
                        "gmail": runtime.mailboxes[0], "feed": runtime.feeds}
        runtime.calendars = [self.meter.wrap(s, kind) for s, kind
                             in zip(runtime.calendars, ("calendar", "ics"), strict=True)]
        runtime.mailboxes = [self.meter.wrap(s, "gmail") for s in runtime.mailboxes]
        runtime.feeds = [self.meter.wrap(s, "feed") for s in runtime.feeds]
        return runtime

    def close(self) -> None:
        """Close the runtime and stop both server processes."""
        self.runtime.close()
        self.emu.stop()
        self.farm.stop()

    def measure(self, fn: Callable[[], Any]) -> Run:
        """Run ``fn`` once with every counter zeroed first."""
        self.emu.clear()
        self.farm.reset()
        self.meter.reset()
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        run = Run(cpu_ms={"all": (time.process_time() - cpu) * 1000},
                  wall_ms={"all": (time.perf_counter() - wall) * 1000})
        entries = self.emu.requests()
        run.traffic, run.served, run.formats = traffic(entries), self.farm.stats(), formats(entries)
        run.created = sum(1 for e in entries if e.get("api") == CREATE)
        run.lookup = traffic(e for e in entries if e.get("api") != CREATE).get("drafts", Traffic())
        run.cpu_ms |= {k: s * 1000 for k, s in self.meter.seconds.items()}
        run.wall_ms |= {k: s * 1000 for k, s in self.meter.wall.items()}
        return run

    # -- kaffe ---------------------------------------------------------------------------
    def first_sync(self) -> Run:
        """kaffe's first cycle: every source from scratch, then the rules."""
        return self.measure(lambda: self.runtime.cycle(NOW))

    def steady(self, cycles: int) -> Run:
        """The mean of ``cycles`` cycles with nothing new, after one warm-up cycle."""
        self.runtime.cycle(NOW + INTERVAL)
        runs = [self.measure(lambda n=n: self.runtime.cycle(NOW + INTERVAL * (n + 2)))
                for n in range(cycles)]
        return mean_run(runs)

    def lost_ledger(self, own: int, at: datetime) -> Run:
        """A cycle after the ledger was lost (a deleted database, a second kaffe on the
        mailbox), with ``own`` hand-written drafts added to Drafts first: every draft
        kaffe made is due again, looked up, found, and not made again."""
        drafts = self.runtime.sink.service.users().drafts()  # the Gmail sink's client
        for n in range(own):
            raw = f"Subject: note {n}\r\nTo: x{n}@example.org\r\n\r\nmine\r\n".encode()
            body = {"message": {"raw": base64.urlsafe_b64encode(raw).decode("ascii")}}
            drafts.create(userId="me", body=body).execute()
        with sqlite3.connect(database_path(self.runtime.config)) as db:
            db.execute("DELETE FROM ledger")
        self.runtime.caching = False  # the memo would keep the ledger it read before
        return self.measure(lambda: self.runtime.cycle(at))

    # -- the naive poller ----------------------------------------------------------------
    def baseline(self, sample: int) -> Run:
        """One cursor-less poll of every source (Gmail: a sample, scaled up)."""
        start, end = sync_window(NOW, self.runtime.config)
        cal, ics = self.sources["calendar"], self.sources["ics"]
        runs = [self.measure(lambda: cal.sync(None, window_start=start, window_end=end)),
                self.measure(lambda: ics.sync(None, window_start=start, window_end=end)),
                self.measure(lambda: [f.fetch(None, now=NOW) for f in self.sources["feed"]])]
        base = Run()
        for run, kind in zip(runs, ("calendar", "ics", "feed"), strict=True):
            base.traffic |= {k: v for k, v in run.traffic.items() if k == kind}
            base.served |= run.served
            base.cpu_ms[kind], base.wall_ms[kind] = run.cpu_ms["all"], run.wall_ms["all"]
        gmail = self.naive_gmail(sample)
        base.traffic["gmail"], base.note = gmail.traffic["gmail"], gmail.note
        base.cpu_ms["gmail"], base.wall_ms["gmail"] = gmail.cpu_ms["all"], gmail.wall_ms["all"]
        return base

    def naive_gmail(self, sample: int) -> Run:
        """messages.list over the window, then messages.get per message, one by one:
        the gets are timed on ``sample`` messages and scaled to all of them."""
        messages = self.sources["gmail"].service.users().messages()  # built once
        since = NOW - timedelta(days=self.runtime.config.mailboxes.window_days)
        ids: list[str] = []
        listing = self.measure(lambda: ids.extend(_list_all(messages, since)))
        picked = ids[:sample]
        gets = self.measure(lambda: [messages.get(
            userId="me", id=i, format="metadata").execute() for i in picked])
        return _scaled(listing, gets, len(ids), len(picked))


def _list_all(messages: Any, since: datetime) -> list[str]:
    """Every message id in the window, 500 a page."""
    query, token, ids = f"after:{int(since.timestamp())}", None, []
    while True:
        page = messages.list(userId="me", q=query, maxResults=500, pageToken=token).execute()
        ids += [m["id"] for m in page.get("messages") or ()]
        token = page.get("nextPageToken")
        if not token:
            return ids


def _scaled(listing: Run, gets: Run, total: int, sampled: int) -> Run:
    """``listing`` plus ``gets`` scaled from ``sampled`` messages to ``total``."""
    factor = total / sampled if sampled else 0.0
    lt, gt = listing.traffic.get("gmail", Traffic()), gets.traffic.get("gmail", Traffic())
    run = Run(traffic={"gmail": Traffic(lt.requests + round(gt.requests * factor),
                                        lt.units + round(gt.units * factor),
                                        lt.bytes + round(gt.bytes * factor))})
    run.cpu_ms["all"] = listing.cpu_ms["all"] + gets.cpu_ms["all"] * factor
    run.wall_ms["all"] = listing.wall_ms["all"] + gets.wall_ms["all"] * factor
    run.note = f"extrapolated from {sampled:,}" if sampled < total else ""
    return run


def mean_run(runs: list[Run]) -> Run:
    """The per-field mean of ``runs`` (traffic rounded to whole requests and bytes)."""
    n = len(runs)
    out = Run(formats=set().union(*(r.formats for r in runs)))
    for group in {g for r in runs for g in r.traffic}:
        ts = [r.traffic.get(group, Traffic()) for r in runs]
        out.traffic[group] = Traffic(round(sum(t.requests for t in ts) / n),
                                     round(sum(t.units for t in ts) / n),
                                     round(sum(t.bytes for t in ts) / n), ts[0].apis)
    for kind in {k for r in runs for k in r.served}:
        keys = {key for r in runs for key in r.served.get(kind, {})}
        out.served[kind] = {key: round(sum(r.served.get(kind, {}).get(key, 0) for r in runs) / n)
                            for key in keys}
    for name in ("cpu_ms", "wall_ms"):
        kinds = {k for r in runs for k in getattr(r, name)}
        setattr(out, name, {k: sum(getattr(r, name).get(k, 0.0) for r in runs) / n
                            for k in kinds})
    return out


def measure_scale(scale: Scale, args: argparse.Namespace) -> Results:
    """First sync, steady cycles and the baseline at one scale; seconds per phase."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kaffe-cost-") as tmp:
        harness = Harness(scale, Path(tmp), args.latency_ms)
        timings["setup"] = time.perf_counter() - clock
        try:
            first = _timed(timings, "first sync", harness.first_sync)
            steady = _timed(timings, "steady", lambda: harness.steady(args.cycles))
            base = _timed(timings, "baseline", lambda: harness.baseline(args.sample))
            lost = _timed(timings, "lost ledger", lambda: harness.lost_ledger(
                args.own_drafts, NOW + INTERVAL * (args.cycles + 2)))
        finally:
            harness.close()
    return Results(scale, first, steady, base, timings, lost, args.own_drafts)


def _timed(timings: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    try:
        return fn()
    finally:
        timings[name] = time.perf_counter() - start


def scales(args: argparse.Namespace) -> list[Scale]:
    """1x, and (``--growth``) 10x the data (feeds: ``--growth-feeds``)."""
    base = Scale(1, args.events, args.messages, args.feeds)
    found = [base]
    if args.growth:
        feeds = args.growth_feeds if args.growth_feeds is not None else args.feeds * 10
        found.append(Scale(10, args.events * 10, args.messages * 10, feeds))
    return found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This bench's options (bench/all.py adds them to its own parser)."""
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=3, help="steady cycles measured")
    parser.add_argument("--sample", type=int, default=200,
                        help="messages the naive poller fetches; the rest is extrapolated")
    parser.add_argument("--own-drafts", type=int, default=100,
                        help="hand-written drafts in Drafts when the ledger is lost")
    parser.add_argument("--no-growth", dest="growth", action="store_false",
                        help="skip the 10x run")
    parser.add_argument("--growth-feeds", type=int, default=None,
                        help="feeds at 10x (default: 10x --feeds)")


def defaults() -> argparse.Namespace:
    """The options ``make bench`` runs with."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args([])


def rows(args: argparse.Namespace | None = None) -> list[Row]:
    """Every row of this bench (the Row contract of bench/table.py)."""
    args = args if args is not None else defaults()
    return table_rows([measure_scale(scale, args) for scale in scales(args)])


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print_table(rows(args), sys.stdout)
    print(f"\nbench/cost.py: {time.perf_counter() - start:.0f} s wall", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
