"""OAuth for Google: load, refresh and store the user's token; run the consent flow.

Tokens are never logged. Token files are written atomically with mode 0600.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials

from kaffe.config.schema import GoogleConfig
from kaffe.connectors.google import permissions
from kaffe.connectors.google.http import HTTP_TIMEOUT, map_refresh_error, watched
from kaffe.errors import AuthError, TransientError
from kaffe.fsutil import write_private

log = logging.getLogger(__name__)

SCOPES: tuple[str, ...] = permissions.SCOPES
AUTH_HINT = "run `kaffe auth` to authorise kaffe with your Google account"
CLIENT_SECRET_STEPS = """\
kaffe needs an OAuth client of your own to talk to Google:
  1. Open https://console.cloud.google.com/ and create (or pick) a project.
  2. APIs & Services → Library: enable the Gmail API and the Google Calendar API.
  3. APIs & Services → OAuth consent screen: configure it and add yourself as a test
     user (or publish the app: refresh tokens of apps in "Testing" expire after 7 days).
  4. APIs & Services → Credentials → Create credentials → OAuth client ID →
     Application type "Desktop app"; download the JSON.
  5. Point [google] client_secret_file in your config at that file and run `kaffe auth`."""


def token_uri_for(gcfg: GoogleConfig) -> str:
    """The token endpoint override: ``token_uri``, else ``api_endpoint + "/token"``, else ""."""
    if gcfg.token_uri:
        return gcfg.token_uri
    if gcfg.api_endpoint:
        return gcfg.api_endpoint.rstrip("/") + "/token"
    return ""


def load_credentials(gcfg: GoogleConfig, token_path: Path) -> Credentials:
    """Read the stored token, refreshing (and re-saving) it when the access token is stale."""
    info = _read_token(Path(token_path))
    creds = _credentials_from(info, token_path)
    # google-auth always puts Google's endpoint in; the config, then the file, say otherwise.
    token_uri = token_uri_for(gcfg) or str(info.get("token_uri") or "")
    if token_uri and token_uri != creds.token_uri:
        creds = _with_token_uri(creds, token_uri)
    if not creds.valid:
        refresh_credentials(creds)
        save_credentials(creds, token_path)
    return creds


Stamp = tuple[int, int, int] | None  # (inode, size, mtime_ns) of the token file; None: absent


def _stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class TokenKeeper:
    """The credentials of one token file, loaded on first use and again when the file changes.

    A load that fails with an AuthError (no token, a revoked or expired refresh token) is
    remembered with the file's stamp and raised again, without asking Google, until the
    file changes: after `kaffe auth` writes a new token the next use signs in afresh. A
    TransientError (Google unreachable) is not remembered: the next use tries again.

    google-auth's AuthorizedHttp refreshes an expired access token inside a call and
    keeps it in memory only. The keeper stores it at the next use (:meth:`store_refreshed`):
    not for the access token (a restart would just refresh again, one token call), but
    because the refresh may bring a narrower grant, which `kaffe status`, `doctor`, `plan`
    and the drafting check read from the file, or a new refresh token.
    """

    def __init__(self, gcfg: GoogleConfig, token_path: Path) -> None:
        self.gcfg = gcfg
        self.token_path = Path(token_path)
        self._lock = threading.Lock()
        self._creds: Credentials | None = None
        self._failure: AuthError | None = None
        self._stamp: Stamp = None
        self._loaded = False  # whether _stamp belongs to a load, good or failed
        self._stored: tuple[object, ...] | None = None  # what the file holds of _creds

    def credentials(self) -> Credentials:
        """The current credentials; raises AuthError or TransientError when there are none."""
        with self._lock:
            if self._loaded and _stamp(self.token_path) == self._stamp:
                if self._creds is not None:
                    self._store_if_refreshed(self._creds)
                    return self._creds
                if self._failure is not None:
                    # A fresh exception: re-raising one object would grow its traceback forever.
                    raise AuthError(str(self._failure), hint=self._failure.hint)
            return self._load()

    def store_refreshed(self) -> None:
        """Store the credentials when a call has refreshed them since they were stored."""
        with self._lock:
            if self._creds is not None and _stamp(self.token_path) == self._stamp:
                self._store_if_refreshed(self._creds)

    def _store_if_refreshed(self, creds: Credentials) -> None:
        now = _held(creds)
        if now == self._stored:
            return
        try:
            save_credentials(creds, self.token_path)
        except OSError as exc:  # the token in memory still works; try again next use
            log.warning("could not store the refreshed Google token in %s: %s",
                        self.token_path, exc)
            return
        self._stored, self._stamp = now, _stamp(self.token_path)

    def _load(self) -> Credentials:
        if self._loaded:
            log.info("the Google token %s changed: signing in again", self.token_path)
        try:
            creds = load_credentials(self.gcfg, self.token_path)
        except AuthError as exc:
            self._remember(None, exc)
            raise
        self._remember(creds, None)
        return creds

    def _remember(self, creds: Credentials | None, failure: AuthError | None) -> None:
        # The stamp is taken after load_credentials, which may have saved a refreshed token.
        self._creds, self._failure = creds, failure
        self._stamp, self._loaded = _stamp(self.token_path), True
        self._stored = _held(creds) if creds is not None else None


def _held(creds: Credentials) -> tuple[object, ...]:
    """What of ``creds`` a refresh changes and the token file keeps."""
    granted = getattr(creds, "granted_scopes", None)
    return (creds.token, creds.refresh_token, str(granted))


def _read_token(token_path: Path) -> dict[str, Any]:
    try:
        info = json.loads(token_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AuthError(f"no Google token at {token_path}", hint=AUTH_HINT) from exc
    except (OSError, ValueError) as exc:
        raise AuthError(f"cannot read the Google token {token_path}: {exc}",
                        hint=AUTH_HINT) from exc
    if not isinstance(info, dict):
        raise AuthError(f"the Google token {token_path} is not a JSON object", hint=AUTH_HINT)
    return info


def _credentials_from(info: dict[str, Any], token_path: Path) -> Credentials:
    try:
        return Credentials.from_authorized_user_info(info)
    except ValueError as exc:
        # The message names missing fields only, never their values.
        raise AuthError(f"the Google token {token_path} is incomplete: {exc}",
                        hint=AUTH_HINT) from exc


def _with_token_uri(creds: Credentials, token_uri: str) -> Credentials:
    copy = creds.with_token_uri(token_uri)
    copy.expiry = creds.expiry  # google-auth's copy drops it, which would hide a stale token
    return copy


def refresh_credentials(creds: Credentials) -> None:
    """Get a fresh access token; invalid_grant becomes an AuthError, never a retry loop."""
    http = httplib2.Http(timeout=HTTP_TIMEOUT)
    watched(http, "Google token refresh", lambda: _refresh(creds, http))
    log.info("refreshed the Google access token")


def _refresh(creds: Credentials, http: httplib2.Http) -> None:
    try:
        creds.refresh(google_auth_httplib2.Request(http))
    except RefreshError as exc:
        raise map_refresh_error(exc, "Google token refresh") from exc
    except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
        raise TransientError(f"Google token refresh: network error: {exc}") from exc


def save_credentials(creds: Credentials, token_path: Path) -> None:
    """Store ``creds`` as authorized-user JSON, atomically and readable by the owner only.

    ``scopes`` in the file are those Google granted when it said so (a partial grant, or
    a refresh that came back narrower): the next refresh asks for no more, and `kaffe
    status` and `kaffe doctor` read from the file which permission is missing."""
    info = json.loads(creds.to_json())
    granted = getattr(creds, "granted_scopes", None)
    if granted:
        info["scopes"] = sorted(granted.split() if isinstance(granted, str) else granted)
    write_private(Path(token_path), json.dumps(info))
    log.info("stored the Google token in %s", token_path)


def authorize(
    gcfg: GoogleConfig, token_path: Path, *, open_browser: bool = True, port: int = 0
) -> Credentials:
    """Run Google's consent flow with a loopback redirect and store the token (0600)."""
    flow = _flow(gcfg)
    if not open_browser and port == 0:
        port = _free_port()  # the SSH tunnel instructions need the port up front
    try:
        with _oauthlib_settings(flow):
            creds = flow.run_local_server(
                bind_addr="127.0.0.1", port=port, open_browser=open_browser,
                authorization_prompt_message=_prompt(open_browser, port), prompt="consent",
            )
    except Exception as exc:  # oauthlib, wsgiref timeouts, the user saying no
        raise AuthError(f"Google authorisation failed: {exc}", hint=AUTH_HINT) from exc
    if not creds.refresh_token:
        raise AuthError("Google returned no refresh token", hint=AUTH_HINT)
    save_credentials(creds, token_path)
    return creds


