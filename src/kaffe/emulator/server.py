"""The HTTP server, the control endpoints and the :class:`Emulator` facade."""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kaffe.emulator.app import App
from kaffe.emulator.calendar_store import CalendarStore
from kaffe.emulator.control_mail import mail_control, send_draft
from kaffe.emulator.faults import Chaos, Faults, chaos_from_json
from kaffe.emulator.gmail_mime import b64url
from kaffe.emulator.gmail_store import GmailStore
from kaffe.emulator.oauth import REFRESH_TOKEN, TokenAuthority
from kaffe.emulator.quota import Quota
from kaffe.emulator.requestlog import RequestLog
from kaffe.emulator.seed import load_seed
from kaffe.emulator.wire import ApiError, Request, Response, bad_request, json_response
from kaffe.timeutil import now_utc

logger = logging.getLogger(__name__)
CONTROL_PREFIX = "/_emulator/"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httplib2 expects
    # TCP_NODELAY: the body follows the headers in a second write; with Nagle on, it
    # waits for the client's delayed ACK (~40 ms a response), which Google never adds
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815

    def _serve(self) -> None:
        req = self._request()
        emulator = self.server.emulator
        if req.path.startswith(CONTROL_PREFIX):
            self._write(emulator.control(req))
        else:
            self._write(emulator.app.handle(req, log=False), logged=req)

    def _request(self) -> Request:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        return Request(
            method=self.command,
            path=url.path,
            query=urllib.parse.parse_qs(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )

    def _write(self, response: Response, logged: Request | None = None) -> None:
        """Send ``response``; ``logged``: record that request first, with the bytes
        sent (before they are, so a client that reads the log next finds it)."""
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if logged is not None:
            self.server.emulator.app.record(logged, response, self._size(response))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _size(self, response: Response) -> int:
        """Bytes of the status line, the headers so far, the blank line and the body."""
        # _headers_buffer: http.server's own list of the header lines not yet flushed
        head = sum(len(line) for line in getattr(self, "_headers_buffer", ())) + 2
        return head + (0 if self.command == "HEAD" else len(response.body))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a killed process) is no error of the server's: log it
        at DEBUG; anything else is printed with its traceback, as before."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionResetError | BrokenPipeError):
            logger.debug("client %s went away: %s", client_address, error)
            return
        super().handle_error(request, client_address)


# POST /_emulator/calendars/<calendar id>/events: an event appears in the calendar
_EVENTS = re.compile(r"^calendars/([^/]+)/events$")


