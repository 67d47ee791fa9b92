"""Hostile HTTP servers on 127.0.0.1 (raw sockets, one thread per connection): one that
accepts and never answers, one that drips a header line at a time for ever, one that
drips the body, and a slow one that does answer. Used by the deadline tests and by
bench/soak.py.

``StallServer(mode, interval=…, body=…)`` listens at ``url(path)`` until ``close()``;
``give_up`` bounds how long any one connection is held, so that a test of a client
that never gives up still ends (and fails) instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import socket
import threading

MODES = ("silent", "headers", "body", "slow")


class StallServer:
    """``silent``: read the request, say nothing. ``headers``: a status line, then one
    header line every ``interval`` seconds. ``body``: headers, then one byte of the body
    every ``interval``. ``slow``: wait ``interval``, then answer ``body`` in full."""

    def __init__(self, mode: str, *, interval: float = 0.3, body: bytes = b"",
                 give_up: float = 60.0, content_type: str = "application/rss+xml") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode, self.interval, self.body = mode, interval, body
        self.give_up, self.content_type = give_up, content_type
        self.connections = 0
        self.seen = threading.Event()  # set once a request has been read
        self._closed = threading.Event()
        self._open: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/feed") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for conn in list(self._open):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> StallServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            _read_request(conn)
            self.seen.set()
            getattr(self, "_" + self.mode)(conn)
        with contextlib.suppress(ValueError):
            self._open.remove(conn)

    def _wait(self, seconds: float) -> bool:
        """False once the server is closing."""
        return not self._closed.wait(seconds)

    def _silent(self, conn: socket.socket) -> None:
        self._wait(self.give_up)

    def _headers(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for n in range(int(self.give_up / self.interval)):
            if not self._wait(self.interval):
                return
            conn.sendall(f"X-Drip-{n}: {n}\r\n".encode())

    def _body(self, conn: socket.socket) -> None:
        body = self.body or b"<" * 10_000
        conn.sendall(self._head(len(body)))
        for n in range(min(len(body), int(self.give_up / self.interval))):
            if not self._wait(self.interval):
                return
            conn.sendall(body[n : n + 1])

    def _slow(self, conn: socket.socket) -> None:
        if self._wait(self.interval):
            conn.sendall(self._head(len(self.body)) + self.body)

    def _head(self, length: int) -> bytes:
        return (f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\n"
                f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk
