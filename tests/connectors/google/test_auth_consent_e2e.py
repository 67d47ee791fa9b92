"""`kaffe auth` end to end against the emulator's consent page, for a full and a partial
grant. The test plays the browser: it reads the URL kaffe prints, ticks boxes on the
consent page, and follows the redirect to kaffe's loopback server."""

from __future__ import annotations

import json
import queue
import stat
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.connectors.google.auth import SCOPES
from kaffe.emulator import Emulator
from kaffe.emulator.token import write_emulator_client_secret
from tests.emulator.test_scopes import consent_page, submit

GMAIL_READONLY, GMAIL_COMPOSE, CALENDAR_READONLY = SCOPES



@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


def _config(tmp: Path, emu: Emulator) -> Path:
    write_emulator_client_secret(tmp / "client_secret.json", emu.url)
    path = tmp / "config.toml"
    path.write_text(
        '[me]\nname = "Alex Morgan"\naddresses = ["alex@example.com"]\n\n'
        f'[google]\napi_endpoint = "{emu.url}"\ntoken_file = "token.json"\n'
        'client_secret_file = "client_secret.json"\n\n'
        '[storage]\ndatabase = "kaffe.db"\n\n'
        '[[calendars]]\ntype = "google"\nname = "work"\ncalendar_id = "primary"\n',
        encoding="utf-8")
    return path


def kaffe_auth(tmp: Path, emu: Emulator, ticked: list[str],
               monkeypatch: pytest.MonkeyPatch) -> int:
    """Run `kaffe auth --no-browser` while this test plays the user's browser."""
    printed: queue.Queue[str] = queue.Queue()
    monkeypatch.setattr("google_auth_oauthlib.flow.print", printed.put, raising=False)
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    monkeypatch.delenv("OAUTHLIB_RELAX_TOKEN_SCOPE", raising=False)
    cfg = _config(tmp, emu)
    codes: list[int] = []
    cli = threading.Thread(target=lambda: codes.append(
        main(["--config", str(cfg), "auth", "--no-browser", "--port", "0"])))
    cli.start()
    message = printed.get(timeout=10)
    url = next(w for w in message.split() if w.startswith(emu.url + "/o/oauth2/auth"))
    form = consent_page(url)
    assert form.boxes == list(SCOPES)
    location = submit(emu.url, form, ticked)
    urllib.request.urlopen(location.replace("localhost", "127.0.0.1"), timeout=10).read()
    cli.join(timeout=20)
    assert not cli.is_alive() and codes
    return codes[0]


def test_full_grant_stores_a_token_that_works(
    tmp_path: Path, emu: Emulator, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert kaffe_auth(tmp_path, emu, list(SCOPES), monkeypatch) == 0
    out = capsys.readouterr().out
    assert "authorised" in out and "not granted" not in out
    token = tmp_path / "token.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert set(json.loads(token.read_text())["scopes"]) == set(SCOPES)
    assert main(["--config", str(tmp_path / "config.toml"), "doctor"]) == 0


def test_partial_grant_says_what_is_missing_and_stores_what_was_granted(
    tmp_path: Path, emu: Emulator, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The user unticks "Manage drafts and send emails" on the consent page.
    assert kaffe_auth(tmp_path, emu, [GMAIL_READONLY, CALENDAR_READONLY], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "authorised" in out and "Scope has changed" not in out
    assert '"Manage drafts and send emails" (gmail.compose) is not granted' in out
    assert "kaffe reads and plans, but writes no drafts" in out
    assert "run `kaffe auth` again" in out
    token = json.loads((tmp_path / "token.json").read_text())
    assert set(token["scopes"]) == {GMAIL_READONLY, CALENDAR_READONLY}
    # The stored token signs in and reads; the doctor names the missing permission.
    main(["--config", str(tmp_path / "config.toml"), "doctor"])
    doctor = capsys.readouterr().out
    assert "gmail.compose" in doctor and "writes no drafts" in doctor
    assert "calendar work: readable" in doctor or "calendar work" in doctor
