"""The daemon under a real systemd notify socket: READY, STATUS, SIGHUP reload, SIGTERM -> 0."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.daemon.loop import Daemon
from kaffe.daemon.notify import Notifier
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(60)
    yield sock, path
    sock.close()


def receive_until(sock: socket.socket, field: str, log: Path | None = None) -> list[str]:
    seen: list[str] = []
    while not any(line.startswith(field) for line in seen):
        try:
            seen += sock.recv(4096).decode().splitlines()
        except TimeoutError:
            output = log.read_text() if log else ""
            raise AssertionError(f"no {field} after {seen}; daemon log:\n{output}") from None
    return seen


def test_notifier_speaks_the_sd_notify_protocol(notify_socket):
    sock, path = notify_socket
    notifier = Notifier(str(path))
    assert notifier.ready("warming up")
    assert sock.recv(4096).decode().splitlines() == ["READY=1", "STATUS=warming up"]
    assert notifier.watchdog() and sock.recv(4096) == b"WATCHDOG=1"


def test_notifier_is_silent_outside_systemd():
    assert not Notifier("").ready()


@contextlib.contextmanager
def daemon_process(tmp_path: Path, config: Path, notify: Path) -> Iterator[subprocess.Popen]:
    """`kaffe run` as systemd starts it: $NOTIFY_SOCKET, WatchdogSec=2s, stderr to a log."""
    env = dict(os.environ, NOTIFY_SOCKET=str(notify), XDG_RUNTIME_DIR=str(tmp_path),
               WATCHDOG_USEC="2000000", PYTHONPATH=str(SRC))
    with (tmp_path / "daemon.log").open("w") as stderr_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kaffe.cli", "--config", str(config), "run"],
            env=env, stderr=stderr_file,
        )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=60)


def test_run_notifies_and_exits_0_on_sigterm(tmp_path, notify_socket):
    sock, path = notify_socket
    log = tmp_path / "daemon.log"
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        with daemon_process(tmp_path, cfg, path) as proc:
            assert "READY=1" in receive_until(sock, "READY=1", log)
            status = receive_until(sock, "STATUS=synced", log)
            assert "WATCHDOG=1" in receive_until(sock, "WATCHDOG=1", log)  # WatchdogSec=2s
            proc.send_signal(signal.SIGTERM)
            assert "STOPPING=1" in receive_until(sock, "STOPPING=1", log)
            assert proc.wait(timeout=60) == 0
        stderr = log.read_text()
    assert any(" created, " in line for line in status), status
    assert "cycle at" in stderr  # INFO logging by default for the daemon


def test_sighup_reloads_the_config_and_refuses_a_bad_one(
    tmp_path, notify_socket, monkeypatch, capsys
):
    sock, path = notify_socket
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # the daemon's lock dir
    log = tmp_path / "daemon.log"
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        good = cfg.read_text()
        with daemon_process(tmp_path, cfg, path) as proc:
            receive_until(sock, "STATUS=synced", log)
            cfg.write_text(good + '\n[drip]\nmin_gap_days = "soon"\n')
            proc.send_signal(signal.SIGHUP)
            refused = receive_until(sock, "STATUS=reload failed", log)
            cfg.write_text(good + "\n[schedule]\ninterval_minutes = 7\n")
            proc.send_signal(signal.SIGHUP)
            reloaded = receive_until(sock, "STATUS=reloaded", log)
            # The instance lock stays held across the reload.
            assert main(["--config", str(cfg), "once"]) == 1
            assert f"kaffe is already running (pid {proc.pid} holds" in capsys.readouterr().err
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
    stderr = log.read_text()
    assert "RELOADING=1" in refused and "READY=1" in refused
    assert f'{cfg}: [drip] min_gap_days: expected a whole number, got "soon"' in stderr
    assert "STATUS=reloaded config; a cycle every 7 min" in reloaded
    assert f"reloaded config from {cfg}" in stderr


def test_a_failing_cycle_does_not_stop_the_daemon(now):
    calls = []

    def cycle(at, *, stop):
        calls.append(at)
        raise RuntimeError("boom")

    daemon = Daemon(cycle, interval_minutes=15, clock=lambda: now, notifier=Notifier(""))
    daemon.run(max_cycles=1)
    assert calls == [now] and daemon.cycles == 1
