"""A wall-clock limit on one network exchange, and a way to abort it from outside.

Socket timeouts bound each read, not the whole answer: a server that sends one
header line just inside every read timeout holds a request for ever. A
:class:`Watch` runs a small watchdog thread next to the fetch; at the deadline,
or as soon as the stop request of the enclosing :func:`stop_when` block (SIGTERM)
is seen, it shuts down every socket the fetch registered with :func:`watch_socket`.
A blocked ``recv`` then returns at once and the fetch fails in its own thread,
where the connector turns the failure into a kaffe error: the watchdog itself
never touches the store or the fetch's objects beyond ``shutdown(2)``.

``shutdown`` rather than ``close``: closing a descriptor another thread is
blocked on does not wake it on Linux, and its number could be reused meanwhile.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kaffe.errors import KaffeError, TransientError

POLL_SECONDS = 0.1  # how soon a stop request reaches an in-flight fetch

_local = threading.local()


class Cancelled(KaffeError):
    """A fetch was aborted because kaffe is stopping; not the source's fault."""


@contextlib.contextmanager
def stop_when(stop: Callable[[], bool] | None) -> Iterator[None]:
    """Fetches watched in this thread inside the block are aborted once ``stop()`` is true."""
    saved = getattr(_local, "stop", None)
    _local.stop = stop
    try:
        yield
    finally:
        _local.stop = saved


def stop_requested() -> bool:
    """True when the enclosing :func:`stop_when` block asks to stop."""
    stop = getattr(_local, "stop", None)
    return bool(stop is not None and stop())


def watch_socket(sock: Any) -> None:
    """Let the watch active in this thread (if any) abort ``sock``."""
    watch = getattr(_local, "watch", None)
    if watch is not None and isinstance(sock, socket.socket):
        watch.add(sock)


def shutdown(sock: socket.socket) -> None:
    """Wake whoever is blocked on ``sock``; the owner still closes it."""
    with contextlib.suppress(OSError):
        # The base method: SSLSocket.shutdown would also drop its TLS state under
        # the reading thread's feet.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watch:
    """One fetch's deadline (``seconds``; None = only the stop request) in a
    ``with`` block. After the block, ``fired`` says why it was cut short:
    ``"deadline"``, ``"stop"`` or ``""``."""

    def __init__(self, seconds: float | None, *, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.fired = ""
        self._clock = clock
        self._end = None if seconds is None else clock() + seconds
        self._stop = getattr(_local, "stop", None)
        self._sockets: list[socket.socket] = []
        self._finders: list[Callable[[], Iterable[Any]]] = []
        self._lock = threading.Lock()
        self._done = threading.Event()

    def add(self, sock: socket.socket) -> None:
        """Watch ``sock`` too; a socket added after the watch fired is shut down at once."""
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            shutdown(sock)

    def add_finder(self, find: Callable[[], Iterable[Any]]) -> None:
        """Also shut down what ``find()`` returns when the watch fires: for a library
        that makes its sockets where no hook reaches (httplib2 keeps them on its
        connection objects); anything not a socket is ignored."""
        self._finders.append(find)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: watch each connection as it is made."""
        if event.endswith(("connect_tcp.complete", "start_tls.complete")):
            stream = info.get("return_value")
            if stream is not None:
                self.add(stream.get_extra_info("socket"))

    def __enter__(self) -> Watch:
        self._outer = getattr(_local, "watch", None)
        _local.watch = self
        threading.Thread(target=self._run, name="kaffe-watch", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:  # from here on the watch never fires: ``fired`` is final
            self._done.set()
        _local.watch = self._outer

    def _run(self) -> None:
        # After firing it keeps sweeping until the block ends: a library that
        # reconnects on its own (httplib2 retries once) is cut off again.
        while not self._done.wait(POLL_SECONDS):
            reason = self.fired or self._reason()
            if reason:
                self._fire(reason)

    def _reason(self) -> str:
        if self._stop is not None and self._stop():
            return "stop"
        if self._end is not None and self._clock() >= self._end:
            return "deadline"
        return ""

    def _fire(self, reason: str) -> None:
        with self._lock:
            if self._done.is_set():
                return
            self.fired = reason
            sockets = list(self._sockets)
        for find in self._finders:
            with contextlib.suppress(Exception):  # a finder racing the fetch: best effort
                sockets += [s for s in find() if isinstance(s, socket.socket)]
        for sock in sockets:
            shutdown(sock)

    def check(self, what: str) -> None:
        """Raise :meth:`failure` if the watch fired: what the fetch returned may be cut."""
        error = self.failure(what)
        if error is not None:
            raise error

    def failure(self, what: str) -> KaffeError | None:
        """The error to raise for ``what`` when the watch cut the fetch short, else None."""
        if self.fired == "stop":
            return Cancelled(f"{what}: stopped: kaffe is shutting down")
        if self.fired == "deadline":
            return TransientError(f"{what}: no complete answer within {self.seconds:g} s")
        return None
