"""Wiring: config -> store, sources, sink and composer for one process."""

from __future__ import annotations

import linecache
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kaffe.compose.guard import GuardVerdict, check_draft
from kaffe.compose.render import Composer
from kaffe.config import load, paths
from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource, DraftReader, DraftSink, FeedSource, MailSource
from kaffe.daemon import health
from kaffe.daemon.cycle import CycleReport, run_cycle
from kaffe.daemon.executor import Executor
from kaffe.daemon.memo import CycleMemo
from kaffe.errors import AuthError, ConfigError, KaffeError, Problem, TransientError
from kaffe.model import Action, Draft, Recipient
from kaffe.relevance.live import Relevance
from kaffe.store import Store
from kaffe.store.reviews import OK, Review

if TYPE_CHECKING:
    import httpx

    from kaffe.connectors.google import GoogleConnection

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything a cycle needs, opened once per process (and again on reload)."""

    config: Config
    store: Store
    calendars: list[CalendarSource]
    mailboxes: list[MailSource]
    sink: DraftSink
    sender: Recipient
    feeds: list[FeedSource] = field(default_factory=list)
    composer: Composer = field(init=False)
    relevance: Relevance = field(init=False)
    memo: CycleMemo = field(init=False)  # what a cycle may reuse from the ones before
    caching: bool = True  # False: every cycle computes everything afresh (the bench)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.composer = Composer(self.config.templates.dir)
        self.relevance = Relevance(self.config)
        self.memo = CycleMemo(self.store)

    def render(self, action: Action) -> Draft:
        return self.composer.render(action, self.sender)

    @property
    def drafts(self) -> DraftReader | None:
        """The sink as a reader of your drafts, when it is one (Gmail and IMAP are)."""
        return self.sink if isinstance(self.sink, DraftReader) else None

    def made(self, draft: Draft, draft_id: str, now: datetime) -> None:
        """kaffe's draft, as it wrote it, needs no review: recorded as read (when the
        sink says which version it made), so only an edit of it is read."""
        reader = self.drafts
        version = reader.made_versions().get(draft_id) if reader is not None else None
        if reader is not None and version:
            review = Review(reader.name, version, draft_id, "", OK, now,
                            "kaffe's own draft, as kaffe wrote it",
                            tuple(r.email for r in draft.to), draft.subject)
            self.store.record_reviews(reader.name, [review], None)

    def guard(self, draft: Draft) -> GuardVerdict:
        """Every draft passes the guard: nothing that reads like asking for a job."""
        return check_draft(draft, self.config.guard)

    def cycle(
        self, now: datetime, *, dry_run: bool = False, stop: Callable[[], bool] | None = None
    ) -> CycleReport:
        """One cycle; ``dry_run`` syncs and plans but creates no draft; ``stop`` (SIGTERM)
        is asked between sources and between drafts."""
        executor = None if dry_run else Executor(self.store, self.sink, self.render, self.guard,
                                                 created=self.made)
        sources = (self.calendars, self.mailboxes, self.feeds)
        try:
            report = run_cycle(self.store, sources, executor, self.relevance, now, self.config,
                               stop=stop, memo=self.memo if self.caching else None,
                               drafts=self.drafts)
        except Exception as exc:  # recorded for `kaffe doctor`, then handled as before
            if executor is not None:
                health.note_cycle(self.store, _failed_cycle(now, exc))
            raise
        if executor is not None:
            health.note_drafts(self.store, self.sink.name, report.outcomes, now)
            health.note_cycle(self.store, health.CycleRecord(now, True, report.summary()))
        return report

    def close(self) -> None:
        for close in self.closers:
            close()
        self.store.close()


def _failed_cycle(now: datetime, exc: Exception) -> health.CycleRecord:
    if isinstance(exc, KaffeError):
        return health.CycleRecord(now, False, str(exc), exc.hint)
    # Only the type: a library's message may hold a URL with a token in it.
    return health.CycleRecord(now, False, f"an unexpected {type(exc).__name__}",
                              "see the log; `kaffe -v once` shows the traceback")


def open_runtime(config: Config, *, sleep: Callable[[float], None] | None = None) -> Runtime:
    """Open the store and connect every configured source and the draft sink
    (Google, ICS, CalDAV, IMAP: the registry maps each entry's type to its connector).
    ``sleep`` replaces time.sleep between Google retries (tests record it instead).

    Only what the config uses is imported: the feed client (httpx, feedparser) when
    there are feeds or ICS URLs, Google's client when an entry is Google's."""
    from kaffe.connectors import registry

    registry.require_libraries(config)  # a CalDAV entry without kaffe[caldav]: exit 78
    store = Store.open(paths.database_path(config))
    client = _http_client(config)  # shared by feeds and ICS URLs
    try:
        google = _google(config, sleep) if registry.needs_google(config) else None
        calendars = registry.calendar_sources(config, google=google, client=client)
        mailboxes = registry.mail_sources(config, google)
        sink = registry.draft_sink(config, google)
        address = _own_address(config, google, store)
    except BaseException:
        if client is not None:
            client.close()
        store.close()
        raise
    config = with_own_address(config, address)
    runtime = Runtime(config, store, calendars, mailboxes, sink, Recipient(address, config.me.name))
    if client is not None:
        runtime.closers.append(client.close)
        runtime.feeds = _feeds(config, client)
    return runtime


def _http_client(config: Config) -> httpx.Client | None:
    """The HTTP client feeds and ICS URLs share; None when the config has neither."""
    from kaffe.config.accounts import effective_calendars

    if not config.feeds and all(e.type != "ics" for e in effective_calendars(config)):
        return None
    from kaffe.connectors.feeds.fetch import make_client

    return make_client(config.feed_options)


def _feeds(config: Config, client: httpx.Client) -> list[FeedSource]:
    from kaffe.connectors.feeds.source import feed_source

    return [feed_source(f, config.feed_options, client=client) for f in config.feeds]


def _google(config: Config, sleep: Callable[[float], None] | None = None) -> GoogleConnection:
    """Connect lazily: a missing or revoked token must not stop the other sources. Each
    Google source raises the AuthError when used (and signs in again after `kaffe auth`)."""
    from kaffe.connectors.google import open_google

    if sleep is None:
        return open_google(config, paths.token_path(config), lazy=True)
    return open_google(config, paths.token_path(config), lazy=True, sleep=sleep)


def _own_address(config: Config, google: GoogleConnection | None, store: Store) -> str:
    """Who the drafts are from: [me] addresses, else the drafts account's address."""
    from kaffe.config.accounts import drafts_entry

    if config.me.addresses:
        return config.me.addresses[0]
    entry = drafts_entry(config)
    if entry.type == "google" and google is not None:
        return _google_address(google, store)
    if entry.address:
        return entry.address
    raise ConfigError([Problem(str(config.source or "config"), "me", "addresses",
                               "kaffe needs your address to write drafts from: set it here")])


GOOGLE_ADDRESS = "google:address"  # meta key: the account's address, as last seen


def _google_address(google: GoogleConnection, store: Store) -> str:
    """The signed-in account's address; while Google refuses or cannot be reached, the one
    seen last time, so that a bad token does not stop the other sources from syncing."""
    try:
        address = google.profile_email()
    except (AuthError, TransientError):
        known = store.get_meta(GOOGLE_ADDRESS)
        if not known:
            raise
        return known
    store.set_meta(GOOGLE_ADDRESS, address)
    return address


def with_own_address(config: Config, address: str) -> Config:
    """Make sure the account's own address counts as you in every rule."""
    address = address.lower()
    if address in config.me.addresses:
        return config
    me = replace(config.me, addresses=(*config.me.addresses, address))
    return replace(config, me=me)


class LiveRuntime:
    """The daemon's runtime, replaced by a fresh one when the config is reloaded (SIGHUP).

    The instance lock is the caller's and stays held across reloads."""

    def __init__(
        self, path: Path, runtime: Runtime, opener: Callable[[Config], Runtime] = open_runtime
    ) -> None:
        self.path = path
        self.runtime = runtime
        self.opener = opener
        self.trim = malloc_trim()
        forget_source_lines()

    @classmethod
    def open(cls, path: Path, opener: Callable[[Config], Runtime] = open_runtime) -> LiveRuntime:
        """Load ``path`` and open a runtime on it; a bad config raises ConfigError (exit 78)."""
        return cls(path, opener(load(path)), opener)

    @property
    def config(self) -> Config:
        return self.runtime.config

    def cycle(self, now: datetime, *, stop: Callable[[], bool] | None = None) -> CycleReport:
        """One cycle of the current runtime; then the heap's free pages go back to the
        system (a first sync parses thousands of messages, and their garbage would
        otherwise stay in the process's resident memory until it ends). The regular
        expressions the cycle compiled through ``re``'s functions go too: a first sync
        fills ``re``'s cache (512 patterns, one per MIME boundary) and a steady cycle
        compiles none again (bench/memory.py, with and without feeds). So do source
        lines a module read while the cycle imported it (see :func:`forget_source_lines`)."""
        try:
            return self.runtime.cycle(now, stop=stop)
        finally:
            re.purge()
            forget_source_lines()
            self.trim()

    def reload(self) -> Config | None:
        """Read the config file again and switch to a runtime opened on it.

        Returns the new config; on any problem logs every one of them at ERROR,
        keeps the old runtime and returns None."""
        try:
            fresh = self.opener(load(self.path))
        except ConfigError as exc:
            for problem in exc.problems:
                log.error("reload: %s", problem)
            log.error("kept the previous config: %s has %d problem(s)",
                      self.path, len(exc.problems))
            return None
        except Exception as exc:  # a failed reload must not end a daemon that runs for months
            log.error("reload of %s failed, kept the previous config: %s", self.path, exc)
            return None
        old, self.runtime = self.runtime, fresh
        old.close()
        self.trim()
        log.info("reloaded config from %s", self.path)
        return fresh.config

    def close(self) -> None:
        self.runtime.close()

    def __enter__(self) -> LiveRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def malloc_trim() -> Callable[[], None]:
    """A call that returns the C heap's free memory to the system: glibc's
    ``malloc_trim(0)``, or nothing where the C library has none (musl, macOS).

    Measured with bench/memory.py (20 feeds, 1,000 contacts, 10,000 messages): the
    peak of cycles 11-20 falls from 132.8 to 122.9 MB; a call took 0.1-0.2 ms there."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return lambda: None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int

    def release() -> None:
        trim(0)

    return release


def forget_source_lines() -> None:
    """Empty :mod:`linecache`: once the runtime's imports are done, and after each cycle.

    pyparsing (imported through httplib2's auth module, which kaffe defers until the
    first 401 response: kaffe/_lazy.py) reads its own source files while it builds its
    grammars, and those lines (0.56 MB of small strings) would stay in memory for the
    life of the daemon. They are only needed to print a traceback, and :mod:`traceback`
    reads them again when it does. Done before cycle 1 too, so that the first cycle's
    rows fill the space that a module imported at start-up may leave."""
    linecache.clearcache()
