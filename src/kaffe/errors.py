"""One error hierarchy for kaffe: every error it raises on purpose, drawn here.

    KaffeError               message + hint; the CLI prints both, no traceback (-v: one)
    |                        and exits with its ``exit_code`` (1 unless said below)
    +-- ConfigError          the config file's problems, every one located; exit 78
    +-- AuthError            sign-in missing, revoked or expired: re-authorise, no retry
    |   +-- MissingPermission    a Google token lacks a scope (connectors/google/permissions)
    +-- TransientError       429, 5xx, a timeout: the next cycle retries (``retry_after``)
    +-- ConnectorError       a source or sink failed otherwise
    |   +-- SyncTokenExpired     a stored cursor is stale (Calendar 410, Gmail 404): resync
    +-- StorageError         kaffe's own files cannot be written: the cycle stops; exit 74
    +-- LockError            another kaffe holds the single-instance lock
    +-- DataError            an input file (``kaffe import``) is malformed; exit 65
    +-- TargetsError         the targets file cannot be read (topics/targets); exit 78
    +-- Cancelled            kaffe is stopping (SIGTERM) mid-fetch (connectors/deadline)

Connectors translate library errors into these with ``raise ... from exc``. Parsers
raise ``ValueError`` subclasses of their own (``config.checks.Invalid``,
``topics.notes.NoteError``, ...) that their callers turn into located problems
(:class:`Problem`) or skip with a reason; those never reach the CLI.
(tests/test_errors.py keeps this drawing in step with the code.)
"""

from __future__ import annotations

from dataclasses import dataclass

from kaffe.wording import plural

EX_CONFIG = 78  # sysexits.h: configuration error; systemd must not restart-loop on it.
EX_DATAERR = 65  # sysexits.h: the input data was incorrect (e.g. a file given to import).
EX_UNAVAILABLE = 69  # sysexits.h: a service is unavailable (e.g. every source failed).
EX_CANTCREAT = 73  # sysexits.h: an output file cannot be created.
EX_IOERR = 74  # sysexits.h: an input/output error (e.g. the disk is full).


class KaffeError(Exception):
    """Base of every error kaffe raises on purpose."""

    hint: str = ""
    exit_code: int = 1  # what the CLI exits with when this error ends a command

    def __init__(self, message: str, *, hint: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        if hint:
            self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


@dataclass(frozen=True)
class Problem:
    """One located problem in a config file: file, section, key and what is wrong."""

    file: str
    section: str
    key: str
    message: str
    index: int | None = None  # 1-based entry of an array of tables like [[feeds]]

    def __str__(self) -> str:
        where = f"[{self.section}]" if self.section else "(top level)"
        if self.index is not None:
            where += f"[{self.index}]"
        key = f" {self.key}" if self.key else ""
        return f"{self.file}: {where}{key}: {self.message}"


def config_entry(section: str, name: str) -> str:
    """How a hint names the config entry a source comes from, so that the fix is
    looked for in the right place: ``[[calendars]] entry "home"``."""
    return f'[[{section}]] entry "{name}"' if name else f"[[{section}]] entry of this source"


class ConfigError(KaffeError):
    """A config file with one or more problems; all of them are listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"the configuration has {plural(len(self.problems), 'problem')}:\n{lines}")


class AuthError(KaffeError):
    """Credentials are missing, revoked or expired; retrying will not help."""


class TransientError(KaffeError):
    """A failure that may go away by itself (429, 5xx, timeouts); retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class ConnectorError(KaffeError):
    """A source or sink failed in a way that is neither auth nor transient."""


class SyncTokenExpired(ConnectorError):
    """The stored sync cursor is no longer valid (Calendar 410, Gmail history 404)."""


class StorageError(KaffeError):
    """kaffe's own files cannot be written or used: a full disk, a read-only folder, a
    folder where the database should be. Not a source's failure: the cycle stops."""

    exit_code = EX_IOERR


class LockError(KaffeError):
    """Another kaffe process holds the single-instance lock."""


MAX_SHOWN = 20  # a DataError message lists at most this many problems


class DataError(KaffeError):
    """An input file (e.g. for ``kaffe import``) is malformed; every located problem is listed."""

    exit_code = EX_DATAERR

    def __init__(self, source: str, problems: list[str], *, hint: str = "") -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {source}: {p}" for p in self.problems[:MAX_SHOWN])
        more = len(self.problems) - MAX_SHOWN
        lines += f"\n  ... and {more} more" if more > 0 else ""
        counted = plural(len(self.problems), "problem")
        super().__init__(f"{source} has {counted}:\n{lines}", hint=hint)

