"""A throwaway Dovecot IMAP server on 127.0.0.1 for the tests.

Debian's ``dovecot-imapd`` is started in the foreground (``dovecot -F -c``)
with its own configuration: plain-text LOGIN without TLS (loopback only), a
passwd-file with one user, maildirs owned by ``nobody`` (Dovecot refuses uid 0)
and SPECIAL-USE ``Drafts``/``Sent`` mailboxes created on login. Everything
lives in one temporary directory that is removed on stop. A server that cannot
start raises :class:`DovecotUnavailable` naming what is missing: tests fail,
they never skip.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.servers import free_port

DOVECOT = "dovecot"
START_TIMEOUT = 15.0  # seconds: a cold start with an empty state dir takes well under one
USER = "ana@example.org"
PASSWORD = "coffee-beans-42"  # a throwaway test password, not a secret

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
"""


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed or did not start; the message says why."""


def _accounts() -> dict[str, str]:
    """Who owns the mail and runs Dovecot's helpers: ``nobody`` when we are root."""
    if os.geteuid() == 0:
        for name in ("dovecot", "dovenull"):
            _require_user(name)
        return {"internal": "dovecot", "login": "dovenull",
                "mail_user": "nobody", "mail_group": "nogroup"}
    me = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    return {"internal": me, "login": me, "mail_user": me, "mail_group": group}


def _require_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise DovecotUnavailable(
            f"the system user {name!r} is missing: install Debian's dovecot-imapd "
            "(apt-get install -y dovecot-imapd), which creates it") from None


class DovecotServer:
    """One Dovecot process with one user; use as a context manager."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.user = USER
        self.password = PASSWORD
        self.root = Path()
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Write the configuration, start ``dovecot -F`` and wait until it accepts logins."""
        binary = shutil.which(DOVECOT) or shutil.which(DOVECOT, path="/usr/sbin:/sbin")
        if binary is None:
            raise DovecotUnavailable(
                "the dovecot binary is not installed: apt-get install -y dovecot-imapd")
        accounts = _accounts()
        self.root = self._make_root(accounts)
        self.port = free_port()
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, port=self.port, **accounts))
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
            [binary, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()

    def _make_root(self, accounts: dict[str, str]) -> Path:
        # Not under pytest's tmp_path: its 0700 parents would lock out the mail user.
        root = Path(tempfile.mkdtemp(prefix="kaffe-dovecot-"))
        root.chmod(0o755)
        (root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        uid = pwd.getpwnam(accounts["mail_user"]).pw_uid
        gid = grp.getgrnam(accounts["mail_group"]).gr_gid
        for name in ("mail", "home"):
            (root / name).mkdir()
            os.chown(root / name, uid, gid)
        return root

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise DovecotUnavailable(f"dovecot exited at start-up: {self._diagnostics()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)  # start-up polling only; no test logic waits on a clock
        self.stop()
        raise DovecotUnavailable(f"dovecot did not accept connections: {self._diagnostics()}")

    def _diagnostics(self) -> str:
        stderr = b""
        if self._process is not None and self._process.stderr is not None:
            if self._process.poll() is not None:
                stderr = self._process.stderr.read() or b""
        log = self.root / "dovecot.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        return (stderr.decode(errors="replace") + tail).strip() or "(no output)"

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
        if process is not None and process.stderr is not None:
            process.stderr.close()
        if self.root != Path() and self.root.is_dir():
            shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers for seeding and inspecting the mailbox --------------------------------
    def connect(self) -> imaplib.IMAP4:
        """A logged-in imaplib connection as the test user (close it with ``logout``)."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def append(self, folder: str, raw: bytes, *, flags: str = "", when: object = None) -> None:
        """APPEND ``raw`` to ``folder`` (internal date ``when``, a datetime or None)."""
        conn = self.connect()
        try:
            typ, data = conn.append(_quoted(folder), flags or None, when, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND to {folder} failed: {data!r}")
        finally:
            conn.logout()


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
