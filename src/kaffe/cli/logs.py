"""Logging that fits a terminal and journald: no timestamps under systemd, JSON on
request, and never a secret (every record passes :class:`RedactingFilter`)."""

from __future__ import annotations

import json
import logging
import os
import sys

from kaffe.cli.terminal import shown
from kaffe.redact import redact_text

# Libraries that log request URLs at INFO (httpx, googleapiclient, the OAuth
# redirect server) or headers and bodies at DEBUG: quiet unless -vv, and even
# then each line is redacted.
HTTP_LOGGERS = (
    "httpx", "httpcore", "urllib3", "urllib3_future", "niquests", "requests", "httplib2",
    "googleapiclient", "google_auth_httplib2", "google.auth", "google_auth_oauthlib",
    "requests_oauthlib", "oauthlib", "caldav",
)  # fmt: skip


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


class RedactingFilter(logging.Filter):
    """Scrubs every record before a handler formats it: secrets redacted
    (:func:`kaffe.redact.redact_text`) in the message, its arguments, the
    exception text and the stack. The message becomes one line without control
    or bidi characters, so text from outside (an event's UID, a server's error)
    cannot forge a second log line or reorder one; tracebacks keep their lines."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = _scrubbed_message(record), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _scrubbed_message(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not raise into the caller
        message = f"{record.msg!r} % {record.args!r}"
    return shown(message)


def configure(verbose: int, fmt: str = "text") -> None:
    """Log to stderr; journald adds its own timestamps, so omit ours under systemd."""
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    elif os.environ.get("JOURNAL_STREAM") or os.environ.get("INVOCATION_ID"):
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    # a long first sync says how far it got, in `kaffe once` too (quiet without -v)
    logging.getLogger("kaffe.progress").setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
