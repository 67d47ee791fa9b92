"""A local Google Calendar v3 + Gmail v1 + OAuth token server for the demo and the tests.

It speaks Google's REST shapes so kaffe's connectors can use the real
google-api-python-client against it, keeps state, and reproduces Google's
failure modes (expired sync tokens and history ids, 401/429/5xx, revoked
refresh tokens, refused sends).
"""

from __future__ import annotations

from kaffe.emulator.oauth import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN
from kaffe.emulator.server import Emulator, serve

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "Emulator", "serve"]
