"""A CalDAV calendar (Fastmail, Nextcloud, iCloud, Radicale, ...) read with the
``caldav`` library: no OAuth client needed.

The cursor remembers each calendar's URL and its ctag (``CS:getctag``, or the
``DAV:sync-token`` where a server has no ctag), so a cycle in which nothing
changed costs one PROPFIND per calendar. When any calendar changed, every
calendar is read again with a time-range REPORT and its objects are expanded in
the window by :func:`kaffe.connectors.ical.parse.parse_calendar`; the result replaces
the stored window (``full=True``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from caldav.davclient import DAVClient
from caldav.elements import dav
from caldav.elements.base import ValuedBaseElement
from caldav.lib import error as caldav_error

from kaffe.connectors import deadline
from kaffe.connectors.ical.parse import IcsResult, parse_calendar
from kaffe.errors import AuthError, ConnectorError, KaffeError, TransientError, config_entry
from kaffe.model import CalendarBatch, Event

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30  # to connect and for each read
# One sync (a PROPFIND per calendar, a REPORT per changed one) in all; a stop
# request (SIGTERM) ends it at once. Generous: a big calendar on a slow link.
SYNC_DEADLINE_SECONDS = 6 * TIMEOUT_SECONDS

ClientFactory = Callable[..., Any]  # (url=, username=, password=, auth_type=) -> DAVClient


class GetCTag(ValuedBaseElement):
    """Apple's ``CS:getctag``: changes whenever anything in the calendar changes."""

    tag: ClassVar[str] = "{http://calendarserver.org/ns/}getctag"


def make_client(*, url: str, username: str, password: str, auth_type: str | None) -> Any:
    """The real ``caldav.DAVClient``: a timeout, no DNS discovery, no sleeping on 429."""
    return DAVClient(
        url=url, username=username, password=password, auth_type=auth_type,
        timeout=TIMEOUT_SECONDS, enable_rfc6764=False, rate_limit_handle=False,
    )


def _sockets(client: Any) -> Iterator[Any]:
    """The sockets of a DAVClient's connections, in use or idle, for a watch to cut.

    niquests gives no hook to them: this walks urllib3-future's pools (their
    ``TrafficPolice._registry``, private). Should that change, nothing is found and
    the read timeout and the daemon's stop backstop remain the bounds."""
    adapters = getattr(getattr(client, "session", None), "adapters", None) or {}
    for adapter in list(adapters.values()):
        pools = getattr(getattr(adapter, "poolmanager", None), "pools", None)
        for pool in list(getattr(pools, "_registry", {}).values()):
            for conn in list(getattr(getattr(pool, "pool", None), "_registry", {}).values()):
                yield getattr(conn, "sock", None)


