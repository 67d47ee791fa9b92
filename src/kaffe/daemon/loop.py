"""The daemon loop: a ``schedule`` job runs one cycle per interval until SIGTERM.

Signal handlers only set flags (no logging, no locks inside a handler); the loop
acts on them between cycles: SIGHUP reloads the config, SIGTERM stops after the
current action. A fetch in flight is aborted at once (the cycle passes the flag to
:func:`kaffe.connectors.deadline.stop_when`); should anything still hold the cycle
``STOP_GRACE_SECONDS`` after SIGTERM, :class:`Backstop` ends the process: every
store write is one SQLite transaction and every draft goes through the ledger, so
dying there is what the store and the executor are built to survive.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol

import schedule

from kaffe.config.schema import Config
from kaffe.daemon.cycle import CycleReport
from kaffe.daemon.notify import Notifier
from kaffe.errors import KaffeError

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 4.0  # SIGTERM -> exit within this, whatever a server does
EX_SIGTERM = 128 + signal.SIGTERM  # what a shell reports for a command SIGTERM ended


class StopFlag:
    """Set by a signal handler (a plain attribute: no lock in a handler); call it to ask."""

    def __init__(self) -> None:
        self.raised = False

    def __call__(self) -> bool:
        return self.raised

    def set(self, *_: object) -> None:
        self.raised = True

    @contextlib.contextmanager
    def on(self, *signals: signal.Signals) -> Iterator[StopFlag]:
        """Let ``signals`` set the flag inside the block; the old handlers return after."""
        saved = {sig: signal.signal(sig, self.set) for sig in signals}
        try:
            yield self
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)


class Backstop:
    """While the ``with`` block runs, a thread watches ``stopping()``: once it is true
    and the block has not ended ``grace`` seconds later, ``on_overrun`` runs and the
    process exits with ``code`` (systemd reads 0 as a clean stop)."""

    def __init__(
        self,
        stopping: Callable[[], bool],
        *,
        grace: float = STOP_GRACE_SECONDS,
        on_overrun: Callable[[], object] = lambda: None,
        code: int = 0,
        exit: Callable[[int], None] = os._exit,
    ) -> None:
        self.stopping, self.grace, self.code = stopping, grace, code
        self.on_overrun, self.exit = on_overrun, exit
        self.finished = threading.Event()  # set by the main thread, never by a handler

    def __enter__(self) -> Backstop:
        threading.Thread(target=self._watch, name="kaffe-backstop", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finished.set()

    def _watch(self) -> None:
        while not self.stopping():
            if self.finished.wait(0.1):
                return
        if self.finished.wait(self.grace):
            return
        log.error("still busy %g s after the stop request: exiting now; "
                  "the next start resumes where this one was cut off", self.grace)
        self.on_overrun()
        self.exit(self.code)


class Cycle(Protocol):
    """One cycle at ``now``; ``stop`` is asked between actions and ends the cycle early."""

    def __call__(self, now: datetime, *, stop: Callable[[], bool]) -> CycleReport: ...


Reload = Callable[[], Config | None]  # the new config, or None when the old one stays


class Daemon:
    """Runs ``cycle(now)`` every ``interval_minutes``; a stop request lets the current
    action finish and then returns (exit 0 under systemd)."""

    def __init__(
        self,
        cycle: Cycle,
        interval_minutes: int,
        clock: Callable[[], datetime],
        notifier: Notifier | None = None,
        *,
        reload: Reload | None = None,
    ) -> None:
        self.cycle = cycle
        self.clock = clock
        self.notifier = notifier or Notifier()
        self.reloader = reload
        # Plain flags, not a threading.Event: the handlers run in the main thread,
        # possibly while it holds the Event's lock inside wait() -> deadlock.
        self.stopping = False
        self.reloading = False
        self.sleep = time.sleep
        self.scheduler = schedule.Scheduler()
        self.interval_minutes = interval_minutes
        self.scheduler.every(interval_minutes).minutes.do(self.tick)
        self.cycles = 0
        self.last_ping = float("-inf")

    def tick(self) -> None:
        """Run one cycle and tell systemd its summary; a failing cycle is logged, not fatal."""
        try:
            report = self.cycle(self.clock(), stop=self.stop_requested)
            self.notifier.status(report.summary())
        except KaffeError as exc:  # said in words (a full disk, say); the traceback at -v
            fix = f"; fix: {exc.hint}" if exc.hint else ""
            log.error("cycle failed: %s%s; the next one runs on schedule", exc, fix,
                      exc_info=log.isEnabledFor(logging.DEBUG))
            self.notifier.status(f"last cycle failed: {exc}")
        except Exception:  # one bad cycle must not kill a daemon that runs for months
            log.exception("cycle failed; the next one runs on schedule")
            self.notifier.status("last cycle failed; see the log")
        self.cycles += 1

    def ping(self) -> None:
        """WATCHDOG=1 at half of systemd's WatchdogSec, not on every turn of the loop."""
        interval = self.notifier.watchdog_interval()
        if interval is not None and time.monotonic() - self.last_ping >= interval:
            self.notifier.watchdog()
            self.last_ping = time.monotonic()

    def stop(self, *_: object) -> None:
        """SIGTERM/SIGINT handler: only sets a flag."""
        self.stopping = True

    def stop_requested(self) -> bool:
        return self.stopping

    def request_reload(self, *_: object) -> None:
        """SIGHUP handler: only sets a flag; the loop reloads between cycles."""
        self.reloading = True

    def install_signals(self) -> None:
        """SIGTERM and SIGINT stop; SIGHUP reloads (when a reload is wired)."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        if self.reloader is not None:
            signal.signal(signal.SIGHUP, self.request_reload)

    def reload(self) -> bool:
        """Reload the config now; on failure the old one stays (the reloader logs why)."""
        self.reloading = False
        if self.reloader is None:
            return False
        self.notifier.reloading()
        config = self.reloader()
        if config is None:
            self.notifier.ready("reload failed, running on the previous config; see the log")
            return False
        self.reschedule(config.schedule.interval_minutes)
        self.notifier.ready(f"reloaded config; a cycle every {self.interval_minutes} min")
        return True

    def reschedule(self, interval_minutes: int) -> None:
        """Change the cycle interval; the next cycle is one new interval from now."""
        if interval_minutes == self.interval_minutes:
            return
        self.scheduler.clear()
        self.scheduler.every(interval_minutes).minutes.do(self.tick)
        log.info("cycles now run every %d minutes", interval_minutes)
        self.interval_minutes = interval_minutes

    def run(self, *, max_cycles: int | None = None) -> None:
        """Run a cycle now, then on schedule, until stopped (or ``max_cycles`` ran)."""
        with Backstop(self.stop_requested, on_overrun=self.notifier.stopping):
            self._run(max_cycles)

    def _run(self, max_cycles: int | None) -> None:
        self.notifier.ready("starting the first cycle")
        self.tick()
        while not self.stopping:
            if max_cycles is not None and self.cycles >= max_cycles:
                break
            if self.reloading:
                self.reload()
            self.scheduler.run_pending()
            if self.stopping:
                break  # a cycle cut short by SIGTERM: no pause before stopping
            self.ping()
            idle = self.scheduler.idle_seconds
            self.sleep(1.0 if idle is None else max(0.0, min(idle, 1.0)))
        log.info("stopping after %d cycles", self.cycles)
        self.notifier.stopping()
