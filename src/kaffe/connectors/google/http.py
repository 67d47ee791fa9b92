"""Building Google API clients and running their requests with kaffe's error mapping.

Every request goes through :func:`execute`, which retries 429/5xx itself (so the
sleep is injectable and the waits follow :mod:`~kaffe.connectors.google.retry`:
bounded, jittered, ``Retry-After`` honoured) and translates library errors into
:mod:`kaffe.errors` with ``raise ... from exc``.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any, TypeVar

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import Resource, build_from_document
from googleapiclient.errors import HttpError

from kaffe.connectors.deadline import Watch
from kaffe.connectors.google import documents, permissions
from kaffe.connectors.google.retry import DEFAULT_POLICY, RetryPolicy
from kaffe.errors import AuthError, ConnectorError, SyncTokenExpired, TransientError

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 30.0
DEADLINE_FACTOR = 3  # one request may take this many times HTTP_TIMEOUT in all
REAUTH_HINT = "run `kaffe auth` to authorise kaffe with Google again"
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
AUTH_REASONS = frozenset({"insufficientPermissions", "authError", "forbiddenForServiceAccounts"})
INVALID_GRANT_HINT = (
    "run `kaffe auth` again to get a new token. If your OAuth app is in \"Testing\" "
    "publishing status, Google expires its refresh tokens after 7 days: publish the app "
    "(\"In production\") in the Google Cloud console to keep tokens from expiring."
)

Sleep = Callable[[float], None]
T = TypeVar("T")


def _endpoint(api: str, api_endpoint: str) -> dict[str, str]:
    """client_options for ``api``: Google's own endpoint when ``api_endpoint`` is empty."""
    if not api_endpoint:
        return {}
    base = api_endpoint.rstrip("/")
    return {"api_endpoint": base + ("/calendar/v3/" if api == "calendar" else "/")}


def build_service(
    api: str, version: str, credentials: Credentials, *, api_endpoint: str = "",
    timeout: float = HTTP_TIMEOUT,
) -> Resource:
    """Build an API client over its own Http from the bundled discovery document, cut to
    the methods kaffe calls (:mod:`~kaffe.connectors.google.documents`)."""
    authed = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    return build_from_document(
        documents.document(api, version), http=authed,
        client_options=_endpoint(api, api_endpoint),
    )


class PerThreadService:
    """A client that builds one service (and so one httplib2.Http) per thread.

    httplib2 is not thread-safe; attribute access is delegated to the calling
    thread's own service, built on first use by ``factory``.
    """

    def __init__(self, factory: Callable[[], Resource]) -> None:
        self._factory = factory
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        service = getattr(self._local, "service", None)
        if service is None:
            service = self._local.service = self._factory()
        return getattr(service, name)


def execute(
    request: Any, what: str, *, num_retries: int = 3, sleep: Sleep = time.sleep,
    rand: Callable[[], float] = random.random, idempotent: bool = True,
    expired: Collection[int] = (410,), policy: RetryPolicy = DEFAULT_POLICY,
) -> Any:
    """Run ``request``; retry transient failures up to ``num_retries`` times.

    ``what`` names the call in error messages, e.g. ``"calendar events.list"``.
    The waits between attempts follow ``policy`` (bounded and jittered); when
    its budget is spent the last error is raised. A request that is not
    ``idempotent`` (drafts.create) is retried only when Google refused it
    outright (429, rate-limit 403): after a 5xx or a timeout it may have been
    carried out, and the caller must look before trying again. A status in
    ``expired`` means a stale sync cursor: SyncTokenExpired (Calendar answers
    410; Gmail's history.list answers 404).
    """
    waits = policy.waits(rand)
    for attempt in range(num_retries + 1):
        try:
            return _execute_once(request, what, expired)
        except TransientError as exc:
            if attempt >= num_retries or not (idempotent or _refused(exc)):
                raise
            delay = waits.next(exc.retry_after)
            if delay is None:
                raise
            log.info("%s failed (%s); retry %d/%d in %.1fs", what, exc, attempt + 1,
                     num_retries, delay)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _refused(exc: TransientError) -> bool:
    """True when the server rejected the request without carrying it out."""
    cause = exc.__cause__
    return isinstance(cause, HttpError) and int(cause.resp.status) in (403, 429)


def _execute_once(request: Any, what: str, expired: Collection[int] = (410,)) -> Any:
    return watched(getattr(request, "http", None), what,
                   lambda: _execute_mapped(request, what, expired))


