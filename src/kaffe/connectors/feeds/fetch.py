"""The fetcher: one document over HTTP (httpx, streamed, capped, conditional GET,
under a deadline) or from a local file (read again only when its mtime or size
changed). Feeds (:mod:`.source`) and ICS calendars (``ics_source``) both use it.

A broken, slow or huge document raises ConnectorError / TransientError naming
its URL and the reason; the caller logs it and goes on with the others (a feed
also backs off: ``kaffe.daemon.sync.next_attempt``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from kaffe import __version__
from kaffe.config.schema import FeedConfig, FeedOptionsConfig
from kaffe.connectors.deadline import Watch
from kaffe.errors import ConnectorError, KaffeError, TransientError, config_entry
from kaffe.fsutil import file_url_path
from kaffe.redact import redact_url

log = logging.getLogger(__name__)

USER_AGENT = f"kaffe/{__version__} (feed reader for coffee-meeting follow-ups)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# One request (connect, status line, headers, body; redirects included) may take
# this many times timeout_seconds in all: a server that drips one header line or
# one byte just inside every read timeout is still cut off (see deadline.Watch).
DEADLINE_FACTOR = 3
BLOCK = 1 << 20  # a local file is read at most this much at a time
_CURSOR_HEADERS = (("etag", "If-None-Match"), ("last_modified", "If-Modified-Since"))


def make_client(options: FeedOptionsConfig) -> httpx.Client:
    """The one httpx client all feeds share: timeouts, redirects, a User-Agent.

    No keep-alive: each fetch makes its own connection, so its watch sees every
    socket it uses (a feed is asked once a cycle; a kept connection would idle anyway)."""
    return httpx.Client(
        timeout=httpx.Timeout(options.timeout_seconds),
        follow_redirects=True,
        max_redirects=10,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def is_remote(url: str) -> bool:
    """True for an http(s) feed URL, False for a local path or ``file://`` URL."""
    return urlsplit(url).scheme.lower() in ("http", "https")


