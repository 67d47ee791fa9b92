"""The daemon under a real systemd notify socket: READY, STATUS, SIGTERM -> exit 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_run_notifies_and_exits_0_on_sigterm(tmp_path, notify_socket):
    sock, path = notify_socket
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        env = dict(os.environ, NOTIFY_SOCKET=str(path), XDG_RUNTIME_DIR=str(tmp_path),
                   WATCHDOG_USEC="2000000",
                   PYTHONPATH=str(SRC))
        log = tmp_path / "daemon.log"
        with log.open("w") as stderr_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "kaffe.cli", "--config", str(cfg), "run"],
                env=env, stderr=stderr_file,
            )
        try:
            assert "READY=1" in receive_until(sock, "READY=1", log)
            status = receive_until(sock, "STATUS=synced", log)
            assert "WATCHDOG=1" in receive_until(sock, "WATCHDOG=1", log)  # WatchdogSec=2s
            proc.send_signal(signal.SIGTERM)
            assert "STOPPING=1" in receive_until(sock, "STOPPING=1", log)
            assert proc.wait(timeout=60) == 0
        finally:
            proc.kill()
        stderr = log.read_text()
    assert any("drafts created" in line for line in status), status
    assert "cycle at" in stderr  # INFO logging by default for the daemon


def test_a_failing_cycle_does_not_stop_the_daemon(now):
    calls = []

    def cycle(at):
        calls.append(at)
        raise RuntimeError("boom")

    daemon = Daemon(cycle, interval_minutes=15, clock=lambda: now, notifier=Notifier(""))
    daemon.run(max_cycles=1)
    assert calls == [now] and daemon.cycles == 1
