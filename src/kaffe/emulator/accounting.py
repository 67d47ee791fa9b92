"""Which API method a request calls, the scopes that allow it and its Gmail quota units.

One table for both: the scopes are those Google's discovery documents list for the
method (any one of them allows it; ``tests/emulator/test_accounting.py`` checks them
against the documents google-api-python-client ships), the units are Google's
published per-method table (developers.google.com/gmail/api/reference/quota). A
batch costs the sum of its parts, so the batch request itself costs nothing.
Calendar has no per-method units: its calls cost 0 here and are counted as requests.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_GMAIL = r"^(?:/upload)?/gmail/v1/users/[^/]+"
_CAL = r"^/calendar/v3"
_AUTH = "https://www.googleapis.com/auth/"
MAIL = "https://mail.google.com/"  # full Gmail access: allows every Gmail method


def _gmail(*names: str) -> frozenset[str]:
    return frozenset({MAIL, *(_AUTH + "gmail." + n for n in names)})


def _calendar(*names: str) -> frozenset[str]:
    return frozenset(_AUTH + n for n in names)


_ADDON_READ = ("addons.current.message.action", "addons.current.message.metadata",
               "addons.current.message.readonly")
_ADDON_COMPOSE = "addons.current.action.compose"
_READ = _gmail("metadata", "modify", "readonly")
_READ_ONE = _gmail(*_ADDON_READ, "metadata", "modify", "readonly")
_DRAFT_READ = _gmail("compose", "modify", "readonly")
_DRAFT_WRITE = _gmail(_ADDON_COMPOSE, "compose", "modify")
_EVENTS = _calendar("calendar", "calendar.app.created", "calendar.events",
                    "calendar.events.freebusy", "calendar.events.owned",
                    "calendar.events.owned.readonly", "calendar.events.public.readonly",
                    "calendar.events.readonly", "calendar.readonly")
_CALENDAR_LIST = _calendar("calendar", "calendar.calendarlist",
                           "calendar.calendarlist.readonly", "calendar.readonly")
_NONE: frozenset[str] = frozenset()  # no bearer token is checked (batch, token endpoint)


class ApiMethod(NamedTuple):
    """A method's id (as in Google's discovery documents), its quota units and the
    scopes that allow it (any one of them; empty: no scope is checked)."""

    id: str
    units: int
    scopes: frozenset[str] = _NONE


UNKNOWN = ApiMethod("", 0)

# (HTTP method, path pattern, API method); the first match wins.
_METHODS: tuple[tuple[str, re.Pattern[str], ApiMethod], ...] = tuple(
    (verb, re.compile(pattern), ApiMethod(name, units, scopes))
    for verb, pattern, name, units, scopes in (
        ("GET", _GMAIL + r"/profile$", "gmail.users.getProfile", 1,
         _gmail("compose", "metadata", "modify", "readonly")),
        ("GET", _GMAIL + r"/messages$", "gmail.users.messages.list", 5, _READ),
        ("GET", _GMAIL + r"/messages/[^/]+$", "gmail.users.messages.get", 5, _READ_ONE),
        ("POST", _GMAIL + r"/messages/send$", "gmail.users.messages.send", 100,
         _gmail(_ADDON_COMPOSE, "compose", "modify", "send")),
        ("GET", _GMAIL + r"/threads/[^/]+$", "gmail.users.threads.get", 10, _READ_ONE),
        ("GET", _GMAIL + r"/history$", "gmail.users.history.list", 2, _READ),
        ("POST", _GMAIL + r"/drafts/send$", "gmail.users.drafts.send", 100, _DRAFT_WRITE),
        ("POST", _GMAIL + r"/drafts$", "gmail.users.drafts.create", 10, _DRAFT_WRITE),
        ("GET", _GMAIL + r"/drafts$", "gmail.users.drafts.list", 5, _DRAFT_READ),
        ("GET", _GMAIL + r"/drafts/[^/]+$", "gmail.users.drafts.get", 5, _DRAFT_READ),
        ("PUT", _GMAIL + r"/drafts/[^/]+$", "gmail.users.drafts.update", 15, _DRAFT_WRITE),
        ("DELETE", _GMAIL + r"/drafts/[^/]+$", "gmail.users.drafts.delete", 10, _DRAFT_WRITE),
        ("GET", _CAL + r"/calendars/[^/]+/events$", "calendar.events.list", 0, _EVENTS),
        ("GET", _CAL + r"/calendars/[^/]+/events/[^/]+$", "calendar.events.get", 0, _EVENTS),
        ("GET", _CAL + r"/users/me/calendarList$", "calendar.calendarList.list", 0,
         _CALENDAR_LIST),
        ("POST", r"^/batch(?:/.*)?$", "batch", 0, _NONE),
        ("POST", r"^/token$", "oauth2.token", 0, _NONE),
    )
)


def api_method(method: str, path: str) -> ApiMethod:
    """The API method ``method path`` calls, or :data:`UNKNOWN` (id "", 0 units)."""
    for verb, pattern, found in _METHODS:
        if verb == method.upper() and pattern.match(path):
            return found
    return UNKNOWN


def methods() -> tuple[ApiMethod, ...]:
    """Every method of the table (for tests that hold it against Google's documents)."""
    return tuple(found for _, _, found in _METHODS)