def watched(http: Any, what: str, call: Callable[[], T]) -> T:
    """``call()`` (requests over ``http``) within DEADLINE_FACTOR x the Http's timeout in
    all (httplib2's timeout bounds each read only), and aborted by a stop request."""
    inner = _inner(http)
    watch = Watch((getattr(inner, "timeout", None) or HTTP_TIMEOUT) * DEADLINE_FACTOR)
    watch.add_finder(lambda: _sockets(inner))
    try:
        with watch:
            result = call()
    except Exception as exc:  # once cut, a library may fail in any way (a TypeError too)
        failure = watch.failure(what)
        if failure is None:
            raise
        raise failure from exc
    watch.check(what)  # http.client takes a cut connection for the end of the headers
    return result


def _inner(http: Any) -> Any:
    """The httplib2.Http itself (google_auth_httplib2.AuthorizedHttp wraps one)."""
    return getattr(http, "http", http)


def _sockets(http: Any) -> list[Any]:
    """The sockets of an httplib2.Http's open connections."""
    connections = getattr(http, "connections", None) or {}
    return [getattr(conn, "sock", None) for conn in list(connections.values())]


def _execute_mapped(request: Any, what: str, expired: Collection[int]) -> Any:
    try:
        return request.execute(num_retries=0)
    except HttpError as exc:
        raise map_http_error(exc, what, expired=expired) from exc
    except RefreshError as exc:
        raise map_refresh_error(exc, what) from exc
    except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
        raise TransientError(f"{what}: network error: {exc}") from exc


def map_refresh_error(exc: RefreshError, what: str) -> Exception:
    """Translate a token-refresh failure; invalid_grant means re-authorise, never retry."""
    if "invalid_grant" in str(exc):
        return AuthError(
            "Google refused the stored refresh token (invalid_grant): "
            "it was revoked or has expired",
            hint=INVALID_GRANT_HINT,
        )
    if getattr(exc, "retryable", False):
        return TransientError(f"{what}: refreshing the access token failed: {exc}")
    return AuthError(f"{what}: refreshing the access token failed: {exc}", hint=REAUTH_HINT)


def map_http_error(
    exc: HttpError, what: str, *, expired: Collection[int] = (410,)
) -> Exception:
    """Translate an HttpError into AuthError, TransientError, SyncTokenExpired or ConnectorError."""
    status = int(exc.resp.status)
    reasons = _reasons(exc)
    message = f"{what}: HTTP {status}: {exc.reason or 'no detail'}"
    if status == 429 or status >= 500 or (status == 403 and reasons & RATE_REASONS):
        return TransientError(message, retry_after=_retry_after(exc))
    if status == 403 and "insufficientPermissions" in reasons:
        return permissions.refused(what, status)  # a scope not granted: known, never retried
    if status == 401 or (status == 403 and reasons & AUTH_REASONS):
        return AuthError(message, hint=REAUTH_HINT)
    if status in expired:
        return SyncTokenExpired(message)
    if status == 403 and "accessNotConfigured" in reasons:
        return ConnectorError(message, hint="enable the API for your project in the "
                              "Google Cloud console (APIs & Services → Library)")
    return ConnectorError(message)


def _reasons(exc: HttpError) -> set[str]:
    """The ``error.errors[].reason`` values of a Google error body."""
    try:
        body = json.loads(exc.content.decode("utf-8"))
        errors = body["error"].get("errors", [])
        return {str(e.get("reason", "")) for e in errors if isinstance(e, dict)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()


def _retry_after(exc: HttpError, now: datetime | None = None) -> float | None:
    """Seconds from a numeric Retry-After header (HTTP-date values are ignored), else
    from the "Retry after <RFC 3339 time>" Gmail writes in its quota errors' message
    instead of a header (measured from ``now``, the wall clock by default)."""
    value = exc.resp.get("retry-after") if hasattr(exc.resp, "get") else None
    try:
        if value is not None:
            return float(value)
    except ValueError:
        return None
    return _retry_after_in_message(exc, now or datetime.now(UTC))


_RETRY_AT = re.compile(r"Retry after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z")


def _retry_after_in_message(exc: HttpError, now: datetime) -> float | None:
    """Seconds until the time in "User-rate limit exceeded.  Retry after 2026-…Z"."""
    try:
        found = _RETRY_AT.search(exc.content.decode("utf-8", "replace"))
    except AttributeError:
        return None
    if found is None:
        return None
    try:
        at = datetime.fromisoformat(found.group(1)).replace(tzinfo=UTC)
    except ValueError:
        return None
    return float(max(math.ceil((at - now).total_seconds()), 0))  # never back early
