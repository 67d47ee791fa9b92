"""`kaffe run` imports what its configuration uses (issue 14): without feeds and
without CalDAV entries the daemon never loads numpy, scipy (the relevance index),
caldav, niquests, nor the emulator; nor cryptography and pyparsing, which Google's
libraries import for what kaffe never does (kaffe/_lazy.py). Checked in a fresh
interpreter that runs one cycle of the daemon loop as `kaffe run` wires it, against
the emulator in this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config

SRC = Path(__file__).resolve().parents[2] / "src"
UNUSED = ("numpy", "scipy", "caldav", "niquests", "kaffe.emulator", "kaffe.relevance.concepts")

ONE_CYCLE = """
import json, sys
from kaffe.cli import commands  # what `kaffe run` imports
from kaffe.daemon.loop import Daemon
from kaffe.daemon.runtime import LiveRuntime
from kaffe.timeutil import now_utc

with LiveRuntime.open(sys.argv[1]) as live:
    reports = []
    def cycle(now, *, stop):
        reports.append(live.cycle(now, stop=stop))
        return reports[-1]
    Daemon(cycle, live.config.schedule.interval_minutes, now_utc,
           reload=live.reload).run(max_cycles=1)
print(json.dumps({"cycles": len(reports), "drafts": len(reports[0].created),
                  "modules": sorted(sys.modules)}))
"""


def run_one_cycle(config: Path, tmp_path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(SRC), XDG_RUNTIME_DIR=str(tmp_path),
               XDG_STATE_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", ONE_CYCLE, str(config)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def loaded(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_a_config_without_feeds_or_caldav_loads_none_of_them(tmp_path: Path) -> None:
    with Emulator(DEMO_SEED) as emu:
        found = run_one_cycle(write_config(tmp_path, emu.url), tmp_path)
    assert found["cycles"] == 1 and found["drafts"] > 0  # a real cycle that drafted
    assert [n for n in UNUSED if loaded(found["modules"], n)] == []
    assert loaded(found["modules"], "googleapiclient")  # Google is used: loaded
    # what Google's libraries import for service accounts, ID tokens and 401 challenges,
    # deferred by kaffe._lazy: a user's OAuth credentials never load it
    assert not loaded(found["modules"], "cryptography")
    assert not loaded(found["modules"], "pyparsing")


def test_a_feed_loads_the_relevance_index(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                    "<item><title>Kafka streams in practice</title><guid>a1</guid>"
                    "<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate></item>"
                    "</channel></rss>")
    with Emulator(DEMO_SEED) as emu:
        config = write_config(tmp_path, emu.url, f'[[feeds]]\nurl = "{feed}"\n')
        found = run_one_cycle(config, tmp_path)
    assert loaded(found["modules"], "numpy")
    assert not loaded(found["modules"], "scipy")  # the index needs numpy alone
    assert not loaded(found["modules"], "caldav")
    assert not loaded(found["modules"], "kaffe.emulator")