@contextmanager
def _oauthlib_settings(flow: Any) -> Iterator[None]:
    """Let oauthlib accept a token with fewer scopes than asked for, and plain http to a
    token endpoint on this machine (the emulator).

    Google's consent screen lets the user untick scopes; without the first oauthlib
    raises "Scope has changed" and the whole grant is lost. The granted scopes are then
    read from the token response (``Credentials.granted_scopes``) and stored."""
    wanted = {_RELAX: "1"}
    if _loopback_http(str(flow.client_config.get("token_uri", ""))):
        wanted[_INSECURE] = "1"
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_RELAX = "OAUTHLIB_RELAX_TOKEN_SCOPE"
_INSECURE = "OAUTHLIB_INSECURE_TRANSPORT"


def _loopback_http(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def granted_missing(creds: Credentials) -> list[permissions.Permission]:
    """The permissions kaffe asks for that ``creds`` were not granted."""
    granted = getattr(creds, "granted_scopes", None) or creds.scopes or SCOPES
    return permissions.missing(granted.split() if isinstance(granted, str) else granted)


def _flow(gcfg: GoogleConfig) -> Any:
    from google_auth_oauthlib.flow import InstalledAppFlow

    path = gcfg.client_secret_file
    if path is None or not Path(path).is_file():
        where = f"{path} does not exist" if path else "no client_secret_file is configured"
        raise AuthError(f"no Google OAuth client secret: {where}", hint=CLIENT_SECRET_STEPS)
    try:
        return InstalledAppFlow.from_client_secrets_file(str(path), scopes=list(SCOPES))
    except ValueError as exc:
        raise AuthError(f"{path} is not an OAuth client secret file: {exc}",
                        hint=CLIENT_SECRET_STEPS) from exc


def _prompt(open_browser: bool, port: int) -> str:
    if open_browser:
        return "If no browser opened, visit this URL to authorise kaffe:\n\n{url}\n"
    return (
        "Open this URL in a browser to authorise kaffe:\n\n{url}\n\n"
        f"Google redirects the browser to http://localhost:{port}/ afterwards. If kaffe runs\n"
        "on another machine, forward that port first from the machine with the browser:\n\n"
        f"    ssh -L {port}:127.0.0.1:{port} host\n"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
