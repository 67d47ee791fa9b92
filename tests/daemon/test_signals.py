"""Real signals in-process: SIGTERM finishes the current draft, SIGHUP reloads the config."""

from __future__ import annotations

import email
import logging
import os
import signal
import socket
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from email import policy

import pytest

from kaffe.config.schema import Config, ScheduleConfig
from kaffe.daemon.cycle import CycleReport
from kaffe.daemon.loop import Daemon
from kaffe.daemon.notify import Notifier
from kaffe.daemon.runtime import LiveRuntime
from kaffe.emulator import Emulator
from kaffe.model import PENDING
from kaffe.rules.plan import Plan
from tests.helpers import DEMO_SEED, write_config

DEMO_NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
DEMO_DUE = 6  # drafts due at DEMO_NOW: five follow-ups and a check-in
BAD_DRIP = '\n[drip]\nmin_gap_days = "soon"\n'


@pytest.fixture(autouse=True)
def restore_handlers():
    """The daemon installs its handlers in the test process: put pytest's back after."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def emu():
    with Emulator(DEMO_SEED) as emulator:
        yield emulator


def draft_keys(emu: Emulator) -> list[str]:
    raws = [email.message_from_bytes(d["raw"], policy=policy.default) for d in emu.drafts()]
    return [m["X-Kaffe-Key"] for m in raws]


def scripted_sleep(*steps):
    """A fake ``Daemon.sleep``: each turn of the loop runs the next step, never sleeps."""
    pending = list(steps)

    def sleep(_seconds: float) -> None:
        if pending:
            pending.pop(0)()

    return sleep


def test_sigterm_during_a_cycle_finishes_the_current_draft_and_leaves_the_rest_due(
    tmp_path, emu, monkeypatch
):
    cfg = write_config(tmp_path, emu.url)
    with LiveRuntime.open(cfg) as live:
        sink = live.runtime.sink
        create = sink.create_draft

        def create_then_sigterm(draft):
            draft_id = create(draft)
            os.kill(os.getpid(), signal.SIGTERM)  # arrives while this action is in flight
            return draft_id

        monkeypatch.setattr(sink, "create_draft", create_then_sigterm)
        daemon = Daemon(live.cycle, 15, lambda: DEMO_NOW, Notifier(""))
        daemon.install_signals()
        daemon.run()  # returns: `kaffe run` exits 0
        ledger = live.runtime.store.ledger()
    assert daemon.stopping and daemon.cycles == 1
    assert len(draft_keys(emu)) == 1
    assert [e.state for e in ledger.values() if e.draft_id] == ["done"]
    assert not [e for e in ledger.values() if e.state == PENDING]
    # The drafts not written stayed due: the next cycle writes them, no duplicate.
    (first,) = draft_keys(emu)
    with LiveRuntime.open(cfg) as live:
        rest = live.cycle(DEMO_NOW).created
    keys = draft_keys(emu)
    assert len(rest) == DEMO_DUE - 1 and first not in {o.action.key for o in rest}
    assert len(keys) == len(set(keys)) == DEMO_DUE


def test_stop_before_the_cycle_syncs_nothing_and_drafts_nothing(tmp_path, emu):
    cfg = write_config(tmp_path, emu.url)
    with LiveRuntime.open(cfg) as live:
        report = live.cycle(DEMO_NOW, stop=lambda: True)
    assert report.syncs == () and report.outcomes == ()
    assert emu.drafts() == []


def test_a_bad_config_on_reload_keeps_the_old_runtime_and_logs_every_problem(
    tmp_path, emu, caplog
):
    cfg = write_config(tmp_path, emu.url)
    with LiveRuntime.open(cfg) as live:
        before = live.runtime
        cfg.write_text(cfg.read_text() + BAD_DRIP + "[nonsense]\nx = 1\n")
        with caplog.at_level(logging.ERROR, logger="kaffe.daemon.runtime"):
            assert live.reload() is None
        assert live.runtime is before
        report = live.cycle(DEMO_NOW)  # still works on the old config
    assert len(report.created) == DEMO_DUE
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(f"{cfg}: [drip] min_gap_days:" in e for e in errors), errors
    assert any("unknown section [nonsense]" in e for e in errors), errors
    assert any("kept the previous config" in e for e in errors)


def test_a_good_reload_opens_a_new_runtime_and_closes_the_old(tmp_path, emu, caplog):
    cfg = write_config(tmp_path, emu.url)
    with LiveRuntime.open(cfg) as live:
        old = live.runtime
        cfg.write_text(cfg.read_text() + "\n[schedule]\ninterval_minutes = 5\n")
        with caplog.at_level(logging.INFO, logger="kaffe.daemon.runtime"):
            config = live.reload()
        assert config is not None and config.schedule.interval_minutes == 5
        assert live.runtime is not old and live.config is config
        with pytest.raises(sqlite3.ProgrammingError):
            old.store.ledger()  # the old store is closed
        assert len(live.cycle(DEMO_NOW).created) == DEMO_DUE
    assert f"reloaded config from {cfg}" in caplog.text


def fake_cycle(now: datetime, *, stop) -> CycleReport:
    return CycleReport(now, (), Plan((), ()))


def receive_all(sock: socket.socket) -> list[str]:
    lines: list[str] = []
    sock.setblocking(False)
    while True:
        try:
            lines += sock.recv(4096).decode().splitlines()
        except BlockingIOError:
            return lines


def test_sighup_reloads_between_cycles_and_tells_systemd(tmp_path, now):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    results = [replace(Config(), schedule=ScheduleConfig(interval_minutes=5)), None]
    reloads: list[Config | None] = []

    def reloader() -> Config | None:
        reloads.append(results.pop(0))
        return reloads[-1]

    hup = lambda: os.kill(os.getpid(), signal.SIGHUP)  # noqa: E731
    term = lambda: os.kill(os.getpid(), signal.SIGTERM)  # noqa: E731
    daemon = Daemon(fake_cycle, 15, lambda: now, Notifier(str(path)), reload=reloader)
    daemon.install_signals()
    daemon.sleep = scripted_sleep(hup, hup, term)
    with sock:
        daemon.run()
        lines = receive_all(sock)
    assert len(reloads) == 2 and daemon.interval_minutes == 5
    assert [job.interval for job in daemon.scheduler.get_jobs()] == [5]
    assert lines.count("RELOADING=1") == 2
    assert "STATUS=reloaded config; a cycle every 5 min" in lines
    assert any(line.startswith("STATUS=reload failed") for line in lines)
    assert lines[-1] == "STOPPING=1" and daemon.cycles == 1


def test_sighup_without_a_reloader_is_left_to_the_default(now):
    daemon = Daemon(fake_cycle, 15, lambda: now, Notifier(""))
    default = signal.getsignal(signal.SIGHUP)
    daemon.install_signals()
    assert signal.getsignal(signal.SIGHUP) is default
    assert daemon.reload() is False

