"""One IMAP connection per cycle, with library errors translated into kaffe's.

:class:`ImapAccount` says where and as whom; :func:`session` connects, logs in,
yields an :class:`ImapSession` and logs out. The session wraps the few
commands kaffe needs (LIST, STATUS, EXAMINE/SELECT, UID SEARCH, UID FETCH,
APPEND) and quotes mailbox names itself: imaplib sends arguments as they are.

The password is never logged and never part of an error message or ``repr``.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from kaffe.connectors import deadline
from kaffe.errors import AuthError, ConnectorError, TransientError

log = logging.getLogger(__name__)

TLS_MODES = ("ssl", "starttls", "none")
DEADLINE_FACTOR = 3  # an exchange may take this many times the socket timeout in all
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_GREETING_CAPS = re.compile(rb"\[CAPABILITY ([^\]]*)\]", re.IGNORECASE)


@dataclass(frozen=True)
class ImapAccount:
    """Where one IMAP mailbox lives and how to log in (``tls="none"``: loopback only)."""

    name: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    tls: str = "ssl"
    address: str = ""  # the address you send as
    aliases: tuple[str, ...] = ()
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    sent_folder: str = ""  # "" = find it by SPECIAL-USE, then by common names
    drafts_folder: str = ""

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ConnectorError(f"imap {self.name}: tls must be one of {', '.join(TLS_MODES)}, "
                                 f"not {self.tls!r}")
        if self.tls == "none" and self.host not in LOOPBACK:
            raise ConnectorError(
                f"imap {self.name}: tls = \"none\" would send the password in clear text "
                f"to {self.host}", hint="use tls = \"ssl\" (port 993) or \"starttls\" (143)")


class _GreetingCaps:
    """Reads CAPABILITY from the server greeting when it is there (Dovecot, Gmail,
    Fastmail all send it), sparing imaplib's extra CAPABILITY round trip."""

    welcome: bytes
    capabilities: tuple[str, ...]

    def _get_capabilities(self) -> None:
        found = None if getattr(self, "_caps_read", False) else _GREETING_CAPS.search(
            self.welcome)
        self._caps_read = True
        if found is None:
            super()._get_capabilities()  # type: ignore[misc]
            return
        self.capabilities = tuple(found.group(1).decode("ascii", "replace").upper().split())


class _Watched:
    """Lets the watch of the connecting thread cut the new socket off (deadline, SIGTERM)."""

    def _create_socket(self, timeout: float | None) -> Any:
        sock = super()._create_socket(timeout)  # type: ignore[misc]
        deadline.watch_socket(sock)
        return sock


class _Plain(_Watched, _GreetingCaps, imaplib.IMAP4):
    pass


class _Ssl(_Watched, _GreetingCaps, imaplib.IMAP4_SSL):
    pass


def _reraise(watch: deadline.Watch, where: str, exc: Exception) -> NoReturn:
    """The watch's error when it cut the exchange short, else ``exc`` as it was."""
    failure = watch.failure(where)
    if failure is None:
        raise exc
    raise failure from exc


def _watch(account: ImapAccount) -> deadline.Watch:
    """One exchange (connect + login, a command, logout) gets DEADLINE_FACTOR x timeout."""
    return deadline.Watch(account.timeout * DEADLINE_FACTOR)


def quote(name: str) -> str:
    """An IMAP quoted string (mailbox names, search keys)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSession:
    """A logged-in connection; every method raises kaffe errors, never imaplib's."""

    def __init__(self, conn: imaplib.IMAP4, account: ImapAccount) -> None:
        self.conn = conn
        self.account = account
        self.commands = 0  # commands sent through this session (LOGIN/LOGOUT not included)

    def run(self, what: str, command: str, *args: Any) -> list[Any]:
        """Run a command by imaplib method name (``"uid"``, ``"status"``…); data on OK."""
        self.commands += 1
        where = f"imap {self.account.name}: {what}"
        watch = _watch(self.account)
        watch.add(self.conn.sock)
        try:
            with watch:
                typ, data = self._call(where, command, *args)
        except Exception as exc:  # once cut, imaplib may fail in any way
            _reraise(watch, where, exc)
        watch.check(where)
        if typ != "OK":
            raise ConnectorError(f"{where}: {typ} {_text(data)}")
        return list(data)

    def _call(self, where: str, command: str, *args: Any) -> tuple[str, Any]:
        try:
            return getattr(self.conn, command)(*args)
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"{where}: connection lost: {exc}") from exc
        except imaplib.IMAP4.error as exc:
            raise ConnectorError(f"{where}: {exc}") from exc
        except OSError as exc:
            raise TransientError(f"{where}: {exc}") from exc

    def folders(self) -> list[Any]:
        """The raw LIST responses for every mailbox."""
        return self.run("LIST", "list", '""', "*")

    def status(self, folder: str) -> bytes:
        """The raw STATUS response with UIDVALIDITY and UIDNEXT of ``folder``."""
        data = self.run(f"STATUS {folder}", "status", quote(folder), "(UIDVALIDITY UIDNEXT)")
        return b" ".join(d for d in data if isinstance(d, bytes))

    def open(self, folder: str, *, readonly: bool = True) -> int:
        """EXAMINE (read-only) or SELECT ``folder``; return its UIDVALIDITY."""
        self.run(f"EXAMINE {folder}", "select", quote(folder), readonly)
        value = (self.conn.untagged_responses.get("UIDVALIDITY") or [b"0"])[-1]
        return int(value) if isinstance(value, bytes) else 0

    def search(self, folder: str, *criteria: str) -> list[int]:
        """UIDs in the open folder matching ``criteria`` (already IMAP-formatted)."""
        data = self.run(f"UID SEARCH in {folder}", "uid", "SEARCH", *criteria)
        return sorted(int(n) for chunk in data if chunk for n in chunk.split())

    def fetch(self, folder: str, uids: str, items: str) -> list[Any]:
        """Raw UID FETCH responses for the UID set ``uids`` in the open folder."""
        return self.run(f"UID FETCH in {folder}", "uid", "FETCH", uids, items)

    def append(self, folder: str, flags: str, when: Any, raw: bytes) -> list[Any]:
        """APPEND ``raw`` to ``folder``; the data holds the APPENDUID code if the server has it."""
        return self.run(f"APPEND to {folder}", "append", quote(folder), flags, when, raw)