class Emulator:
    """A local Google Calendar + Gmail + OAuth server with state and fault injection."""

    def __init__(
        self,
        seed: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        request_log: Path | None = None,
        user_email: str = "me@example.com",
        clock: Callable[[], datetime] = now_utc,
        quota_per_minute: int = 0,
        quota_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host, self._port = host, port
        self.calendar = CalendarStore(user_email, clock)
        self.gmail = GmailStore(user_email, clock)
        self.tokens = TokenAuthority()
        self.faults = Faults()
        self.log = RequestLog(request_log)
        self.app = App(self.calendar, self.gmail, self.tokens, self.faults, self.log)
        # the refusal's "Retry after <time>" is wall-clock time, as the client reads it
        self.app.quota = Quota(quota_per_minute, clock=quota_clock)
        self.seed_problems: list[str] = load_seed(seed, self.calendar, self.gmail) if seed else []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> Emulator:
        """Bind and serve in a background thread; returns self."""
        if self._server is None:
            self._server = _Server((self._host, self._port), _Handler)
            self._server.emulator = self
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # shutdown() waits up to one poll
                name="kaffe-emulator",
                daemon=True,
            )
            self._thread.start()
            logger.info("emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start() first")
        return f"http://{self._host}:{self._server.server_address[1]}"

    # -- request log and faults -------------------------------------------------------
    def requests(self) -> list[dict[str, Any]]:
        """Every API request so far: method, path, query, status (control calls excluded)."""
        return self.log.entries()

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self.log.clear()

    def inject(
        self,
        status: int,
        *,
        count: int = 1,
        retry_after: float | None = None,
        path_contains: str = "",
        method: str = "",
    ) -> None:
        """The next ``count`` matching requests fail with ``status`` (Google's error JSON)."""
        self.faults.inject(
            status, count=count, retry_after=retry_after, path_contains=path_contains,
            method=method,
        )

    def inject_delay(self, seconds: float, *, count: int = 1, path_contains: str = "") -> None:
        """The next ``count`` matching requests are answered ``seconds`` late."""
        self.faults.inject_delay(seconds, count=count, path_contains=path_contains)

    def chaos(self, rate: float, *, seed: int | None = None, **options: Any) -> None:
        """Random faults from now on: ``rate`` of the API requests fail; ``options``
        are :class:`~kaffe.emulator.faults.Chaos` fields (statuses, retry_after,
        slow_rate, slow, lost_rate, path_contains, include_token)."""
        self.faults.set_random(Chaos(rate, **options), seed=seed)

    def calm(self) -> None:
        """Stop random faults (scripted ones and the latency stay)."""
        self.faults.set_random(None)

    def set_latency(self, seconds: float) -> None:
        """Answer every request ``seconds`` late (once per batch, not per part)."""
        self.faults.set_latency(seconds)

    def fault_stats(self) -> dict[str, Any]:
        """How many errors, delays and lost replies were injected so far."""
        return self.faults.stats.as_dict()

    def set_quota(
        self, per_minute: int, *, form: str = "429", retry_after_header: bool = False
    ) -> None:
        """Refuse Gmail calls past ``per_minute`` units in a sliding minute (0 = off),
        answered in ``form`` (see :mod:`kaffe.emulator.quota`); forgets what was spent."""
        self.app.quota.configure(per_minute, form=form, retry_after_header=retry_after_header)

    def quota_stats(self) -> dict[str, int]:
        """The quota's limit, units spent in all, peak units in a minute, calls refused."""
        return self.app.quota.stats()

    # -- calendar --------------------------------------------------------------------
    def add_event(self, calendar_id: str, resource: dict[str, Any]) -> dict[str, Any]:
        """Insert an event as Google would; returns the stored resource."""
        with self.calendar.lock:
            return self.calendar.add(calendar_id, resource)

    def update_event(self, calendar_id: str, event_id: str, changes: dict[str, Any]) -> dict:
        """Patch an event; incremental syncs will return it."""
        with self.calendar.lock:
            return self.calendar.update(calendar_id, event_id, changes)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Delete an event; incremental syncs return it as cancelled."""
        with self.calendar.lock:
            self.calendar.delete(calendar_id, event_id)

    def expire_sync_tokens(self) -> None:
        """Every outstanding Calendar syncToken now gets 410."""
        with self.calendar.lock:
            self.calendar.expire_sync_tokens()

    # -- gmail ---------------------------------------------------------------------------
    def add_message(self, raw: bytes, labels: list[str]) -> dict[str, str]:
        """Deliver a message with ``labels``; returns ``{"id", "threadId"}``."""
        return self.gmail.add_message(raw, list(labels)).ref()

    def send_draft(self, draft_id: str) -> dict[str, Any]:
        """The user sends a draft from Gmail (see :mod:`kaffe.emulator.control_mail`)."""
        return send_draft(self.gmail, draft_id, self.gmail.clock())

    def expire_history(self) -> None:
        """Every earlier historyId now gets 404 from history.list."""
        self.gmail.expire_history()

    def drafts(self) -> list[dict[str, Any]]:
        """Every draft: ``{"id", "message_id", "thread_id", "raw"}`` (raw as bytes)."""
        with self.gmail.lock:
            found = [(d, self.gmail.messages[m]) for d, m in self.gmail.drafts.items()]
            return [
                {"id": d, "message_id": m.id, "thread_id": m.thread_id, "raw": m.raw}
                for d, m in found
            ]

    @property
    def send_attempts(self) -> int:
        """How many calls reached a send endpoint (all answered 403)."""
        return self.gmail.send_attempts

    # -- oauth -------------------------------------------------------------------------
    def revoke_refresh_token(self, token: str = REFRESH_TOKEN) -> None:
        """The token endpoint answers ``invalid_grant`` for ``token`` from now on."""
        self.tokens.revoke_refresh_token(token)

    def expire_access_tokens(self) -> None:
        """Access tokens issued so far now get 401."""
        self.tokens.expire_access_tokens()

    def set_scopes(self, scopes: list[str], token: str = REFRESH_TOKEN) -> None:
        """The user's grant for refresh ``token`` is now ``scopes``: later calls of a
        method none of them allows get 403 insufficientPermissions."""
        self.tokens.set_scopes(scopes, token)

    # -- control endpoints ---------------------------------------------------------------
    def control(self, req: Request) -> Response:
        """``/_emulator/...``: request log, faults and drafts over HTTP (never logged)."""
        try:
            return json_response(self._control(req))
        except ApiError as exc:
            return exc.response()

    def _control(self, req: Request) -> Any:
        action = (req.method, req.path[len(CONTROL_PREFIX) :].rstrip("/"))
        if action == ("GET", "requests"):
            return self.requests()
        if action == ("POST", "requests/clear"):
            self.clear_requests()
            return {}
        if action == ("POST", "faults"):
            return self._fault_from_json(req.json())
        if action == ("GET", "faults"):
            return self.fault_stats()
        if action == ("POST", "quota"):
            return self._quota_from_json(req.json())
        if action == ("GET", "quota"):
            return self.quota_stats()
        if action == ("GET", "drafts"):
            return [dict(d, raw=b64url(d["raw"])) for d in self.drafts()]
        answer = mail_control(self.gmail, req, action[1])
        if answer is not None:
            return answer
        match = _EVENTS.match(action[1]) if req.method == "POST" else None
        if match:
            return self._event_from_json(urllib.parse.unquote(match.group(1)), req.json())
        raise ApiError(404, "Not Found")

    def _event_from_json(self, calendar_id: str, spec: Any) -> dict[str, Any]:
        """``POST calendars/<id>/events`` with an Event resource: an event appears in the
        user's calendar (they accepted an invitation, or made it in Google Calendar), as
        :meth:`add_event`; incremental syncs return it. 400 without a start and an end."""
        if not isinstance(spec, dict) or not all(
                isinstance(spec.get(edge), dict)
                and ("dateTime" in spec[edge] or "date" in spec[edge])
                for edge in ("start", "end")):
            raise bad_request('an event needs "start" and "end" with "dateTime" or "date"',
                              location="start")
        return self.add_event(calendar_id, spec)

    def _fault_from_json(self, spec: Any) -> dict[str, Any]:
        if isinstance(spec, dict) and ("random" in spec or "latency" in spec):
            return self._chaos_from_json(spec)
        if not isinstance(spec, dict) or not ("status" in spec or "delay" in spec):
            raise ApiError(400, 'a fault needs "status", "delay", "random" or "latency"')
        count, where = int(spec.get("count", 1)), str(spec.get("path_contains", ""))
        if "delay" in spec:
            self.inject_delay(float(spec["delay"]), count=count, path_contains=where)
        else:
            retry = spec.get("retry_after")
            self.inject(
                int(spec["status"]),
                count=count,
                retry_after=float(retry) if retry is not None else None,
                path_contains=where,
                method=str(spec.get("method", "")),
            )
        return {"ok": True}


    def _quota_from_json(self, spec: Any) -> dict[str, Any]:
        """``{"per_minute": 6000, "form": "429"|"403-user"|"403-rate", "retry_after": bool}``."""
        try:
            self.set_quota(int(spec["per_minute"]), form=str(spec.get("form", "429")),
                           retry_after_header=bool(spec.get("retry_after", False)))
        except (TypeError, ValueError, KeyError) as exc:
            raise ApiError(400, f"bad quota spec: {exc}") from exc
        return {"ok": True}

    def _chaos_from_json(self, spec: dict[str, Any]) -> dict[str, Any]:
        """``{"random": {"rate": .., "seed": ..} | null}`` and/or ``{"latency": seconds}``."""
        try:
            if "latency" in spec:
                self.set_latency(float(spec["latency"]))
            if "random" in spec:
                chaos = dict(spec["random"]) if spec["random"] is not None else None
                seed = chaos.pop("seed", None) if chaos is not None else None
                self.faults.set_random(chaos_from_json(chaos) if chaos is not None else None,
                                       seed=int(seed) if seed is not None else None)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"bad fault spec: {exc}") from exc
        return {"ok": True}


def serve(
    seed: Path | None,
    host: str,
    port: int,
    request_log: Path | None,
    *,
    on_ready: Callable[[str], None] | None = None,
    chaos: Chaos | None = None,
    chaos_seed: int | None = None,
    latency: float = 0.0,
    quota_per_minute: int = 0,
) -> None:
    """Run the emulator until SIGINT or SIGTERM (for ``kaffe emulator``), with random
    faults from ``chaos`` (seeded by ``chaos_seed``) and ``latency`` on every request."""
    stop = threading.Event()
    emulator = Emulator(seed, host=host, port=port, request_log=request_log,
                        quota_per_minute=quota_per_minute)
    emulator.faults.set_random(chaos, seed=chaos_seed)
    emulator.set_latency(latency)
    for problem in emulator.seed_problems:
        logger.warning("seed: %s", problem)
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with emulator:
            (on_ready or _announce)(emulator.url)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _announce(url: str) -> None:
    print(f"kaffe emulator listening on {url} (Ctrl-C to stop)", flush=True)
