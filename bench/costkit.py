"""The parts of bench/cost.py that are not measuring: the seed, the emulator and feed
server processes, kaffe's config, per-source CPU meters and request-log summaries."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.memseed import ME, write_calendar_and_profile

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
TITLES = ["Project sync", "1:1 review", "Planning", "Design review", "Lunch", "Interview"]
SUBJECTS = ["Re: the data platform", "Slides from Tuesday", "Quick question",
            "Intro: {n}", "Re: coffee next week?", "Notes from our call", "Invoice {n}"]


@dataclass(frozen=True)
class Scale:
    """How much data: events in the calendar window, messages in the Gmail window, feeds."""

    factor: int
    events: int
    messages: int
    feeds: int

    def label(self) -> str:
        """``"1x: 2,000 events, 10,000 msgs, 20 feeds"``."""
        return (f"{self.factor}x: {self.events:,} events, {self.messages:,} msgs, "
                f"{self.feeds} feeds")


# -- the seed -------------------------------------------------------------------------------
def contact(i: int) -> str:
    """The address of contact ``i`` (a pool shared by events and mail)."""
    return f"person{i}@partner{i % 97}.example"


def write_seed(root: Path, scale: Scale, seed: int = 42) -> None:
    """Calendar JSON and .eml files for ``kaffe emulator --seed root``."""
    rng = random.Random(seed)
    people = max(scale.events // 2, 1)
    (root / "calendar").mkdir(parents=True)
    write_calendar_and_profile(root, [_event(i, rng.randrange(people), rng)
                                      for i in range(scale.events)])
    for n in range(scale.messages):
        folder = "sent" if n % 3 == 0 else "inbox"
        (root / "gmail" / folder / f"m{n:07d}.eml").write_bytes(
            _message(n, rng.randrange(people), rng))


def _event(i: int, who: int, rng: random.Random) -> dict[str, Any]:
    """Events over the store's window (a year back, two weeks ahead); a third are coffee."""
    start = (NOW + timedelta(days=rng.uniform(-330, 13))).replace(minute=0, second=0,
                                                                   microsecond=0)
    coffee = i % 3 == 0
    title = f"Coffee with Person {who}" if coffee else rng.choice(TITLES)
    return {
        "kind": "calendar#event", "id": f"bench{i:07d}", "status": "confirmed",
        "summary": title, "location": "Café Norden" if coffee else "Room 4",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=45)).isoformat()},
        "iCalUID": f"bench{i:07d}@google.com", "organizer": {"email": ME, "self": True},
        "attendees": [{"email": ME, "self": True, "responseStatus": "accepted"},
                      {"email": contact(who), "responseStatus": "accepted"}],
        "eventType": "default",
    }


