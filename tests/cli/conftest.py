"""Fixtures for the CLI tests: a TLS server whose certificate nobody trusts."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def self_signed(tmp_path: Path) -> Iterator[int]:
    """A TLS server on 127.0.0.1 with a self-signed certificate; yields its port."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=_handshake_once, args=(listener, context), daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(timeout=5)


def _handshake_once(listener: socket.socket, context: ssl.SSLContext) -> None:
    try:
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True):
            pass
    except OSError:
        pass  # the client rejects the certificate: the handshake fails on this side too


@pytest.fixture(scope="session")
def demo_text() -> str:
    """What `make demo` prints (run once for every test that reads it)."""
    import io

    from kaffe.demo import DEMO_DAYS, DEMO_START, run_demo

    out = io.StringIO()
    assert run_demo(DEMO_START, days=DEMO_DAYS, out=out) == 0
    return out.getvalue()
