"""A single-instance lock: ``flock`` on a small file that names its holder's pid."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from types import TracebackType

from kaffe.errors import LockError
from kaffe.store.fault import storage_error

log = logging.getLogger(__name__)


class InstanceLock:
    """An exclusive, non-blocking lock on ``path`` (created with mode 0600).

    The kernel drops the lock when the process dies, so a stale file never
    blocks a restart. The holder's pid is written into the file for the hint.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object currently holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockError` naming the pid that holds it."""
        if self._fd is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:  # a read-only or foreign folder: say which, and the fix
            raise storage_error(self.path, exc) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            raise _held_error(self.path, holder) from exc
        try:
            _write_pid(fd)
        except OSError as exc:  # the pid is for the hint only: a full disk must not stop us
            log.debug("could not write the pid into %s: %s", self.path, exc)
        self._fd = fd
        log.debug("acquired %s", self.path)

    def release(self) -> None:
        """Release the lock; the file stays (unlinking it would race with a new holder)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        log.debug("released %s", self.path)

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def _write_pid(fd: int) -> None:
    os.fchmod(fd, 0o600)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    os.fsync(fd)


def _held_error(path: Path, pid: int | None) -> LockError:
    who = f"pid {pid}" if pid is not None else "another process"
    return LockError(
        f"kaffe is already running ({who} holds {path})",
        hint=f"stop it first (e.g. `kill {pid}`)" if pid is not None
        else f"stop the other kaffe process; {path} is locked",
    )
