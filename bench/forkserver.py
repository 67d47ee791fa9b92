"""A warm interpreter that forks one ``kaffe`` command per request, for the crash torture.

A cold ``kaffe once`` spends most of its wall time starting Python and importing
(about 0.7 s of 1-2 s here); a SIGKILL there tests nothing. The fork server
imports kaffe once; each child it forks runs the real command line
(``kaffe.cli.main(argv)``) from the start and is the process that gets killed.

:class:`ColdRunner` offers the same interface over plain ``python -m kaffe.cli``
processes, for comparison.

Protocol on the server's stdin/stdout, one line each: the server says ``ready``;
for each ``go`` it forks, answers the child's pid, and its exit code once reaped
(``-9`` after a SIGKILL).
"""

from __future__ import annotations

import importlib
import os
import select
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Protocol

ROOT = Path(__file__).resolve().parent.parent
# What `kaffe once` imports on its way: loaded before forking.
WARM_MODULES = (
    "kaffe.cli", "kaffe.cli.commands", "kaffe.cli.logs", "kaffe.cli.report",
    "kaffe.daemon.runtime", "kaffe.connectors.registry", "kaffe.connectors.google",
    "kaffe.connectors.feeds.source", "kaffe.compose.render", "kaffe.compose.mime",
    "kaffe.relevance.matcher", "googleapiclient.discovery",
)


class Runner(Protocol):
    """Starts ``kaffe <argv>`` runs one at a time, waits for them or kills them."""

    startup: float  # seconds, roughly, before kaffe's own code runs

    def start(self) -> int: ...
    def wait(self, timeout: float) -> int | None: ...
    def kill(self, pid: int) -> int: ...
    def close(self) -> None: ...


def serve(argv: list[str], log_path: Path) -> None:
    """The server side: fork a child running ``kaffe <argv>`` for every ``go`` line."""
    for name in WARM_MODULES:
        importlib.import_module(name)
    _say("ready")
    for line in sys.stdin:
        if line.strip() != "go":
            continue
        pid = os.fork()
        if pid == 0:
            _child(argv, log_path)
        _say(str(pid))
        _, status = os.waitpid(pid, 0)
        _say(str(os.waitstatus_to_exitcode(status)))


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _child(argv: list[str], log_path: Path) -> None:
    """In the forked child: output to the log, run the command, never return."""
    code = 70  # EX_SOFTWARE, should anything before main() fail
    try:
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        from kaffe.cli import main

        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class ForkServer:
    """The driver's handle on a fork server running ``kaffe <argv>`` in ``env``."""

    startup = 0.0

    def __init__(self, argv: list[str], env: Mapping[str, str], log_path: Path) -> None:
        cmd = [sys.executable, str(Path(__file__).resolve()), str(log_path), "--", *argv]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=dict(env), bufsize=0)
        if self._line(60) != "ready":
            raise RuntimeError(f"the fork server did not start; see {log_path}")

    def start(self) -> int:
        """Fork one run; its pid."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        return int(self._line(30))

    def wait(self, timeout: float) -> int | None:
        """The run's exit code, or None if it still runs after ``timeout`` seconds."""
        line = self._poll(timeout)
        return None if line is None else int(line)

    def kill(self, pid: int) -> int:
        """SIGKILL the run (unless it has just ended); its exit code."""
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # already reaped: its exit code is on the way
            pass
        return int(self._line(30))

    def close(self) -> None:
        """Stop the server (it ends when its stdin closes)."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def _line(self, timeout: float) -> str:
        line = self._poll(timeout)
        if line is None:
            raise RuntimeError("the fork server stopped answering")
        return line

    def _poll(self, timeout: float) -> str | None:
        stdout: IO[bytes] = self.proc.stdout  # type: ignore[assignment]
        ready, _, _ = select.select([stdout], [], [], max(timeout, 0))
        if not ready:
            return None
        line = stdout.readline()  # unbuffered: reads exactly one line, so select stays true
        if not line:
            raise RuntimeError("the fork server exited")
        return line.decode().strip()

class ColdRunner:
    """The same interface over plain ``python -m kaffe.cli`` processes (start-up included)."""

    startup = 0.7  # measured here: interpreter start-up and imports

    def __init__(self, argv: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.cmd = [sys.executable, "-m", "kaffe.cli", *argv]
        self.env, self.log_path = dict(env), log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> int:
        """Start one run; its pid."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.cmd, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log)
        return self.proc.pid

    def wait(self, timeout: float) -> int | None:
        """The run's exit code, or None if it still runs after ``timeout`` seconds."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=max(timeout, 0))
        except subprocess.TimeoutExpired:
            return None

    def kill(self, pid: int) -> int:
        """SIGKILL the run (unless it has just ended); its exit code."""
        assert self.proc is not None and self.proc.pid == pid
        self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait(timeout=30)

    def close(self) -> None:
        """Nothing to stop between runs."""


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    serve(sys.argv[3:], Path(sys.argv[1]))  # LOG -- ARGV...
