"""The request log's accounting: API method ids, Gmail quota units and bytes sent;
and a client that hangs up is not reported as a server error."""

from __future__ import annotations

import json
import logging
import socket
import urllib.parse
import urllib.request

import pytest
from googleapiclient.http import BatchHttpRequest

from kaffe.emulator import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, Emulator
from kaffe.emulator.accounting import UNKNOWN, api_method
from tests.emulator.helpers import Google, mail

PROFILE = "/gmail/v1/users/me/profile"


@pytest.mark.parametrize(
    ("method", "path", "api", "units"),
    [
        ("GET", "/gmail/v1/users/me/messages", "gmail.users.messages.list", 5),
        ("GET", "/gmail/v1/users/me/messages/abc", "gmail.users.messages.get", 5),
        ("GET", "/gmail/v1/users/me/history", "gmail.users.history.list", 2),
        ("GET", PROFILE, "gmail.users.getProfile", 1),
        ("POST", "/gmail/v1/users/me/drafts", "gmail.users.drafts.create", 10),
        ("POST", "/upload/gmail/v1/users/me/drafts", "gmail.users.drafts.create", 10),
        ("GET", "/gmail/v1/users/me/drafts", "gmail.users.drafts.list", 5),
        ("GET", "/gmail/v1/users/me/threads/t1", "gmail.users.threads.get", 10),
        ("GET", "/calendar/v3/calendars/primary/events", "calendar.events.list", 0),
        ("POST", "/batch/gmail/v1", "batch", 0),
    ],
)
def test_api_method_and_units(method: str, path: str, api: str, units: int) -> None:
    assert api_method(method, path)[:2] == (api, units)


def test_the_emulator_and_the_gmail_source_count_the_same_units() -> None:
    # Two tables on purpose: the emulator charges as Google does, the client estimates
    # its own cost; they must agree on every method the client calls.
    from kaffe.connectors.google.gmail_source import QUOTA_UNITS
    from kaffe.emulator.accounting import _METHODS

    charged = {found.id: found.units for _verb, _pattern, found in _METHODS}
    assert {m: charged["gmail." + m] for m in QUOTA_UNITS} == QUOTA_UNITS


def test_unknown_calls_cost_nothing() -> None:
    assert api_method("GET", "/nowhere") == UNKNOWN
    assert api_method("DELETE", "/gmail/v1/users/me/messages") == UNKNOWN


def _access_token(emu: Emulator) -> str:
    form = urllib.parse.urlencode({
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN,
    }).encode()
    with urllib.request.urlopen(emu.url + "/token", data=form) as resp:
        return str(json.loads(resp.read())["access_token"])


def _raw_get(emu: Emulator, path: str, token: str) -> bytes:
    """Every byte the server sends for one GET, read off the socket until it closes."""
    port = int(emu.url.rsplit(":", 1)[1])
    head = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n")
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("path", [PROFILE, "/gmail/v1/users/me/messages/missing"])
def test_bytes_are_what_the_client_receives(emu: Emulator, path: str) -> None:
    emu.add_message(mail(), ["INBOX"])
    token = _access_token(emu)
    emu.clear_requests()
    received = _raw_get(emu, path, token)
    (entry,) = emu.requests()
    assert entry["bytes"] == len(received) and received.startswith(b"HTTP/1.1 ")
    assert entry["part"] is False


def test_batch_parts_carry_the_units_and_the_batch_the_bytes(
    emu: Emulator, google: Google
) -> None:
    ids = [emu.add_message(mail(msgid=f"<m{i}@example.org>"), ["INBOX"])["id"] for i in range(3)]
    google.gmail.users().getProfile(userId="me").execute()  # the token, outside the count
    emu.clear_requests()
    batch = BatchHttpRequest(batch_uri=emu.url + "/batch/gmail/v1")
    for msg_id in ids:
        batch.add(google.gmail.users().messages().get(userId="me", id=msg_id, format="metadata"))
    batch.execute(http=google.http)
    log = emu.requests()
    parts = [e for e in log if e["part"]]
    (outer,) = [e for e in log if not e["part"]]
    assert [e["api"] for e in parts] == ["gmail.users.messages.get"] * 3
    assert sum(e["units"] for e in log) == 15 and outer["units"] == 0
    assert outer["api"] == "batch"
    assert outer["bytes"] > sum(e["bytes"] for e in parts) > 0


def _fail_with(server: object, error: Exception) -> None:
    try:
        raise error
    except type(error):
        server.handle_error(None, ("127.0.0.1", 1))  # type: ignore[attr-defined]


@pytest.mark.parametrize("error", [ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe")])
def test_a_client_hanging_up_is_logged_at_debug(
    emu: Emulator, error: Exception, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="kaffe.emulator.server")
    _fail_with(emu._server, error)
    assert capsys.readouterr().err == ""
    assert [r.levelno for r in caplog.records if "went away" in r.getMessage()] == [logging.DEBUG]


def test_other_errors_still_print_a_traceback(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _fail_with(emu._server, ValueError("a bug"))
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: a bug" in err