def public_url(url: str) -> str:
    """``url`` without any ``user:password@`` part, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


class CalDavCalendarSource:
    """Implements :class:`~kaffe.connectors.base.CalendarSource` for a CalDAV account.

    ``calendar`` picks one calendar by display name or URL; "" reads every
    calendar of the principal. Events of all of them share ``self.name``.
    """

    def __init__(
        self,
        name: str,
        url: str,
        *,
        username: str,
        password: str,
        calendar: str = "",
        self_addresses: tuple[str, ...] = (),
        floating: tzinfo = UTC,
        client_factory: ClientFactory = make_client,
    ) -> None:
        self.name = f"caldav:{name}"
        self.url = url
        self.label = public_url(url)
        self.calendar = calendar
        self.entry = config_entry("calendars", name)
        self.self_addresses = self_addresses
        self.floating = floating
        self._credentials = (username, password)
        self._factory = client_factory
        self._client: Any = None

    def close(self) -> None:
        """Close the HTTP session, if one is open."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def sync(
        self, cursor: str | None, *, window_start: datetime, window_end: datetime
    ) -> CalendarBatch:
        """One PROPFIND per calendar; when a ctag moved (or without a cursor), the
        whole window of every calendar, ``full=True``."""
        saved = load_cursor(cursor)
        watch = deadline.Watch(SYNC_DEADLINE_SECONDS)
        watch.add_finder(lambda: _sockets(self._client))
        try:
            with watch, self._errors():
                batch = self._sync(cursor, saved, (window_start, window_end))
            watch.check(self.label)  # a cut connection may have passed for a short answer
        except Exception as exc:  # once cut, caldav may fail in any way
            failure = watch.failure(self.label)
            if failure is None:
                raise
            self.close()  # its connections were cut: the next sync opens new ones
            raise failure from exc
        return batch

    def _sync(
        self, cursor: str | None, saved: dict[str, Any], window: tuple[datetime, datetime]
    ) -> CalendarBatch:
        client = self._connect(saved.get("auth"))
        tags = self._tags(client, saved.get("calendars"))
        if cursor and tags == saved.get("calendars") and None not in tags.values():
            log.debug("%s: no calendar changed", self.label)
            return CalendarBatch(self.name, (), cursor, full=False)
        events, results = self._read_all(client, list(tags), window)
        state = {"auth": auth_type(client), "calendars": tags}
        return CalendarBatch(
            self.name, events, dump_cursor(state), full=True,
            problems=tuple(p for r in results for p in r.problems),
            unread=tuple(sorted({uid for r in results for uid in r.unread})),
            incomplete=any(r.incomplete or r.not_calendar for r in results),
        )

    # -- connection and errors ---------------------------------------------------------
    def _connect(self, auth: object) -> Any:
        if self._client is None:
            username, password = self._credentials
            self._client = self._factory(
                url=self.url, username=username, password=password,
                auth_type=auth if isinstance(auth, str) and auth else None,
            )
        return self._client

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate what caldav and its HTTP library raise into kaffe's errors."""
        try:
            yield
        except caldav_error.AuthorizationError as exc:
            self.close()
            raise AuthError(f"bad username or password for {self.label}",
                            hint=f"check username and the password of the {self.entry}"
                            ) from exc
        except caldav_error.RateLimitError as exc:
            raise TransientError(f"{self.label}: the server asks to slow down",
                                 retry_after=exc.retry_after_seconds) from exc
        except caldav_error.DAVError as exc:
            raise self._dav_error(exc) from exc
        except OSError as exc:  # niquests' connection errors and timeouts are OSErrors
            self.close()
            raise _network_error(self.label, exc) from exc

    def _dav_error(self, exc: caldav_error.DAVError) -> Exception:
        status = getattr(exc, "status", None) or 0
        reason = f"{self.label}: {type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        if status >= 500:
            return TransientError(reason)
        return ConnectorError(reason)

    # -- calendars and their tags ------------------------------------------------------
    def _tags(self, client: Any, saved: object) -> dict[str, str | None]:
        """Each calendar's current tag, by URL: the saved URLs while they all still
        exist, else the calendars found afresh on the server."""
        if isinstance(saved, dict) and saved:
            try:
                return {url: ctag(client.calendar(url=url)) for url in saved}
            except caldav_error.NotFoundError:
                log.info("%s: a calendar is gone; looking for calendars again", self.label)
        return {str(cal.url): ctag(cal) for cal in self._discover(client)}

    def _discover(self, client: Any) -> list[Any]:
        """The calendars this source reads: all of the principal's, or the chosen one."""
        if self.calendar and _looks_like_url(self.calendar):
            chosen = client.calendar(url=urljoin(self.url, self.calendar))
            try:
                ctag(chosen)
            except caldav_error.NotFoundError:
                raise self._not_found(client.principal().calendars()) from None
            return [chosen]
        calendars = client.principal().calendars()
        if not self.calendar:
            return list(calendars)
        wanted = self.calendar.strip().casefold()
        found = [c for c in calendars if (display_name(c) or "").strip().casefold() == wanted]
        if not found:
            raise self._not_found(calendars)
        return found

    def _not_found(self, calendars: list[Any]) -> ConnectorError:
        names = ", ".join(f'"{display_name(c) or c.url}"' for c in calendars) or "none"
        return ConnectorError(f'no calendar named "{self.calendar}" at {self.label}; '
                              f"found: {names}",
                              hint=f"in the {self.entry}, set calendar to one of these "
                              "names, or leave it out")

    # -- reading events ----------------------------------------------------------------
    def _read_all(
        self, client: Any, urls: list[str], window: tuple[datetime, datetime]
    ) -> tuple[tuple[Event, ...], list[IcsResult]]:
        """The events in the window (and each object's reading, for its problems)."""
        events: dict[str, Event] = {}
        results: list[IcsResult] = []
        for url in urls:
            results += self._read(client.calendar(url=url), window)
        for result in results:
            for event in result.events:
                events.setdefault(event.id, event)  # one UID in two calendars: keep one
        log.info("%s: %d events in the window from %d calendar(s)", self.label,
                 len(events), len(urls))
        return tuple(events.values()), results

    def _read(self, calendar: Any, window: tuple[datetime, datetime]) -> list[IcsResult]:
        """Each calendar object in the window, read, recurrences expanded here."""
        found: list[IcsResult] = []
        objects = calendar.search(start=window[0], end=window[1], event=True, expand=False)
        for obj in objects:
            source = f"{self.label} {public_url(str(obj.url))}"
            result = parse_calendar(obj.data, calendar=self.name, source=source,
                                    window=window, self_addresses=self.self_addresses,
                                    floating=self.floating)
            for problem in result.problems:
                log.info("%s", problem)
            found.append(result)
        return found


def ctag(calendar: Any) -> str | None:
    """The calendar's ctag (or sync-token): one PROPFIND; None when it has neither."""
    props = calendar.get_properties([GetCTag(), dav.SyncToken()])
    value = props.get(GetCTag.tag) or props.get(dav.SyncToken.tag)
    return str(value) if value else None


def display_name(calendar: Any) -> str | None:
    """The calendar's display name (the library caches it from discovery)."""
    name = calendar.get_display_name()
    return str(name) if name else None


def auth_type(client: Any) -> str:
    """The scheme the server asked for ("basic", "digest"), so a new client can send
    credentials on its first request instead of after a 401."""
    kind = type(getattr(client, "auth", None)).__name__.lower()
    for scheme in ("basic", "digest", "bearer"):
        if scheme in kind:
            return scheme
    return ""


def _network_error(label: str, exc: OSError) -> KaffeError:
    """A certificate that does not verify will not fix itself; the rest may."""
    if "SSL" in type(exc).__name__ or "CERTIFICATE" in str(exc).upper():
        return ConnectorError(f"{label}: the server's TLS certificate was refused ({exc})",
                              hint="check the URL's host name and the server's certificate")
    return TransientError(f"{label}: unreachable ({type(exc).__name__}: {exc})")


def _looks_like_url(text: str) -> bool:
    return text.startswith("/") or urlsplit(text).scheme in ("http", "https")


def load_cursor(cursor: str | None) -> dict[str, Any]:
    """The cursor's JSON object; an unreadable cursor counts as none."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        log.debug("ignoring an unreadable CalDAV cursor")
        return {}
    return data if isinstance(data, dict) else {}


def dump_cursor(state: dict[str, Any]) -> str:
    """A small, stable JSON cursor."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"))