@contextmanager
def session(account: ImapAccount) -> Iterator[ImapSession]:
    """Connect, log in, yield a session and log out again, whatever happens inside.

    Connecting and logging in, each command and logging out each get one deadline
    (DEADLINE_FACTOR x the socket timeout), and a stop request (SIGTERM) aborts them."""
    conn = _open(account)
    try:
        yield ImapSession(conn, account)
    finally:
        with _watch(account) as watch:
            watch.add(conn.sock)
            _logout(conn)


def _open(account: ImapAccount) -> imaplib.IMAP4:
    where = f"imap {account.name} ({account.host}:{account.port})"
    watch = _watch(account)
    conn = None
    try:
        with watch:
            conn = _connect(account)
            watch.add(conn.sock)  # after STARTTLS: the TLS socket
            _login(conn, account)
        watch.check(where)
    except Exception as exc:  # once cut, imaplib may fail in any way
        if conn is not None:
            _logout(conn)
        _reraise(watch, where, exc)
    return conn


def _connect(account: ImapAccount) -> imaplib.IMAP4:
    where = f"imap {account.name} ({account.host}:{account.port})"
    try:
        if account.tls == "ssl":
            context = account.ssl_context or ssl.create_default_context()
            return _Ssl(account.host, account.port, ssl_context=context, timeout=account.timeout)
        conn = _Plain(account.host, account.port, timeout=account.timeout)
        if account.tls == "starttls":
            conn.starttls(account.ssl_context or ssl.create_default_context())
        return conn
    except ssl.SSLCertVerificationError as exc:
        raise ConnectorError(f"{where}: the server certificate is not trusted: "
                             f"{exc.verify_message}",
                             hint="check the host name, or the system's CA certificates") from exc
    except TimeoutError as exc:
        raise TransientError(f"{where}: no answer within {account.timeout:g} s") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise TransientError(f"{where}: cannot connect: {exc}") from exc


# Outlook.com (since September 2024) and Microsoft 365 take only OAuth ("modern
# auth") over IMAP: no password, app password or not, logs in there.
OAUTH_ONLY_HOSTS = ("outlook.office365.com", "outlook.office.com", "imap-mail.outlook.com",
                    "outlook.live.com")
OAUTH_ONLY_HINT = ("Outlook.com and Microsoft 365 accept only OAuth (\"modern auth\") over IMAP, "
                   "never a password, and kaffe has no Microsoft sign-in: let another mailbox "
                   "take the drafts; an Outlook calendar still works, published as an ics entry")


def login_hint(host: str) -> str:
    """What to check when the server refused the login."""
    if host.strip().lower().rstrip(".") in OAUTH_ONLY_HOSTS:
        return OAUTH_ONLY_HINT
    return "check the user name and password (Gmail needs an app password)"


def _login(conn: imaplib.IMAP4, account: ImapAccount) -> None:
    try:
        conn.login(account.username, account.password)
    except imaplib.IMAP4.abort as exc:
        raise TransientError(f"imap {account.name}: connection lost during login") from exc
    except imaplib.IMAP4.error as exc:
        # the server's words (e.g. "[AUTHENTICATIONFAILED] Authentication failed.")
        raise AuthError(
            f"imap {account.name}: the server refused the login for {account.username}: "
            f"{_reason(exc)}",
            hint=login_hint(account.host),
        ) from exc
    except OSError as exc:
        raise TransientError(f"imap {account.name}: connection lost during login: "
                             f"{exc}") from exc
    log.debug("imap %s: logged in as %s", account.name, account.username)


def _logout(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (imaplib.IMAP4.error, OSError):
        log.debug("logout failed; the connection is closed anyway", exc_info=True)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text or type(exc).__name__


def _text(data: Any) -> str:
    parts = [d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d)
             for d in (data or ()) if d is not None]
    return " ".join(parts)
