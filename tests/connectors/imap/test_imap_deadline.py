"""An IMAP server that answers a line at a time for ever is cut off at the deadline
(3 x the socket timeout), and a stop request aborts the session: imaplib against a
hostile server on 127.0.0.1 (elapsed time checked against generous bounds)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kaffe.connectors import deadline
from kaffe.connectors.imap.conn import DEADLINE_FACTOR, ImapAccount, session
from kaffe.errors import KaffeError, TransientError

TIMEOUT = 0.5


class DrippingImap:
    """Greets, then answers every command with one untagged line every 0.2 s, never
    the tagged completion (until ``give_up``)."""

    def __init__(self, give_up: float = 30) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.seen = threading.Event()
        self.closed = threading.Event()
        self.give_up = give_up
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self.listener.accept()
            with conn:
                conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                conn.recv(4096)  # LOGIN
                self.seen.set()
                for n in range(int(self.give_up / 0.2)):
                    if self.closed.wait(0.2):
                        return
                    conn.sendall(f"* {n} EXISTS\r\n".encode())

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


@pytest.fixture
def imap() -> Iterator[DrippingImap]:
    server = DrippingImap()
    yield server
    server.close()


def account(server: DrippingImap, timeout: float) -> ImapAccount:
    return ImapAccount("work", "127.0.0.1", server.port, username="me", password="pw",
                       tls="none", timeout=timeout)


def test_a_dripping_imap_server_is_cut_off_at_the_deadline(imap) -> None:
    start = time.monotonic()
    with pytest.raises(TransientError, match="no complete answer within 1.5 s"), \
            session(account(imap, TIMEOUT)):
        pass
    assert time.monotonic() - start < TIMEOUT * DEADLINE_FACTOR + 4


def test_a_stop_request_aborts_an_imap_session(imap) -> None:
    start = time.monotonic()
    with deadline.stop_when(imap.seen.is_set), pytest.raises(KaffeError) as info, \
            session(account(imap, 60)):
        pass
    assert isinstance(info.value, deadline.Cancelled), info.value
    assert time.monotonic() - start < 5
