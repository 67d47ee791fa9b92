"""Transport-neutral request/response values and Google's error JSON.

The HTTP handler and the batch endpoint both turn their input into a
:class:`Request` and hand it to the same dispatcher, so a batched call behaves
exactly like a direct one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=UTF-8"

# HTTP status -> (gRPC-style status, default reason, default message), as Google answers.
_STATUS = {
    400: ("INVALID_ARGUMENT", "invalid", "Invalid request."),
    401: ("UNAUTHENTICATED", "authError", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "forbidden", "The caller does not have permission."),
    404: ("NOT_FOUND", "notFound", "Requested entity was not found."),
    405: ("METHOD_NOT_ALLOWED", "methodNotAllowed", "Method not allowed."),
    410: ("GONE", "gone", "Resource has been deleted."),
    429: ("RESOURCE_EXHAUSTED", "rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("INTERNAL", "backendError", "Backend Error"),
    503: ("UNAVAILABLE", "backendError", "The service is currently unavailable."),
}


@dataclass(frozen=True)
class Request:
    """One API request, already split into path and decoded query."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of query parameter ``name``, or ``default``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter."""
        return list(self.query.get(name, []))

    def json(self) -> Any:
        """The body parsed as JSON; a malformed body is a 400, as at Google."""
        try:
            return json.loads(self.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "Invalid JSON payload received.", reason="parseError") from exc


@dataclass
class Response:
    """Status, headers and body bytes of one answer."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by API handlers; rendered as Google's error JSON."""

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        reason: str = "",
        headers: dict[str, str] | None = None,
        location: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.headers = dict(headers or {})
        self.location = location

    def response(self) -> Response:
        """This error as a Google-shaped HTTP response."""
        body = google_error(self.status, self.message, reason=self.reason, location=self.location)
        return json_response(body, self.status, self.headers)


def google_error(status: int, message: str = "", *, reason: str = "", location: str = "") -> dict:
    """The ``{"error": {...}}`` document Google APIs answer failures with."""
    grpc, default_reason, default_message = _STATUS.get(status, ("UNKNOWN", "unknown", "Error"))
    message = message or default_message
    detail: dict[str, str] = {
        "message": message,
        "domain": "global",
        "reason": reason or default_reason,
    }
    if location:
        detail.update(location=location, locationType="parameter")
    return {"error": {"code": status, "message": message, "errors": [detail], "status": grpc}}


def json_response(doc: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise ``doc`` as a JSON response."""
    all_headers = {"Content-Type": JSON_TYPE, **(headers or {})}
    return Response(status, json.dumps(doc).encode("utf-8"), all_headers)


def bad_request(message: str, *, location: str = "", reason: str = "invalid") -> ApiError:
    """A 400 ``invalid`` error, optionally naming the offending parameter."""
    return ApiError(400, message, reason=reason, location=location)


def int_arg(req: Request, name: str, default: int, maximum: int) -> int:
    """A bounded positive integer query parameter (Google clamps to its maximum)."""
    raw = req.arg(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"Invalid value '{raw}' for {name}.", location=name) from exc
    if value < 1:
        raise bad_request(f"Invalid value '{raw}' for {name}.", location=name)
    return min(value, maximum)


def bool_arg(req: Request, name: str) -> bool:
    """A boolean query parameter as Google's clients send it (``true``/``false``)."""
    return (req.arg(name) or "false").lower() == "true"