def _message(n: int, who: int, rng: random.Random) -> bytes:
    sent = n % 3 == 0
    frm, to = (ME, contact(who)) if sent else (f"Person {who} <{contact(who)}>", ME)
    when = NOW - timedelta(days=rng.uniform(0.5, 175))
    subject = rng.choice(SUBJECTS).format(n=n)
    text = (f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\nMessage-ID: <b{n}@bench.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Hi,\r\n\r\nthanks for the notes; let us pick this up next week.\r\n\r\n-- \r\nP\r\n")
    return text.encode()


# -- processes ------------------------------------------------------------------------------
def free_port() -> int:
    """A port nothing listens on right now (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _json(url: str, *, post: bool = False, timeout: float = 120) -> Any:
    req = urllib.request.Request(url, data=b"" if post else None,
                                 method="POST" if post else "GET")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)


class EmulatorProcess:
    """``kaffe emulator`` in a process of its own, with ``latency_ms`` on every request."""

    def __init__(self, seed: Path, latency_ms: int = 0) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        cmd = [sys.executable, "-m", "kaffe.cli", "emulator", "--seed", str(seed),
               "--port", self.url.rsplit(":", 1)[1], "--latency-ms", str(latency_ms)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready(time.monotonic() + 300)

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the emulator exited with {self.proc.returncode}")
            try:
                self.requests()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the emulator did not start")

    def requests(self) -> list[dict[str, Any]]:
        """The request log since the last :meth:`clear`."""
        return list(_json(self.url + "/_emulator/requests"))

    def clear(self) -> None:
        """Forget the request log."""
        _json(self.url + "/_emulator/requests/clear", post=True)

    def stop(self) -> None:
        """Terminate the process and wait for it."""
        self.proc.terminate()
        self.proc.wait(timeout=30)


class FeedFarm:
    """bench/feedserver.py in a process of its own: ``feeds`` feeds and one ICS URL."""

    def __init__(self, feeds: int) -> None:
        cmd = [sys.executable, str(ROOT / "bench" / "feedserver.py"), "--feeds", str(feeds)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        urls = json.loads(self.proc.stdout.readline())
        self.feeds: list[str] = urls["feeds"]
        self.ics: str = urls["ics"]
        self._control: str = urls["control"]

    def stats(self) -> dict[str, dict[str, int]]:
        """Per kind ("feed", "ics"): requests, not_modified, bodies, bytes since reset."""
        return dict(_json(self._control + "/stats"))

    def reset(self) -> None:
        """Start counting afresh."""
        _json(self._control + "/reset", post=True)

    def stop(self) -> None:
        """Terminate the process and wait for it."""
        self.proc.terminate()
        self.proc.wait(timeout=30)


def config_text(emulator_url: str, farm: FeedFarm) -> str:
    """kaffe's config: the emulator's Google calendar and Gmail, the ICS URL, the feeds."""
    feeds = "".join(f'[[feeds]]\nurl = "{url}"\nname = "feed{i}"\nlanguage = "en"\n\n'
                    for i, url in enumerate(farm.feeds))
    return (f'[me]\nname = "Me"\naddresses = ["{ME}"]\n\n'
            f'[google]\napi_endpoint = "{emulator_url}"\ntoken_file = "token.json"\n\n'
            '[[calendars]]\ntype = "google"\nname = "google"\ncalendar_id = "primary"\n\n'
            f'[[calendars]]\ntype = "ics"\nname = "ics"\nurl = "{farm.ics}"\n\n'
            f'[storage]\ndatabase = "kaffe.db"\n\n{feeds}'
            # this bench counts requests, units and bytes, not pacing (bench/quota.py):
            # an emulator without a quota, and kaffe's own pace out of the way
            '[gmail]\nquota_per_minute = 100000000\nquota_share = 1\n\n')


# -- measuring ------------------------------------------------------------------------------
class CpuMeter:
    """CPU and wall seconds of this process spent inside each kind of source's
    sync/fetch (CPU: every thread of this process; the servers run elsewhere)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.wall: dict[str, float] = {}

    def wrap(self, source: Any, kind: str) -> Any:
        """``source`` with its ``sync``/``fetch`` timed under ``kind``."""
        return _Timed(source, kind, self)

    def reset(self) -> None:
        """Start counting afresh."""
        self.seconds.clear()
        self.wall.clear()

    def add(self, kind: str, cpu: float, wall: float) -> None:
        """Count ``cpu`` and ``wall`` seconds under ``kind``."""
        self.seconds[kind] = self.seconds.get(kind, 0.0) + cpu
        self.wall[kind] = self.wall.get(kind, 0.0) + wall


class _Timed:
    def __init__(self, inner: Any, kind: str, meter: CpuMeter) -> None:
        self._inner, self._kind, self._meter = inner, kind, meter

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in ("sync", "sync_resumable", "fetch"):
            return attr
        return lambda *args, **kwargs: self._timed(attr, *args, **kwargs)

    def _timed(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self._meter.add(self._kind, time.process_time() - cpu, time.perf_counter() - wall)


def group_of(entry: dict[str, Any]) -> str:
    """Which source a logged request belongs to: calendar, gmail, drafts or token."""
    api = str(entry.get("api") or "")
    if api.startswith("calendar."):
        return "calendar"
    if api.startswith("gmail.users.drafts"):
        return "drafts"
    if api.startswith("gmail.") or entry["path"].startswith("/batch/gmail"):
        return "gmail"
    return "token" if api == "oauth2.token" else "other"


@dataclass
class Traffic:
    """One group's requests (round trips), Gmail quota units and bytes received."""

    requests: int = 0
    units: int = 0
    bytes: int = 0
    apis: tuple[str, ...] = ()  # the API methods called, round trips and batch parts


def traffic(entries: Iterable[dict[str, Any]]) -> dict[str, Traffic]:
    """Per :func:`group_of`: round trips (batch parts not counted), units, bytes. A
    batch POST counts in the group of its parts (logged just before it)."""
    found: dict[str, Traffic] = {}
    last_part = ""
    for entry in entries:
        group = group_of(entry)
        if entry.get("part"):
            last_part = group
        elif entry["path"].startswith("/batch/") and last_part:
            group, last_part = last_part, ""
        t = found.setdefault(group, Traffic())
        t.units += int(entry.get("units") or 0)
        if entry.get("api") not in t.apis:
            t.apis += (str(entry.get("api")),)
        if not entry.get("part"):
            t.requests += 1
            t.bytes += int(entry.get("bytes") or 0)
    return found


def formats(entries: Iterable[dict[str, Any]]) -> set[str]:
    """The ``format`` of every messages.get in ``entries``."""
    return {(e["query"].get("format") or ["full"])[0] for e in entries
            if e.get("api") == "gmail.users.messages.get"}
