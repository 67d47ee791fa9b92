"""A lazily opened Google connection: a bad token fails each use, not the start-up; a
failed sign-in is not retried against Google until the token file changes (`kaffe auth`)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import Config, GoogleConfig
from kaffe.connectors.google import open_google
from kaffe.connectors.google.auth import TokenKeeper
from kaffe.emulator.token import write_emulator_token
from kaffe.errors import AuthError, TransientError

DAY = datetime(2026, 3, 10, tzinfo=UTC)


def token_posts(emu: Any) -> int:
    return sum(1 for r in emu.requests() if r["method"] == "POST" and r["path"] == "/token")


def test_a_revoked_token_fails_on_use_and_only_once_asks_google(
    emu: Any, config: Config, token_path: Path
) -> None:
    emu.revoke_refresh_token()
    google = open_google(config, token_path, lazy=True)  # no error yet
    assert token_posts(emu) == 0
    for _ in range(3):
        with pytest.raises(AuthError, match="invalid_grant") as info:
            google.profile_email()
        assert "kaffe auth" in info.value.hint
    with pytest.raises(AuthError):
        google.calendars[0].sync(None, window_start=DAY, window_end=DAY + timedelta(days=1))
    assert token_posts(emu) == 1


def test_a_new_token_file_signs_in_without_reopening(
    emu: Any, config: Config, tmp_path: Path
) -> None:
    token = tmp_path / "absent.json"
    google = open_google(config, token, lazy=True)
    with pytest.raises(AuthError, match="no Google token"):
        google.profile_email()
    write_emulator_token(token, emu.url)  # what `kaffe auth` does
    assert google.profile_email() == "me@example.com"
    assert google.drafts.find_draft("followup:nothing") is None  # the sink too


def test_eager_open_still_raises_at_once(emu: Any, config: Config, token_path: Path) -> None:
    emu.revoke_refresh_token()
    with pytest.raises(AuthError):
        open_google(config, token_path)


def test_a_transient_failure_is_tried_again(token_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/token"
    keeper = TokenKeeper(GoogleConfig(token_uri=dead), token_path)
    for _ in range(2):
        with pytest.raises(TransientError, match="network error"):
            keeper.credentials()


def test_the_same_credentials_while_the_file_is_unchanged(emu: Any, token_path: Path) -> None:
    keeper = TokenKeeper(GoogleConfig(api_endpoint=emu.url), token_path)
    first = keeper.credentials()
    assert keeper.credentials() is first and token_posts(emu) == 1
    write_emulator_token(token_path, emu.url)
    assert keeper.credentials() is not first and token_posts(emu) == 2


@pytest.mark.parametrize("next_use", ["a call", "the drafting check"])
def test_a_token_refreshed_in_use_is_stored_with_its_narrower_grant(
    emu: Any, config: Config, token_path: Path, next_use: str
) -> None:
    """An hour in, google-auth refreshes the access token inside a call and keeps it in
    memory; the grant came back without gmail.compose. The file must say so (status,
    doctor, plan and the drafting check read it), without a new sign-in or rebuild."""
    from kaffe.connectors.google.auth import SCOPES

    read_only = [SCOPES[0], SCOPES[2]]
    google = open_google(config, token_path)  # signed in: the full grant stored
    google.profile_email()
    keeper = google.gmail._keeper
    creds = keeper.credentials()
    emu.set_scopes(read_only)
    creds.expiry = datetime(2000, 1, 1)  # naive UTC, as google-auth keeps it: expired
    before = token_posts(emu)
    google.profile_email()  # AuthorizedHttp refreshes: the narrower grant, in memory
    assert token_posts(emu) == before + 1
    if next_use == "a call":
        google.calendars[0].sync(None, window_start=DAY, window_end=DAY + timedelta(days=1))
    else:  # the executor's check before drafting reads the file: stored first
        assert google.drafts.refusal() is not None
    stored = json.loads(token_path.read_text())
    assert sorted(stored["scopes"]) == sorted(read_only) and stored["token"] == creds.token
    assert keeper.credentials() is creds  # no second sign-in from the file it wrote
    google.profile_email()
    assert token_posts(emu) == before + 1
