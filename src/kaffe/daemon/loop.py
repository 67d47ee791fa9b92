"""The daemon loop: a ``schedule`` job runs one cycle per interval until SIGTERM."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import datetime

import schedule

from kaffe.daemon.cycle import CycleReport
from kaffe.daemon.notify import Notifier

log = logging.getLogger(__name__)


class Daemon:
    """Runs ``cycle(now)`` every ``interval_minutes``; a stop request lets the current
    cycle finish and then returns (exit 0 under systemd)."""

    def __init__(
        self,
        cycle: Callable[[datetime], CycleReport],
        interval_minutes: int,
        clock: Callable[[], datetime],
        notifier: Notifier | None = None,
    ) -> None:
        self.cycle = cycle
        self.clock = clock
        self.notifier = notifier or Notifier()
        # A plain flag, not a threading.Event: the SIGTERM handler runs in the main
        # thread, possibly while it holds the Event's lock inside wait() -> deadlock.
        self.stopping = False
        self.sleep = time.sleep
        self.scheduler = schedule.Scheduler()
        self.scheduler.every(interval_minutes).minutes.do(self.tick)
        self.cycles = 0
        self.last_ping = float("-inf")

    def tick(self) -> None:
        try:
            report = self.cycle(self.clock())
            self.notifier.status(report.summary())
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
        self.stopping = True  # only this: no logging or locks inside a signal handler

    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self, *, max_cycles: int | None = None) -> None:
        """Run a cycle now, then on schedule, until stopped (or ``max_cycles`` ran)."""
        self.notifier.ready("starting the first cycle")
        self.tick()
        while not self.stopping:
            if max_cycles is not None and self.cycles >= max_cycles:
                break
            self.scheduler.run_pending()
            self.ping()
            idle = self.scheduler.idle_seconds
            self.sleep(1.0 if idle is None else max(0.0, min(idle, 1.0)))
        log.info("stop requested: stopped after %d cycles", self.cycles)
        self.notifier.stopping()
