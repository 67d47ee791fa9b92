"""Request dispatch: delays, faults, send guard, token endpoint, batch, auth, routing, log."""

from __future__ import annotations

import logging
import re
import time
import urllib.parse
from collections.abc import Callable
from functools import partial
from typing import Any

from kaffe.emulator import calendar_api, consent, gmail_api
from kaffe.emulator.accounting import api_method
from kaffe.emulator.batch import handle_batch
from kaffe.emulator.calendar_store import CalendarStore
from kaffe.emulator.faults import TOKEN_PATH, Faults
from kaffe.emulator.gmail_store import GmailStore
from kaffe.emulator.oauth import TokenAuthority
from kaffe.emulator.quota import Quota
from kaffe.emulator.requestlog import RequestLog
from kaffe.emulator.wire import ApiError, Request, Response, json_response

logger = logging.getLogger(__name__)

Handler = Callable[["App", Request, list[str]], Any]
_GMAIL = r"^/gmail/v1/users/([^/]+)"
_CAL = r"^/calendar/v3"
SEND_PATH = re.compile(r"^(/upload)?/gmail/v1/users/[^/]+/(messages|drafts)/send$")
BATCH_PATH = re.compile(r"^/batch(/.*)?$")


def _user(app: App, user_id: str) -> None:
    if user_id not in ("me", app.gmail.user_email):
        raise ApiError(403, f"Delegation denied for {app.gmail.user_email}", reason="forbidden")


def _gmail(fn: Callable[..., Any]) -> Handler:
    """Wrap a Gmail handler: check ``userId`` then pass the remaining path groups on."""

    def handler(app: App, req: Request, groups: list[str]) -> Any:
        _user(app, groups[0])
        return fn(app.gmail, req, *groups[1:])

    return handler


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (
        "GET",
        re.compile(_CAL + r"/calendars/([^/]+)/events$"),
        lambda app, req, g: calendar_api.events_list(app.calendar, req, g[0]),
    ),
    (
        "GET",
        re.compile(_CAL + r"/calendars/([^/]+)/events/([^/]+)$"),
        lambda app, req, g: calendar_api.event_get(app.calendar, g[0], g[1], req),
    ),
    (
        "GET",
        re.compile(_CAL + r"/users/me/calendarList$"),
        lambda app, req, g: calendar_api.calendar_list(app.calendar, req),
    ),
    ("GET", re.compile(_GMAIL + r"/profile$"), _gmail(lambda store, req: gmail_api.profile(store))),
    ("GET", re.compile(_GMAIL + r"/messages$"), _gmail(gmail_api.messages_list)),
    ("GET", re.compile(_GMAIL + r"/messages/([^/]+)$"), _gmail(gmail_api.message_get)),
    ("GET", re.compile(_GMAIL + r"/threads/([^/]+)$"), _gmail(gmail_api.thread_get)),
    ("POST", re.compile(_GMAIL + r"/drafts$"), _gmail(gmail_api.draft_create)),
    ("GET", re.compile(_GMAIL + r"/drafts$"), _gmail(gmail_api.drafts_list)),
    ("GET", re.compile(_GMAIL + r"/drafts/([^/]+)$"), _gmail(gmail_api.draft_get)),
    ("PUT", re.compile(_GMAIL + r"/drafts/([^/]+)$"), _gmail(gmail_api.draft_update)),
    (
        "DELETE",
        re.compile(_GMAIL + r"/drafts/([^/]+)$"),
        _gmail(lambda store, req, draft_id: gmail_api.draft_delete(store, draft_id)),
    ),
    ("GET", re.compile(_GMAIL + r"/history$"), _gmail(gmail_api.history_list)),
]


class App:
    """Everything the HTTP layer and the batch endpoint dispatch into."""

    def __init__(
        self,
        calendar: CalendarStore,
        gmail: GmailStore,
        tokens: TokenAuthority,
        faults: Faults,
        log: RequestLog,
    ) -> None:
        self.calendar: CalendarStore = calendar
        self.gmail: GmailStore = gmail
        self.tokens: TokenAuthority = tokens
        self.faults: Faults = faults
        self.log: RequestLog = log
        self.quota: Quota = Quota()  # off until configured (Emulator(quota_per_minute=...))

    def handle(self, req: Request, *, part: bool = False, log: bool = True) -> Response:
        """Answer one API request (``part``: one call inside a batch) and, unless ``log``
        is false (the HTTP layer records it with the bytes it sends), log it."""
        try:
            response = self._answer(req, part)
        except ApiError as exc:
            response = exc.response()
        except Exception:  # a bug in the emulator must still answer like a server
            logger.exception("emulator failed on %s %s", req.method, req.path)
            response = ApiError(500).response()
        if log:
            self.record(req, response, len(response.body), part=part)
        return response

    def record(self, req: Request, response: Response, size: int, *, part: bool = False) -> None:
        """Log ``req`` with its API method, quota units and ``size`` bytes answered."""
        method = api_method(req.method, req.path)
        self.log.record(req.method, req.path, req.query, response.status, part=part,
                        api=method.id, units=method.units, size=size)

    def _answer(self, req: Request, part: bool = False) -> Response:
        delay = self.faults.take_delay(req.path, latency=not part)
        if delay > 0:
            time.sleep(delay)
        is_send = bool(SEND_PATH.match(req.path))
        if is_send:
            with self.gmail.lock:
                self.gmail.send_attempts += 1
            logger.warning("refused a send call: %s %s", req.method, req.path)
        fault = self.faults.take_error(req.path, req.method)
        if fault is not None:
            raise fault
        if is_send:
            raise ApiError(403, "kaffe never sends mail: send is disabled in the emulator.")
        if req.path == TOKEN_PATH and req.method == "POST":
            return self.tokens.token_endpoint(req)
        if consent.handles(req):
            return consent.consent(self.tokens, req)
        if BATCH_PATH.match(req.path) and req.method == "POST":
            return handle_batch(req, partial(self.handle, part=True))
        method = api_method(req.method, req.path)
        self.tokens.check(req, method.id, method.scopes)
        self.quota.charge(method.units)  # each batch part on its own
        response = self._route(req)
        lost = self.faults.take_lost_reply(req.method, req.path)
        if lost is not None:  # carried out, but the client hears 5xx
            raise lost
        return response

    def _route(self, req: Request) -> Response:
        for method, pattern, handler in ROUTES:
            match = pattern.match(req.path)
            if match and method == req.method:
                groups = [urllib.parse.unquote(g) for g in match.groups()]
                result = handler(self, req, groups)
                return Response(204) if result is None else json_response(result)
        raise ApiError(404, "Not Found", reason="notFound")
