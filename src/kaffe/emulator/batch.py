"""Google's batch endpoint: multipart/mixed of application/http parts in, and out."""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Callable
from email.message import Message
from email.parser import BytesParser, Parser
from http import HTTPStatus

from kaffe.emulator.wire import Request, Response, bad_request

MAX_PARTS = 100
Dispatch = Callable[[Request], Response]


def handle_batch(req: Request, dispatch: Dispatch) -> Response:
    """Run every inner request through ``dispatch`` and answer them in one multipart body."""
    parts = _parts(req)
    boundary = "batch_" + secrets.token_hex(12)
    chunks = []
    for part in parts:
        inner = dispatch(_inner_request(part))
        content_id = (part.get("Content-ID") or "").strip().strip("<>")
        chunks.append(_serialise(boundary, content_id, inner))
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    return Response(200, body, headers)


def _parts(req: Request) -> list[Message]:
    content_type = req.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/mixed"):
        raise bad_request("Batch requests must be multipart/mixed.")
    envelope = BytesParser().parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + req.body)
    parts = envelope.get_payload()
    if not envelope.is_multipart() or not isinstance(parts, list) or not parts:
        raise bad_request("Batch request has no parts.")
    if len(parts) > MAX_PARTS:
        raise bad_request(f"A batch request may contain at most {MAX_PARTS} calls.")
    return [part for part in parts if isinstance(part, Message)]


def _inner_request(part: Message) -> Request:
    payload = part.get_payload(decode=False)
    text = payload if isinstance(payload, str) else ""
    request_line, _, rest = text.lstrip("\r\n").partition("\n")
    try:
        method, target, _version = request_line.strip().split(" ", 2)
    except ValueError as exc:
        raise bad_request("Malformed request line in a batch part.") from exc
    inner = Parser().parsestr(rest)
    body = inner.get_payload()
    url = urllib.parse.urlsplit(target)
    return Request(
        method=method.upper(),
        path=url.path,
        query=urllib.parse.parse_qs(url.query, keep_blank_values=True),
        headers={k.lower(): v for k, v in inner.items()},
        body=body.encode("utf-8") if isinstance(body, str) else b"",
    )


def _serialise(boundary: str, content_id: str, inner: Response) -> bytes:
    reason = (
        HTTPStatus(inner.status).phrase if inner.status in HTTPStatus._value2member_map_ else ""
    )
    lines = [f"HTTP/1.1 {inner.status} {reason}"]
    lines += [f"{k}: {v}" for k, v in inner.headers.items()]
    lines.append(f"Content-Length: {len(inner.body)}")
    head = (
        f"--{boundary}\r\nContent-Type: application/http\r\n"
        f"Content-ID: <response-{content_id}>\r\n\r\n"
    )
    return head.encode() + "\r\n".join(lines).encode() + b"\r\n\r\n" + inner.body + b"\r\n"
