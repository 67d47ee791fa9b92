"""A throwaway Radicale CalDAV server on 127.0.0.1 for the tests.

Radicale (from PyPI) runs as a subprocess of this interpreter with its own
configuration: one htpasswd user with a plain-text password, storage and log in
one temporary directory that is removed on stop, no delay after a failed login.
A server that cannot start raises :class:`RadicaleUnavailable` naming what is
missing: tests fail, they never skip. Calendars and events are seeded with the
``caldav`` library itself, as any CalDAV client would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tests.servers import free_port

START_TIMEOUT = 20.0  # seconds; a cold start takes well under one
USER = "ana"
PASSWORD = "filter-coffee-7"  # a throwaway test password, not a secret

CONFIG = """\
[server]
hosts = 127.0.0.1:{port}
[auth]
type = htpasswd
htpasswd_filename = {root}/users
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = {root}/collections
[web]
type = none
[logging]
level = info
mask_passwords = True
"""


class RadicaleUnavailable(RuntimeError):
    """Radicale is not installed or did not start; the message says why."""


class RadicaleServer:
    """One Radicale process with one user; use as a context manager."""

    def __init__(self) -> None:
        self.user = USER
        self.password = PASSWORD
        self.port = 0
        self.root = Path()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def url(self) -> str:
        """The server's root URL (what a user types into a CalDAV client)."""
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> RadicaleServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Write the configuration, start ``python -m radicale`` and wait until it answers."""
        try:
            import radicale  # noqa: F401  (only to fail with a clear message)
        except ImportError as exc:
            raise RadicaleUnavailable(
                f"radicale is not installed ({exc}): pip install -e '.[test]'") from exc
        self.root = Path(tempfile.mkdtemp(prefix="kaffe-radicale-"))
        self.port = free_port()
        (self.root / "users").write_text(f"{self.user}:{self.password}\n")
        config = self.root / "radicale.conf"
        config.write_text(CONFIG.format(root=self.root, port=self.port))
        self._log = (self.root / "radicale.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter and our own config
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RadicaleUnavailable(f"radicale exited at start-up: {self.log_tail()}")
            try:
                httpx.request("OPTIONS", self.url, timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)  # start-up polling only; no test logic waits on a clock
        self.stop()
        raise RadicaleUnavailable(f"radicale did not answer on {self.url}: {self.log_tail()}")

    def log_tail(self) -> str:
        """The end of Radicale's log, for failure messages."""
        log = self.root / "radicale.log"
        text = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        return text.strip() or "(no output)"

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.root != Path() and self.root.is_dir():
            shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers for seeding calendars with the caldav library ---------------------------
    def client(self, password: str | None = None) -> Any:
        """A ``caldav.DAVClient`` logged in as the test user (close it when done)."""
        import caldav

        return caldav.DAVClient(
            url=self.url, username=self.user,
            password=self.password if password is None else password,
            timeout=10, enable_rfc6764=False, rate_limit_handle=False)

    def make_calendar(self, name: str, cal_id: str) -> str:
        """Create a calendar called ``name`` at ``/<user>/<cal_id>/``; return its URL."""
        with self.client() as client:
            calendar = client.principal().make_calendar(name=name, cal_id=cal_id)
            return str(calendar.url)

    def put_event(self, calendar_url: str, ics: str) -> None:
        """Add (or replace, by UID) one event given as a whole VCALENDAR text."""
        with self.client() as client:
            client.calendar(url=calendar_url).save_event(ics)

    def delete_event(self, calendar_url: str, uid: str) -> None:
        """Remove the event with ``uid`` from the calendar."""
        with self.client() as client:
            client.calendar(url=calendar_url).event_by_uid(uid).delete()


def radicale_server() -> Iterator[RadicaleServer]:
    """Body of a pytest fixture: a started server, stopped afterwards."""
    with RadicaleServer() as server:
        yield server
