"""The OAuth 2.0 token endpoint (refresh-token grant) and bearer-token checks."""

from __future__ import annotations

import logging
import secrets
import threading
import urllib.parse

from kaffe.emulator.wire import ApiError, Request, Response, json_response

logger = logging.getLogger(__name__)

CLIENT_ID = "kaffe-emulator.apps.googleusercontent.com"
CLIENT_SECRET = "emulator-secret"
REFRESH_TOKEN = "emulator-refresh-token"
SCOPES = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/calendar.readonly",
)

_UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


class TokenAuthority:
    """Issues access tokens for valid refresh tokens and checks bearer headers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refresh_tokens = {REFRESH_TOKEN}
        self._access_tokens: set[str] = set()

    def revoke_refresh_token(self, token: str = REFRESH_TOKEN) -> None:
        """From now on the token endpoint answers ``invalid_grant`` for ``token``."""
        with self._lock:
            self._refresh_tokens.discard(token)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is answered with 401."""
        with self._lock:
            self._access_tokens.clear()

    def token_endpoint(self, req: Request) -> Response:
        """``POST /token`` with a form body, as google-auth sends it."""
        form = _form(req.body)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type.")
        with self._lock:
            if form.get("refresh_token") not in self._refresh_tokens:
                logger.info("token endpoint: refresh token rejected (invalid_grant)")
                return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            token = "ya29.emu-" + secrets.token_urlsafe(24)
            self._access_tokens.add(token)
        scope = form.get("scope") or " ".join(SCOPES)
        doc = {"access_token": token, "expires_in": 3599, "token_type": "Bearer", "scope": scope}
        return json_response(doc)

    def check(self, req: Request) -> None:
        """Raise a 401 ApiError unless the request carries a live bearer token."""
        header = req.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        with self._lock:
            ok = scheme.lower() == "bearer" and token.strip() in self._access_tokens
        if not ok:
            raise ApiError(
                401,
                _UNAUTHENTICATED,
                reason="authError",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )


def _form(body: bytes) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)
