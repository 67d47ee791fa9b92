"""Soak: `kaffe run` left alone against the emulator and hostile servers (run by hand,
not a test). Prints one row per cycle and a verdict.

    PYTHONPATH=src python bench/soak.py --minutes 30
    PYTHONPATH=src python bench/soak.py --minutes 3 --ics hostile.ics --seed bomb/ \\
        --extra-config caps.toml --max-drafts 20

kaffe runs as systemd runs it (`kaffe -vv run`, its log on stderr) with a cycle every
``--interval`` minutes (the config's minimum is 1) against:

- the emulator (``kaffe emulator --seed``; the demo's seed unless ``--seed``) for
  Google Calendar, Gmail and the drafts;
- a slow server (answers after ``--slow`` seconds) serving a feed and an ICS calendar;
- a server that drips one header line at a time for ever, serving a feed and an ICS
  calendar (a calendar is asked every cycle; a failing feed backs off for hours);
- a server that accepts and never answers, serving a feed;
- any ``--ics`` URL or file (a hostile calendar) and ``--extra-config`` TOML appended to
  the config (e.g. draft caps).

Every feed and ICS address carries a secret (``?apikey=``, ``/private-…/``). Reported:
per cycle, its length against its deadline (each remote source's deadline, 3 x
``timeout_seconds``, plus ``--slack``) and the drafts in the emulator after it; at the
end, how long SIGTERM took to stop kaffe while a fetch was stalled (must be <= 5 s),
the drafts against ``--max-drafts``, and whether any secret of the config (feed keys,
calendar paths, OAuth client secret and refresh token) appears in the log.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.costkit import EmulatorProcess  # noqa: E402
from kaffe.emulator.token import write_emulator_token  # noqa: E402
from tests.servers.stall import StallServer  # noqa: E402

DEMO_SEED = ROOT / "src" / "kaffe" / "demo_seed"
STOP_LIMIT = 5.0
DEADLINE_FACTOR = 3  # kaffe.connectors.feeds.fetch.DEADLINE_FACTOR
CYCLE = re.compile(r"cycle at (\S+): (.*)$")
RSS = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Slow but fine</title>"
       b"<item><title>Heat pumps and energy storage</title><link>https://example.org/hp</link>"
       b"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate></item></channel></rss>")
ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//soak//EN\r\nBEGIN:VEVENT\r\n"
       b"UID:soak-1@example.org\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:20260302T090000Z\r\n"
       b"DTEND:20260302T100000Z\r\nSUMMARY:Coffee with Kim\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@dataclass
class Servers:
    slow_feed: StallServer
    slow_ics: StallServer
    drip: StallServer
    silent: StallServer

    def close(self) -> None:
        for server in (self.slow_feed, self.slow_ics, self.drip, self.silent):
            server.close()


def start_servers(slow: float) -> Servers:
    forever = 10 * 24 * 3600.0
    return Servers(
        StallServer("slow", interval=slow, body=RSS),
        StallServer("slow", interval=slow, body=ICS, content_type="text/calendar"),
        StallServer("headers", interval=0.5, give_up=forever),
        StallServer("silent", give_up=forever),
    )


def config_text(args: argparse.Namespace, emu_url: str, s: Servers) -> tuple[str, int]:
    """The config, and how many remote feed/ICS sources it has."""
    private = "/private-0123456789abcdef0123456789abcdef/basic.ics"
    calendars = [("slow-ics", s.slow_ics.url(private)), ("stalled-ics", s.drip.url(private))]
    calendars += [(f"extra-ics-{i}", url) for i, url in enumerate(args.ics)]
    feeds = [("slow", s.slow_feed.url("/feed.xml?apikey=SOAKSECRETslow")),
             ("stalled", s.drip.url("/feed.xml?apikey=SOAKSECRETdrip")),
             ("silent", s.silent.url("/rss?token=SOAKSECRETsilent"))]
    text = (f'[me]\nname = "Alex Morgan"\naddresses = ["alex@example.com"]\n\n'
            f'[google]\napi_endpoint = "{emu_url}"\ntoken_file = "token.json"\n\n'
            f'[storage]\ndatabase = "kaffe.db"\n\n'
            f"[schedule]\ninterval_minutes = {args.interval}\n\n"
            f"[feed_options]\ntimeout_seconds = {args.timeout}\n\n"
            '[[calendars]]\ntype = "google"\nname = "google"\ncalendar_id = "primary"\n\n')
    text += "".join(f'[[calendars]]\ntype = "ics"\nname = "{n}"\nurl = "{u}"\n\n'
                    for n, u in calendars)
    text += "".join(f'[[feeds]]\nname = "{n}"\nurl = "{u}"\n\n' for n, u in feeds)
    if args.extra_config:
        text += "\n" + Path(args.extra_config).read_text(encoding="utf-8") + "\n"
    remote = sum(1 for _, u in calendars + feeds if u.startswith("http"))
    return text, remote


def secrets_of(config: str, token_file: Path) -> list[str]:
    """Every secret the log must not show: query values, private path segments, the
    OAuth client secret and refresh token."""
    found: list[str] = []
    for url in re.findall(r'url = "([^"]+)"', config):
        parts = urllib.parse.urlsplit(url)
        found += [v for _, v in urllib.parse.parse_qsl(parts.query)]
        found += [seg for seg in parts.path.split("/") if seg.startswith("private-")]
    token = json.loads(token_file.read_text())
    found += [token["client_secret"], token["refresh_token"]]
    return [s for s in found if len(s) >= 8]


def count_drafts(emu_url: str, token_file: Path) -> int:
    token = json.loads(token_file.read_text())
    form = urllib.parse.urlencode({"grant_type": "refresh_token", **{
        k: token[k] for k in ("client_id", "client_secret", "refresh_token")}}).encode()
    with urllib.request.urlopen(token["token_uri"], data=form, timeout=30) as resp:
        access = json.load(resp)["access_token"]
    total, page = 0, ""
    while True:
        url = f"{emu_url}/gmail/v1/users/me/drafts?maxResults=500" + (
            f"&pageToken={page}" if page else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {access}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = json.load(resp)
        total += len(body.get("drafts", []))
        page = body.get("nextPageToken", "")
        if not page:
            return total


@dataclass
class Cycle:
    started: datetime
    seconds: float
    summary: str
    drafts: int


def new_cycles(log: Path, seen: int) -> list[tuple[datetime, str]]:
    """(start, summary) of the cycles logged after the first ``seen``."""
    found = [CYCLE.search(line) for line in log.read_text(errors="replace").splitlines()]
    cycles = [(datetime.fromisoformat(m.group(1)), m.group(2)) for m in found if m]
    return cycles[seen:]


def watch(args: argparse.Namespace, log: Path, emu_url: str, token: Path,
          proc: subprocess.Popen) -> list[Cycle]:
    cycles: list[Cycle] = []
    end = time.monotonic() + args.minutes * 60
    while time.monotonic() < end and proc.poll() is None:
        time.sleep(0.5)
        for started, summary in new_cycles(log, len(cycles)):
            seconds = (datetime.now(UTC) - started).total_seconds()
            cycles.append(Cycle(started, seconds, summary, count_drafts(emu_url, token)))
            print(f"  cycle {len(cycles)}: {seconds:.1f} s, {summary}", file=sys.stderr)
    return cycles


def stop_while_stalled(proc: subprocess.Popen, drip: StallServer, wait: float) -> float:
    """SIGTERM once the dripping server holds a fetch (or after ``wait`` s); seconds to exit."""
    before = drip.connections
    end = time.monotonic() + wait
    while drip.connections == before and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)  # well inside the fetch, not at its first byte
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return time.monotonic() - start


def report(args: argparse.Namespace, cycles: list[Cycle], budget: float, stop: float,
           exit_code: int | None, drafts: int, leaks: list[str]) -> bool:
    print(f"{'cycle':>5}  {'started (UTC)':<19}  {'seconds':>7}  {'deadline':>8}  "
          f"{'within':<6}  {'drafts':>6}  summary")
    for n, c in enumerate(cycles, 1):
        within = "yes" if c.seconds <= budget else "NO"
        print(f"{n:>5}  {c.started:%Y-%m-%d %H:%M:%S}  {c.seconds:>7.1f}  {budget:>8.0f}  "
              f"{within:<6}  {c.drafts:>6}  {c.summary}")
    late = [c for c in cycles if c.seconds > budget]
    cap = "" if args.max_drafts is None else f" (cap {args.max_drafts})"
    over_cap = args.max_drafts is not None and drafts > args.max_drafts
    print(f"\ncycles: {len(cycles)}, ended within their deadline: {len(cycles) - len(late)}")
    print(f"SIGTERM while a fetch was stalled: exited {exit_code} after {stop:.2f} s "
          f"(limit {STOP_LIMIT:g} s)")
    print(f"drafts in the emulator: {drafts}{cap}")
    print(f"secrets in the -vv log: {len(leaks)}" + (f" ({', '.join(leaks)})" if leaks else ""))
    return bool(cycles) and not late and stop <= STOP_LIMIT and not over_cap and not leaks


def run(args: argparse.Namespace) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="kaffe-soak-"))
    servers = start_servers(args.slow)
    emu = EmulatorProcess(Path(args.seed), latency_ms=0)
    try:
        token = tmp / "token.json"
        write_emulator_token(token, emu.url)
        text, remote = config_text(args, emu.url, servers)
        (tmp / "config.toml").write_text(text, encoding="utf-8")
        budget = remote * DEADLINE_FACTOR * args.timeout + args.slack
        log = tmp / "kaffe.log"
        path = os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
        env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp), PYTHONPATH=path)
        with log.open("w") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "kaffe.cli", "-vv", "--config",
                                     str(tmp / "config.toml"), "run"], env=env, stderr=stderr,
                                    stdout=subprocess.DEVNULL)
        cycles = watch(args, log, emu.url, token, proc)
        stop = stop_while_stalled(proc, servers.drip, args.interval * 60 + budget)
        drafts = count_drafts(emu.url, token)
        content = log.read_text(errors="replace")
        leaks = sorted({_kind(s) for s in secrets_of(text, token) if s in content})
        print(f"(config, database and log in {tmp})", file=sys.stderr)
        return report(args, cycles, budget, stop, proc.returncode, drafts, leaks)
    finally:
        emu.stop()
        servers.close()


def _kind(secret: str) -> str:
    """What leaked, without repeating the secret itself."""
    if secret.startswith("private-"):
        return "a private calendar path"
    if secret.startswith("SOAKSECRET"):
        return "a feed's query key"
    return "an OAuth client secret or refresh token"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30, help="wall time to run (default 30)")
    p.add_argument("--interval", type=int, default=1, help="minutes between cycles (min 1)")
    p.add_argument("--timeout", type=int, default=2, help="[feed_options] timeout_seconds")
    p.add_argument("--slow", type=float, default=1.5, help="the slow server's delay, s")
    p.add_argument("--slack", type=float, default=30,
                   help="seconds a cycle may take beyond its sources' deadlines (default 30)")
    p.add_argument("--seed", default=str(DEMO_SEED), help="emulator seed dir (an invitation "
                   "bomb goes in gmail/); default: the demo's")
    p.add_argument("--ics", action="append", default=[], metavar="URL_OR_FILE",
                   help="an extra [[calendars]] ics entry (a hostile calendar); repeatable")
    p.add_argument("--extra-config", metavar="FILE", help="TOML appended to the config")
    p.add_argument("--max-drafts", type=int, help="fail if the emulator holds more drafts")
    return 0 if run(p.parse_args(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
