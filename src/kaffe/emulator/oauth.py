"""The OAuth 2.0 token endpoint and bearer-token checks, with the scopes each token carries.

Every refresh token stands for a grant: the scopes the user consented to. An access
token carries the scopes of its grant (narrowed to those a refresh asks for), and a
call whose method none of them allows is answered as Google does: 403
``insufficientPermissions`` with ``WWW-Authenticate: Bearer ... error="insufficient_scope"``.
Grants come from the seeded :data:`REFRESH_TOKEN` (every kaffe scope) or from the
consent page (:mod:`kaffe.emulator.consent`) through the ``authorization_code`` grant.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import threading
import urllib.parse
from collections.abc import Collection
from dataclasses import dataclass

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
_REALM = 'Bearer realm="https://accounts.google.com/"'


class ScopeError(ApiError):
    """403 for a token that lacks every scope the method accepts, in Google's shape:
    ``insufficientPermissions`` plus an ``ErrorInfo`` detail ACCESS_TOKEN_SCOPE_INSUFFICIENT
    (its metadata names the service and, here, the discovery method id)."""

    def __init__(self, method: str, accepted: Collection[str]) -> None:
        header = f'{_REALM}, error="insufficient_scope", scope="{" ".join(sorted(accepted))}"'
        super().__init__(403, "Request had insufficient authentication scopes.",
                         reason="insufficientPermissions", headers={"WWW-Authenticate": header})
        self.method = method

    def response(self) -> Response:
        service = "calendar-json" if self.method.startswith("calendar.") else "gmail"
        info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com",
                "metadata": {"service": f"{service}.googleapis.com", "method": self.method}}
        error = {"code": 403, "message": self.message,
                 "errors": [{"message": "Insufficient Permission", "domain": "global",
                             "reason": "insufficientPermissions"}],
                 "status": "PERMISSION_DENIED", "details": [info]}
        return json_response({"error": error}, 403, self.headers)


@dataclass(frozen=True)
class _Code:
    """An authorization code the consent page handed out, not yet exchanged."""

    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    challenge: str  # PKCE code_challenge (S256 or plain), "" without PKCE
    method: str


class TokenAuthority:
    """Issues access tokens for valid refresh tokens and checks bearer headers and scopes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, frozenset[str]] = {REFRESH_TOKEN: frozenset(SCOPES)}
        self._access_tokens: dict[str, tuple[str, frozenset[str]]] = {}  # -> (refresh, scopes)
        self._codes: dict[str, _Code] = {}

    def revoke_refresh_token(self, token: str = REFRESH_TOKEN) -> None:
        """From now on the token endpoint answers ``invalid_grant`` for ``token``."""
        with self._lock:
            self._grants.pop(token, None)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is answered with 401."""
        with self._lock:
            self._access_tokens.clear()

    def set_scopes(self, scopes: Collection[str], token: str = REFRESH_TOKEN) -> None:
        """The grant of refresh ``token`` is now ``scopes`` (a permission taken back, or
        added); its live access tokens lose what the grant no longer has."""
        granted = frozenset(scopes)
        with self._lock:
            self._grants[token] = granted
            for access, (refresh, held) in list(self._access_tokens.items()):
                if refresh == token:
                    self._access_tokens[access] = (refresh, held & granted)

    def issue_code(self, client_id: str, redirect_uri: str, scopes: Collection[str],
                   challenge: str = "", method: str = "") -> str:
        """An authorization code for ``scopes`` (what the consent page was told to grant)."""
        code = "4/emu-" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, frozenset(scopes), challenge,
                                      method or "plain")
        return code

    def token_endpoint(self, req: Request) -> Response:
        """``POST /token`` with a form body: the refresh_token and authorization_code grants."""
        form = _client_from_basic(req) | _form(req.body)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        grant = form.get("grant_type")
        if grant == "refresh_token":
            return self._refresh(form)
        if grant == "authorization_code":
            return self._exchange(form)
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type.")

    def _refresh(self, form: dict[str, str]) -> Response:
        refresh = form.get("refresh_token", "")
        with self._lock:
            granted = self._grants.get(refresh)
            if granted is None:
                logger.info("token endpoint: refresh token rejected (invalid_grant)")
                return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            asked = frozenset(form.get("scope", "").split())
            # Never more than the grant: a scope asked for but not granted is left out.
            scopes = granted & asked if asked else granted
            token = self._access(refresh, scopes)
        return json_response(_token_doc(token, scopes))

    def _exchange(self, form: dict[str, str]) -> Response:
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)
        if code is None or code.redirect_uri != form.get("redirect_uri"):
            return _oauth_error(400, "invalid_grant", "Malformed auth code.")
        if code.challenge and not _pkce_ok(code, form.get("code_verifier", "")):
            return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        refresh = "1//emu-" + secrets.token_urlsafe(24)
        with self._lock:
            self._grants[refresh] = code.scopes
            token = self._access(refresh, code.scopes)
        return json_response(_token_doc(token, code.scopes) | {"refresh_token": refresh})

    def _access(self, refresh: str, scopes: frozenset[str]) -> str:
        token = "ya29.emu-" + secrets.token_urlsafe(24)
        self._access_tokens[token] = (refresh, scopes)
        return token

    def check(self, req: Request, method: str = "", accepted: Collection[str] = ()) -> None:
        """Raise a 401 ApiError unless the request carries a live bearer token, and a
        :class:`ScopeError` when ``accepted`` (the scopes that allow ``method``; empty:
        no check) has none of the token's."""
        header = req.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        with self._lock:
            held = self._access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if held is None:
            raise ApiError(401, _UNAUTHENTICATED, reason="authError",
                           headers={"WWW-Authenticate": _REALM})
        if accepted and not held[1] & frozenset(accepted):
            logger.info("refused %s: the token lacks its scope", method)
            raise ScopeError(method, accepted)


def _client_from_basic(req: Request) -> dict[str, str]:
    """Client id and secret from HTTP Basic auth (RFC 6749 2.3.1), as requests-oauthlib
    sends them when it exchanges a code; Google takes them there or in the form."""
    scheme, _, value = req.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        pair = base64.b64decode(value.strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return {}
    client_id, _, secret = pair.partition(":")
    unquote = urllib.parse.unquote_plus
    return {"client_id": unquote(client_id), "client_secret": unquote(secret)}


def _pkce_ok(code: _Code, verifier: str) -> bool:
    if code.method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=") == code.challenge
    return verifier == code.challenge


def _token_doc(token: str, scopes: frozenset[str]) -> dict[str, object]:
    return {"access_token": token, "expires_in": 3599, "token_type": "Bearer",
            "scope": " ".join(sorted(scopes))}


def _form(body: bytes) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)
