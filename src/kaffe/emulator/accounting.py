"""Which API method a request calls and what it costs in Gmail quota units.

The units are Google's published per-method table
(developers.google.com/gmail/api/reference/quota); a batch costs the sum of its
parts, so the batch request itself costs nothing. Calendar has no per-method
units: its calls cost 0 here and are counted as requests.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_GMAIL = r"^(?:/upload)?/gmail/v1/users/[^/]+"
_CAL = r"^/calendar/v3"


class ApiMethod(NamedTuple):
    """A method's id (as in Google's discovery documents) and its quota units."""

    id: str
    units: int


UNKNOWN = ApiMethod("", 0)

# (HTTP method, path pattern, API method); the first match wins.
_METHODS: tuple[tuple[str, re.Pattern[str], ApiMethod], ...] = tuple(
    (verb, re.compile(pattern), ApiMethod(name, units))
    for verb, pattern, name, units in (
        ("GET", _GMAIL + r"/profile$", "gmail.users.getProfile", 1),
        ("GET", _GMAIL + r"/messages$", "gmail.users.messages.list", 5),
        ("GET", _GMAIL + r"/messages/[^/]+$", "gmail.users.messages.get", 5),
        ("POST", _GMAIL + r"/messages/send$", "gmail.users.messages.send", 100),
        ("GET", _GMAIL + r"/threads/[^/]+$", "gmail.users.threads.get", 10),
        ("GET", _GMAIL + r"/history$", "gmail.users.history.list", 2),
        ("POST", _GMAIL + r"/drafts/send$", "gmail.users.drafts.send", 100),
        ("POST", _GMAIL + r"/drafts$", "gmail.users.drafts.create", 10),
        ("GET", _GMAIL + r"/drafts$", "gmail.users.drafts.list", 5),
        ("GET", _GMAIL + r"/drafts/[^/]+$", "gmail.users.drafts.get", 5),
        ("DELETE", _GMAIL + r"/drafts/[^/]+$", "gmail.users.drafts.delete", 10),
        ("GET", _CAL + r"/calendars/[^/]+/events$", "calendar.events.list", 0),
        ("GET", _CAL + r"/calendars/[^/]+/events/[^/]+$", "calendar.events.get", 0),
        ("GET", _CAL + r"/users/me/calendarList$", "calendar.calendarList.list", 0),
        ("POST", r"^/batch(?:/.*)?$", "batch", 0),
        ("POST", r"^/token$", "oauth2.token", 0),
    )
)


def api_method(method: str, path: str) -> ApiMethod:
    """The API method ``method path`` calls, or :data:`UNKNOWN` (id "", 0 units)."""
    for verb, pattern, found in _METHODS:
        if verb == method.upper() and pattern.match(path):
            return found
    return UNKNOWN
