"""Credentials that work against the emulator: a token file for the demo, the tests and
the benches, and an OAuth client secret for trying `kaffe auth` on its consent page.

Here, not in the Google connector, so that no connector imports the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from kaffe.emulator.oauth import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, SCOPES
from kaffe.fsutil import write_private


def write_emulator_token(
    token_path: Path, emulator_url: str, scopes: Iterable[str] = SCOPES
) -> None:
    """Write a token file (0600) that works against the emulator at ``emulator_url``.

    ``scopes`` is what the file says was granted; by default the grant of the seeded
    refresh token (every scope kaffe asks for)."""
    info = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "token_uri": emulator_url.rstrip("/") + "/token",
        "scopes": list(scopes),
    }
    write_private(Path(token_path), json.dumps(info, indent=2))


def write_emulator_client_secret(path: Path, emulator_url: str) -> None:
    """Write an OAuth client secret file for the emulator's consent page, so that
    `kaffe auth` can be tried (and tested) against it as against Google."""
    base = emulator_url.rstrip("/")
    installed = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                 "auth_uri": base + "/o/oauth2/auth", "token_uri": base + "/token",
                 "redirect_uris": ["http://localhost"]}
    write_private(Path(path), json.dumps({"installed": installed}, indent=2))
