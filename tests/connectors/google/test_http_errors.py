"""The mapping from googleapiclient / google-auth errors to kaffe's error hierarchy."""

from __future__ import annotations

import json

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from kaffe.connectors.google.http import map_http_error, map_refresh_error
from kaffe.connectors.google.permissions import MissingPermission
from kaffe.errors import AuthError, ConnectorError, SyncTokenExpired, TransientError


def _http_error(status: int, reason: str = "", headers: dict[str, str] | None = None) -> HttpError:
    resp = httplib2.Response({"status": str(status), **(headers or {})})
    body = {"error": {"code": status, "message": "msg", "errors": [{"reason": reason}]}}
    return HttpError(resp, json.dumps(body).encode(), uri="https://example.invalid/x")


@pytest.mark.parametrize("status, reason, expected", [
    (401, "authError", AuthError),
    (403, "insufficientPermissions", MissingPermission),  # an AuthError that names the scope
    (403, "rateLimitExceeded", TransientError),
    (403, "userRateLimitExceeded", TransientError),
    (403, "forbidden", ConnectorError),
    (404, "notFound", ConnectorError),
    (410, "fullSyncRequired", SyncTokenExpired),
    (429, "rateLimitExceeded", TransientError),
    (500, "backendError", TransientError),
    (503, "", TransientError),
])
def test_status_maps_to_error_class(status: int, reason: str, expected: type) -> None:
    error = map_http_error(_http_error(status, reason), "calendar events.list")
    assert type(error) is expected
    assert str(error).startswith(f"calendar events.list: HTTP {status}")


def test_auth_error_hint_says_kaffe_auth() -> None:
    error = map_http_error(_http_error(401, "authError"), "gmail drafts.list")
    assert isinstance(error, AuthError) and "kaffe auth" in error.hint


@pytest.mark.parametrize(
    "header, expected", [("7", 7.0), ("1.5", 1.5), ("soon", None), (None, None)]
)
def test_retry_after_header(header: str | None, expected: float | None) -> None:
    headers = {"retry-after": header} if header else {}
    error = map_http_error(_http_error(429, "rateLimitExceeded", headers), "x")
    assert isinstance(error, TransientError) and error.retry_after == expected


def test_invalid_grant_is_an_auth_error_that_explains_testing_apps() -> None:
    exc = RefreshError("invalid_grant: Token has been expired or revoked.",
                       {"error": "invalid_grant"})
    error = map_refresh_error(exc, "token refresh")
    assert isinstance(error, AuthError)
    assert "invalid_grant" in str(error)
    assert "kaffe auth" in error.hint and "7 days" in error.hint and "Testing" in error.hint


def test_retryable_refresh_failure_is_transient() -> None:
    exc = RefreshError("internal_failure", {"error": "internal_failure"}, retryable=True)
    assert isinstance(map_refresh_error(exc, "token refresh"), TransientError)


def test_insufficient_permissions_names_the_missing_scope_and_the_fix() -> None:
    error = map_http_error(_http_error(403, "insufficientPermissions"), "gmail drafts.create")
    assert isinstance(error, MissingPermission) and isinstance(error, AuthError)
    assert "(gmail.compose) is not granted" in str(error)
    assert "writes no drafts" in str(error) and "kaffe auth" in error.hint
