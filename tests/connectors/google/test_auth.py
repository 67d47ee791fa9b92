"""Token loading, refreshing and storage against the emulator's OAuth token endpoint."""

from __future__ import annotations

import json
import socket
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import Config, GoogleConfig
from kaffe.connectors.google import GoogleConnection, open_google
from kaffe.connectors.google.auth import SCOPES, authorize, load_credentials, token_uri_for
from kaffe.errors import AuthError, TransientError


def _token_posts(emu: Any) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"] == "/token"]


def test_token_without_access_token_is_refreshed_and_saved_0600(
    emu: Any, token_path: Path
) -> None:
    token_path.chmod(0o644)  # whatever it was, the rewritten file is private
    creds = load_credentials(GoogleConfig(api_endpoint=emu.url), token_path)
    assert creds.valid and len(_token_posts(emu)) == 1
    saved = json.loads(token_path.read_text())
    assert saved["token"] == creds.token and saved["refresh_token"]
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert set(saved["scopes"]) == set(SCOPES)


def test_valid_token_is_used_without_a_refresh(emu: Any, token_path: Path) -> None:
    gcfg = GoogleConfig(api_endpoint=emu.url)
    load_credentials(gcfg, token_path)
    emu.clear_requests()
    load_credentials(gcfg, token_path)
    assert _token_posts(emu) == []


def test_expired_token_is_refreshed(emu: Any, token_path: Path) -> None:
    gcfg = GoogleConfig(api_endpoint=emu.url)
    old = load_credentials(gcfg, token_path).token
    info = json.loads(token_path.read_text())
    info["expiry"] = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token_path.write_text(json.dumps(info))
    assert load_credentials(gcfg, token_path).token != old


def test_401_refreshes_the_access_token(
    emu: Any, google: GoogleConnection
) -> None:
    google.profile_email()
    emu.expire_access_tokens()
    emu.clear_requests()
    assert google.profile_email()
    statuses = [(r["path"], r["status"]) for r in emu.requests()]
    assert ("/token", 200) in statuses and statuses[0][1] == 401 and statuses[-1][1] == 200


def test_revoked_refresh_token_is_an_auth_error_with_the_fix(
    emu: Any, google: GoogleConnection
) -> None:
    emu.revoke_refresh_token()
    emu.expire_access_tokens()
    with pytest.raises(AuthError, match="invalid_grant") as info:
        google.profile_email()
    assert "kaffe auth" in info.value.hint and "7 days" in info.value.hint


def test_revoked_refresh_token_at_startup(emu: Any, config: Config, token_path: Path) -> None:
    emu.revoke_refresh_token()
    with pytest.raises(AuthError) as info:
        open_google(config, token_path)
    assert "kaffe auth" in info.value.hint
    assert len(_token_posts(emu)) == 1  # no retry loop on invalid_grant


def test_missing_token_file(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="no Google token") as info:
        load_credentials(GoogleConfig(), tmp_path / "absent.json")
    assert "kaffe auth" in info.value.hint


def test_token_uri_override() -> None:
    assert token_uri_for(GoogleConfig()) == ""
    assert token_uri_for(GoogleConfig(api_endpoint="http://127.0.0.1:1/")) == "http://127.0.0.1:1/token"
    assert token_uri_for(GoogleConfig(api_endpoint="http://a", token_uri="http://b/t")) == "http://b/t"


def test_authorize_without_client_secret_explains_the_setup(tmp_path: Path) -> None:
    gcfg = GoogleConfig(client_secret_file=tmp_path / "client_secret.json")
    with pytest.raises(AuthError, match="does not exist") as info:
        authorize(gcfg, tmp_path / "token.json", open_browser=False)
    assert "Desktop app" in info.value.hint and "Gmail API" in info.value.hint
    assert not (tmp_path / "token.json").exists()


def test_unreachable_token_endpoint_is_transient(token_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(TransientError, match="network error"):
        load_credentials(GoogleConfig(token_uri=dead + "/token"), token_path)
