"""Say in words why a connection failed: refused, timed out, unknown name, untrusted certificate.

Connectors raise kaffe's errors ``from`` the library's (httpx, requests,
imaplib, ssl, socket); the cause is somewhere down that chain. :func:`network_words`
walks it and names the first network cause it recognises.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

# Phrases in library messages for causes that are not kept as exception objects
# (requests and urllib3 sometimes wrap only the text).
_TEXT_CAUSES: tuple[tuple[str, str], ...] = (
    ("CERTIFICATE_VERIFY_FAILED", "certificate"),
    ("Connection refused", "connection refused"),
    ("Name or service not known", "name not found"),
    ("nodename nor servname", "name not found"),
    ("Temporary failure in name resolution", "name not found"),
    ("No address associated with hostname", "name not found"),
    ("timed out", "timed out"),
)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it was raised from or wraps (``reason``, exception args)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None),
                  *current.args]
        todo += [item for item in linked if isinstance(item, BaseException)]


def _by_type(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "certificate"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "name not found"
    if isinstance(exc, TimeoutError) or type(exc).__name__ in ("ReadTimeout", "ConnectTimeout"):
        return "timed out"
    return ""


def _by_text(exc: BaseException) -> str:
    text = str(exc)
    return next((kind for phrase, kind in _TEXT_CAUSES if phrase in text), "")


def network_cause(exc: BaseException) -> tuple[str, BaseException | None]:
    """The kind of network failure behind ``exc`` and the exception that shows it, or ""."""
    chain = list(causes(exc))
    for found in chain:
        kind = _by_type(found)
        if kind:
            return kind, found
    for found in chain:
        kind = _by_text(found)
        if kind:
            return kind, found
    return "", None


def network_words(exc: BaseException, where: str) -> str:
    """A sentence for a network failure reaching ``where`` (a host, host:port or URL), or ""."""
    kind, found = network_cause(exc)
    if kind == "certificate":
        detail = getattr(found, "verify_message", "") or _short(found)
        return f"the certificate of {where} is not trusted: {detail}"
    if kind:
        return f"cannot reach {where}: {kind}"
    return ""


def _short(exc: BaseException | None) -> str:
    text = str(exc or "")
    marker = "certificate verify failed:"
    if marker in text:
        return text.split(marker, 1)[1].split("(")[0].strip()
    return text
