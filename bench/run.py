"""Cost of a kaffe cycle against the emulator, next to a naive poller, in one run.

Run by hand (``make bench`` or ``.venv/bin/python bench/run.py``); it prints a
table. Nothing here is a timed assertion: the numbers are for reading.

Rows:
- first sync: requests, wall time and CPU for the first cycle over N events.
- steady state: a cycle with nothing new. kaffe uses the stored syncToken;
  the baseline lists the whole window every cycle, as a simple poller would.

The emulator runs in a separate process so that CPU figures are kaffe's alone.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kaffe.config import loads  # noqa: E402
from kaffe.connectors.google.auth import write_emulator_token  # noqa: E402
from kaffe.daemon.runtime import open_runtime  # noqa: E402

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
TITLES = ["Coffee with {n}", "Project sync", "Catch-up with {n}", "1:1 review", "Lunch"]


def make_seed(directory: Path, events: int, rng: random.Random) -> None:
    items = []
    for i in range(events):
        start = NOW + timedelta(days=rng.uniform(-40, 20), minutes=0)
        start = start.replace(minute=0, second=0, microsecond=0)
        name = f"Person{i}"
        items.append({
            "kind": "calendar#event", "id": f"bench{i:06d}", "status": "confirmed",
            "summary": rng.choice(TITLES).format(n=name),
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(minutes=45)).isoformat()},
            "iCalUID": f"bench{i:06d}@google.com",
            "organizer": {"email": "me@example.com", "self": True},
            "attendees": [
                {"email": "me@example.com", "self": True, "responseStatus": "accepted"},
                {"email": f"p{i}@partner{i % 50}.example", "responseStatus": "accepted"},
            ],
            "eventType": "default",
        })
    (directory / "calendar").mkdir(parents=True)
    body = {"kind": "calendar#events", "summary": "bench", "timeZone": "UTC", "items": items}
    (directory / "calendar" / "primary.json").write_text(json.dumps(body))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatorProcess:
    def __init__(self, seed: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "kaffe.cli", "emulator", "--seed", str(seed),
               "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.requests()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("emulator did not start")

    def requests(self) -> list[dict]:
        with urllib.request.urlopen(self.url + "/_emulator/requests", timeout=5) as resp:
            return [r for r in json.load(resp) if not r["path"].endswith("/token")]

    def clear(self) -> None:
        req = urllib.request.Request(self.url + "/_emulator/requests/clear", method="POST")
        urllib.request.urlopen(req, timeout=5).close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(emu: EmulatorProcess, fn) -> dict:  # type: ignore[no-untyped-def]
    emu.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    cpu_ms = (time.process_time() - cpu) * 1000
    wall_ms = (time.perf_counter() - wall) * 1000
    return {"requests": len(emu.requests()), "cpu_ms": cpu_ms, "wall_ms": wall_ms}


def runtime_for(emu: EmulatorProcess, data: Path):  # type: ignore[no-untyped-def]
    text = (f'[me]\nname = "Me"\naddresses = ["me@example.com"]\n'
            f'[google]\napi_endpoint = "{emu.url}"\ntoken_file = "token.json"\n'
            f'[storage]\ndatabase = "kaffe.db"\n')
    write_emulator_token(data / "token.json", emu.url)
    return open_runtime(loads(text, source="<bench>", base_dir=data))


def run(events: int, cycles: int) -> list[tuple[str, float, float]]:
    rng = random.Random(42)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        make_seed(tmp_path / "seed", events, rng)
        emu = EmulatorProcess(tmp_path / "seed")
        try:
            (tmp_path / "k").mkdir()
            (tmp_path / "b").mkdir()
            kaffe, naive = runtime_for(emu, tmp_path / "k"), runtime_for(emu, tmp_path / "b")
            first = measure(emu, lambda: kaffe.cycle(NOW, dry_run=True))
            naive_first = measure(emu, lambda: naive.cycle(NOW, dry_run=True))
            steady = [measure(emu, lambda: kaffe.cycle(NOW, dry_run=True)) for _ in range(cycles)]

            def naive_cycle() -> None:  # a poller without cursors: list everything again
                for source in naive.calendars:
                    naive.store.set_cursor(source.name, None)
                naive.cycle(NOW, dry_run=True)

            base = [measure(emu, naive_cycle) for _ in range(cycles)]
        finally:
            emu.stop()
    mean = lambda xs, k: sum(x[k] for x in xs) / len(xs)  # noqa: E731
    rows.append(
        (f"first sync, {events} events: requests", first["requests"], naive_first["requests"])
    )
    rows.append(("first sync: wall ms", first["wall_ms"], naive_first["wall_ms"]))
    rows.append(("steady cycle: requests", mean(steady, "requests"), mean(base, "requests")))
    rows.append(("steady cycle: CPU ms", mean(steady, "cpu_ms"), mean(base, "cpu_ms")))
    rows.append(("steady cycle: wall ms", mean(steady, "wall_ms"), mean(base, "wall_ms")))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=10)
    args = parser.parse_args()
    rows = run(args.events, args.cycles)
    print(f"{'measure':<42} {'kaffe':>10} {'baseline':>10} {'ratio':>8}")
    for name, ours, theirs in rows:
        ratio = theirs / ours if ours else float("inf")
        print(f"{name:<42} {ours:>10.1f} {theirs:>10.1f} {ratio:>7.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