def load_cursor(cursor: str | None) -> dict[str, object]:
    """The cursor's JSON object; an unreadable cursor counts as none."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        log.debug("ignoring an unreadable feed cursor")
        return {}
    return data if isinstance(data, dict) else {}


def dump_cursor(data: dict[str, object]) -> str | None:
    """A small, stable JSON cursor; None when there is nothing to remember."""
    kept = {key: value for key, value in data.items() if value not in (None, "")}
    return json.dumps(kept, sort_keys=True, separators=(",", ":")) if kept else None


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class Document:
    """What one (conditional) fetch of a URL or file gave: ``body`` None = unchanged."""

    body: bytes | None
    cursor: str | None
    headers: dict[str, str]


class HttpFetcher:
    """A document (a feed, a calendar) fetched over HTTP(S) with a conditional,
    streamed, capped GET."""

    def __init__(
        self,
        feed: FeedConfig,
        options: FeedOptionsConfig,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.feed, self.options = feed, options
        self.name = feed.name or feed.url
        self.label = f"feed {redact_url(feed.url)}"  # how errors name it; never the token
        self.cap_key = "[feed_options] max_bytes"  # how errors name the cap (calendars: theirs)
        self.entry = config_entry("feeds", feed.name)  # where hints send the user (ICS: calendars)
        self._client = client if client is not None else make_client(options)
        self._owns_client = client is None
        self._clock = clock

    def close(self) -> None:
        """Close the HTTP client if this source made it."""
        if self._owns_client:
            self._client.close()

    def fetch_document(
        self, cursor: str | None, *, now: datetime, sink: IO[bytes] | None = None
    ) -> Document:
        """The raw document, or ``body=None`` when the server answered 304.

        Connect, headers and body together get ``DEADLINE_FACTOR`` x timeout_seconds;
        a stop request (SIGTERM) aborts the fetch with :class:`Cancelled`. With a
        ``sink`` a changed body is written there as it arrives (``body`` is b""),
        so a big calendar is never held in memory whole."""
        watch = Watch(self.deadline_seconds, clock=self._clock)
        try:
            with watch:
                doc = self._fetch(load_cursor(cursor), now, watch, sink)
        except Exception as exc:  # once cut, a library may fail in any way
            failure = watch.failure(self.label)
            if failure is None and not isinstance(exc, httpx.HTTPError | httpx.InvalidURL):
                raise
            raise (failure or self._translate(exc)) from exc
        watch.check(self.label)  # a cut connection can pass for a short, complete answer
        return doc

    @property
    def deadline_seconds(self) -> float:
        return self.options.timeout_seconds * DEADLINE_FACTOR

    def _translate(self, exc: Exception) -> KaffeError:
        """kaffe's error for an httpx one."""
        if isinstance(exc, httpx.TimeoutException):
            return TransientError(self._why(f"timed out ({type(exc).__name__})"))
        if isinstance(exc, httpx.NetworkError | httpx.ProxyError):
            return TransientError(self._why(f"network error: {exc}"))
        return ConnectorError(self._why(f"{type(exc).__name__}: {exc}"))

    def _why(self, reason: str) -> str:
        return f"{self.label}: {reason}"

    def _cap_hint(self) -> str:
        return f"raise {self.cap_key} to read it"

    def _fetch(
        self, saved: dict[str, object], now: datetime, watch: Watch, sink: IO[bytes] | None
    ) -> Document:
        headers = {name: str(saved[key]) for key, name in _CURSOR_HEADERS if saved.get(key)}
        timeout = httpx.Timeout(self.options.timeout_seconds)
        with self._client.stream("GET", self.feed.url, headers=headers, timeout=timeout,
                                 extensions={"trace": watch.trace}) as resp:
            fresh = _validators(resp)
            if resp.status_code == 304:
                log.debug("%s not modified", self.name)
                kept = saved | {key: value for key, value in fresh.items() if value}
                return Document(None, dump_cursor(kept), {})
            self._check_status(resp, now)
            body = self._read_capped(resp, sink)
            return Document(body, dump_cursor(fresh), _response_headers(resp))

    def _check_status(self, resp: httpx.Response, now: datetime) -> None:
        code = resp.status_code
        if 200 <= code < 300:
            return
        reason = f"HTTP {code} {resp.reason_phrase}".rstrip()
        if code == 429 or code >= 500:
            wait = retry_after(resp.headers.get("retry-after"), now)
            raise TransientError(self._why(reason), retry_after=wait)
        hint = f"check url in the {self.entry}" if code in (404, 410) else ""
        raise ConnectorError(self._why(reason), hint=hint)

    def _read_capped(self, resp: httpx.Response, sink: IO[bytes] | None) -> bytes:
        cap = self.options.max_bytes
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ConnectorError(self._why(f"{declared} bytes is more than {self.cap_key} "
                                           f"({cap})"), hint=self._cap_hint())
        chunks = self._capped_chunks(resp.iter_bytes(), cap)
        if sink is None:
            return b"".join(chunks)
        for chunk in chunks:
            sink.write(chunk)
        return b""

    def _capped_chunks(self, chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > cap:
                raise ConnectorError(self._why(f"more than {self.cap_key} ({cap}); "
                                               "stopped reading"), hint=self._cap_hint())
            yield chunk


def _validators(resp: httpx.Response) -> dict[str, object]:
    """What the next conditional GET sends back (None where the server sent nothing)."""
    return {"etag": resp.headers.get("etag"), "last_modified": resp.headers.get("last-modified")}


def _response_headers(resp: httpx.Response) -> dict[str, str]:
    """The response headers feedparser uses: type (charset), language, base URL.

    A body served without a Content-Type is given a neutral XML type: handed any
    header but no type, feedparser takes the body for ISO-8859-1 and never looks
    at its BOM or sniffs it, so an undeclared EUC-KR, KOI8-R, Shift_JIS or UTF-16
    feed came out as mojibake over HTTP while the same file read right from disk.
    With ``application/xml`` it decodes as from disk: declaration, BOM, else sniffed."""
    headers = {"content-location": str(resp.url), "content-type": "application/xml"}
    for name in ("content-type", "content-language"):
        if resp.headers.get(name):
            headers[name] = resp.headers[name]
    return headers


class LocalFetcher:
    """A document (a feed, a calendar) read from a local file; an unchanged file
    (same mtime and size) is not read again."""

    def __init__(self, feed: FeedConfig, options: FeedOptionsConfig) -> None:
        self.feed, self.options = feed, options
        self.name = feed.name or feed.url
        parts = urlsplit(feed.url)
        is_file_url = parts.scheme.lower() == "file"
        self.path = (file_url_path(parts.path) if is_file_url else Path(feed.url)).expanduser()
        self.label = f"feed {self.path}"  # how errors name it (an ICS source says calendar)
        self.cap_key = "[feed_options] max_bytes"  # how errors name the cap (calendars: theirs)
        self.entry = config_entry("feeds", feed.name)  # where hints send the user

    def close(self) -> None:
        """Nothing to release; here so every fetcher can be closed alike."""

    def fetch_document(
        self, cursor: str | None, *, now: datetime, sink: IO[bytes] | None = None
    ) -> Document:
        """The file's bytes, or ``body=None`` when its mtime and size match ``cursor``.
        With a ``sink`` the bytes are copied there instead (``body`` is b"")."""
        state = self._state()
        if cursor == state:
            return Document(None, cursor, {})
        if sink is not None:
            self._copy(sink)
            return Document(b"", state, {})
        return Document(self._read(), state, {})

    def _state(self) -> str:
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise ConnectorError(f"{self.label}: cannot read it ({exc.strerror})",
                                 hint=f"check url (a file path) in the {self.entry}") from exc
        return dump_cursor({"mtime_ns": stat.st_mtime_ns, "size": stat.st_size}) or ""

    def _read(self) -> bytes:
        """The whole file, at most max_bytes of it. Memory follows the file's size,
        not the cap: ``read(max_bytes + 1)`` allocated the whole cap up front."""
        buffer = io.BytesIO()
        self._copy(buffer)
        return buffer.getvalue()

    def _copy(self, sink: IO[bytes]) -> None:
        """Copy the file into ``sink`` a block at a time, at most max_bytes of it."""
        cap, size = self.options.max_bytes, 0
        try:
            with self.path.open("rb", buffering=0) as handle:
                for block in _blocks(handle, cap):
                    size += len(block)
                    if size > cap:
                        raise ConnectorError(f"{self.label}: more than {self.cap_key} "
                                             f"({cap}); not read",
                                             hint=f"raise {self.cap_key} to read it")
                    sink.write(block)
        except OSError as exc:
            raise ConnectorError(f"{self.label}: cannot read it ({exc.strerror})") from exc


def _blocks(handle: IO[bytes], cap: int) -> Iterator[bytes]:
    """The file's bytes in blocks sized from ``fstat`` (the rest of the file plus
    one byte), never past ``BLOCK``: a read allocates all it asks for, so a small
    file costs a small buffer, and one byte past the cap is enough to refuse it.
    A file that grows while read is followed in doubling blocks."""
    left = os.fstat(handle.fileno()).st_size
    want = min(BLOCK, left + 1, cap + 1)
    while block := handle.read(want):
        yield block
        left -= len(block)
        want = min(BLOCK, cap + 1, left + 1 if left > 0 else 2 * want)
