"""A local Google Calendar v3 + Gmail v1 + OAuth token server for the demo and the tests.

It speaks Google's REST shapes so kaffe's connectors can use the real
google-api-python-client against it, keeps state, and reproduces Google's
failure modes (expired sync tokens and history ids, 401/429/5xx, revoked
refresh tokens, refused sends).

Control endpoints under ``/_emulator/`` (never logged, never charged):
``GET requests``, ``POST requests/clear``, ``GET|POST faults``, ``GET drafts``, and
what the user does in Gmail between cycles (:mod:`kaffe.emulator.control_mail`):
``POST messages`` ``{"raw": <base64url>, "labelIds": ["INBOX"]}`` (a message
arrives; with ``SENT``, one sent elsewhere), ``POST drafts/<id>`` ``{"raw": ...}``
(the user edits a draft) and ``POST drafts/<id>/send`` (the draft is gone, a SENT
message with its bytes is in its thread); and in Calendar, ``POST
calendars/<id>/events`` with an Event resource (an invitation the user accepted).
"""

from __future__ import annotations

from kaffe.emulator.oauth import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN
from kaffe.emulator.server import Emulator, serve

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "Emulator", "serve"]
