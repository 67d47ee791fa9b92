"""Network failures are named from the real exceptions httpx and imaplib raise."""

from __future__ import annotations

import imaplib

import httpx
import pytest

from kaffe.cli.diagnose import network_words
from kaffe.errors import TransientError
from tests.servers.dovecot import free_port


def failure(url: str) -> TransientError:
    """What a connector raises: kaffe's error from the library's."""
    try:
        httpx.get(url, timeout=5)
    except httpx.HTTPError as exc:
        try:
            raise TransientError(f"cannot fetch {url}") from exc
        except TransientError as wrapped:
            return wrapped
    raise AssertionError("the request should have failed")


def test_a_closed_port_is_connection_refused() -> None:
    port = free_port()
    words = network_words(failure(f"http://127.0.0.1:{port}/cal.ics"), f"127.0.0.1:{port}")
    assert words == f"cannot reach 127.0.0.1:{port}: connection refused"


def test_a_name_that_does_not_exist_is_name_not_found() -> None:
    words = network_words(failure("http://kaffe-doctor.invalid/cal.ics"), "kaffe-doctor.invalid")
    assert words == "cannot reach kaffe-doctor.invalid: name not found"


def test_a_self_signed_certificate_is_not_trusted(self_signed: int) -> None:
    where = f"127.0.0.1:{self_signed}"
    words = network_words(failure(f"https://{where}/cal.ics"), where)
    assert words == f"the certificate of {where} is not trusted: self-signed certificate"


def test_other_errors_have_no_network_words() -> None:
    assert network_words(TransientError("HTTP 503"), "x") == ""
    with pytest.raises(imaplib.IMAP4.error) as info:
        raise imaplib.IMAP4.error("LOGIN failed")
    assert network_words(info.value, "x") == ""
