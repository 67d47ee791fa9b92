"""One stalled server never holds up a cycle, and SIGTERM ends `kaffe run` and
`kaffe once` within seconds while a fetch is stalled (real servers on 127.0.0.1,
the daemon as a subprocess as systemd runs it).

Elapsed wall time is checked against generous bounds, never slept on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kaffe.daemon.loop import EX_SIGTERM, Backstop
from kaffe.daemon.runtime import LiveRuntime
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config
from tests.servers.stall import StallServer

SRC = Path(__file__).resolve().parents[2] / "src"
DEMO_NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
RSS = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Good</title>"
       b"<item><title>Heat pumps in winter</title><link>https://example.org/heat</link>"
       b"<pubDate>Thu, 05 Mar 2026 08:00:00 GMT</pubDate></item></channel></rss>")
STOP_BOUND = 5.0  # seconds from SIGTERM to exit


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(DEMO_SEED) as emulator:
        yield emulator


@pytest.fixture
def stalled() -> Iterator[StallServer]:
    with StallServer("headers", interval=0.3, give_up=60) as server:
        yield server


def feeds(*urls: tuple[str, str], timeout: int = 1) -> str:
    entries = "".join(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\n\n' for name, url in urls)
    return f"[feed_options]\ntimeout_seconds = {timeout}\n\n{entries}"


def test_a_stalled_feed_does_not_stop_the_other_feeds_and_the_calendar(
    tmp_path, emu, stalled
):
    with StallServer("slow", interval=0.1, body=RSS) as good:
        extra = feeds(("stalled", stalled.url()), ("good", good.url()))
        cfg = write_config(tmp_path, emu.url, extra)
        with LiveRuntime.open(cfg) as live:
            start = time.monotonic()
            report = live.cycle(DEMO_NOW)
            elapsed = time.monotonic() - start
    syncs = {s.source: s for s in report.syncs}
    assert "no complete answer within 3 s" in syncs["feed:stalled"].error
    assert not syncs["feed:good"].error and syncs["feed:good"].changed == 1
    assert [s for s in syncs if s.startswith("google") and not syncs[s].error]
    assert report.created  # the cycle went on to write the drafts that were due
    assert elapsed < 3 + 10  # the deadline, plus a generous allowance for the rest


def kaffe(tmp_path: Path, cfg: Path, *command: str) -> subprocess.Popen:
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), PYTHONPATH=str(SRC))
    with (tmp_path / "kaffe.log").open("w") as log:
        return subprocess.Popen([sys.executable, "-m", "kaffe.cli", "--config", str(cfg),
                                 "-vv", *command], env=env, stderr=log, stdout=log)


@pytest.mark.parametrize(("command", "code"), [(("run",), 0), (("once",), EX_SIGTERM)])
def test_sigterm_ends_kaffe_within_seconds_while_a_feed_is_stalled(
    tmp_path, emu, stalled, command, code
):
    # timeout 20 s: the deadline (60 s) is far away, only SIGTERM can end the fetch soon
    cfg = write_config(tmp_path, emu.url, feeds(("stalled", stalled.url()), timeout=20))
    proc = kaffe(tmp_path, cfg, *command)
    try:
        assert stalled.seen.wait(60), (tmp_path / "kaffe.log").read_text()
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == code
        elapsed = time.monotonic() - start
    finally:
        proc.kill()
        proc.wait()
    log = (tmp_path / "kaffe.log").read_text()
    assert elapsed < STOP_BOUND, log
    assert "sync of feed:stalled was cut short" in log
    assert "exiting now" not in log  # the fetch was aborted; the backstop was not needed
    assert "Traceback" not in log


def test_the_backstop_exits_when_the_work_outlives_the_grace():
    exits: list[int] = []
    exited = threading.Event()

    def exit(code: int) -> None:
        exits.append(code)
        exited.set()

    with Backstop(lambda: True, grace=0.05, code=7, exit=exit):
        assert exited.wait(30)  # still "busy" in the block: the backstop ends the process
    assert exits == [7]
    with Backstop(lambda: True, grace=30, exit=exit):
        pass  # done well within the grace: no exit
    assert exits == [7]
