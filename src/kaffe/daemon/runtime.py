"""Wiring: config -> store, sources, sink and composer for one process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from kaffe.compose.render import Composer
from kaffe.config import paths
from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource, DraftSink, FeedSource, MailSource
from kaffe.daemon.cycle import CycleReport, run_cycle
from kaffe.daemon.executor import Executor
from kaffe.daemon.learn import Relevance
from kaffe.errors import ConfigError, Problem
from kaffe.model import Action, Draft, Recipient
from kaffe.rules.guard import GuardVerdict, check
from kaffe.store import Store

if TYPE_CHECKING:
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
    closers: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.composer = Composer(self.config.templates.dir)
        self.relevance = Relevance(self.config)

    def render(self, action: Action) -> Draft:
        return self.composer.render(action, self.sender)

    def guard(self, draft: Draft) -> GuardVerdict:
        """Every draft passes the guard: nothing that reads like asking for a job."""
        return check(f"{draft.subject}\n{draft.body}", self.config.guard)

    def cycle(self, now: datetime, *, dry_run: bool = False) -> CycleReport:
        """One cycle; ``dry_run`` syncs and plans but creates no draft."""
        executor = None if dry_run else Executor(self.store, self.sink, self.render, self.guard)
        sources = (self.calendars, self.mailboxes, self.feeds)
        return run_cycle(self.store, sources, executor, self.relevance, now, self.config)

    def close(self) -> None:
        for close in self.closers:
            close()
        self.store.close()


def open_runtime(config: Config) -> Runtime:
    """Open the store and connect every configured source and the draft sink
    (Google, ICS, CalDAV, IMAP: the registry maps each entry's type to its connector)."""
    from kaffe.connectors import registry
    from kaffe.connectors.feeds import feed_source, make_client

    store = Store.open(paths.database_path(config))
    client = make_client(config.feed_options)  # shared by feeds and ICS URLs
    try:
        google = _google(config) if registry.needs_google(config) else None
        calendars = registry.calendar_sources(config, google=google, client=client)
        mailboxes = registry.mail_sources(config, google)
        sink = registry.draft_sink(config, google)
        address = _own_address(config, google)
    except BaseException:
        client.close()
        store.close()
        raise
    config = with_own_address(config, address)
    runtime = Runtime(config, store, calendars, mailboxes, sink, Recipient(address, config.me.name))
    runtime.closers.append(client.close)
    runtime.feeds = [feed_source(f, config.feed_options, client=client) for f in config.feeds]
    return runtime


def _google(config: Config) -> GoogleConnection:
    from kaffe.connectors.google import open_google

    return open_google(config, paths.token_path(config))


def _own_address(config: Config, google: GoogleConnection | None) -> str:
    """Who the drafts are from: [me] addresses, else the drafts account's address."""
    from kaffe.config.accounts import drafts_entry

    if config.me.addresses:
        return config.me.addresses[0]
    entry = drafts_entry(config)
    if entry.type == "google" and google is not None:
        return google.profile_email()
    if entry.address:
        return entry.address
    raise ConfigError([Problem(str(config.source or "config"), "me", "addresses",
                               "kaffe needs your address to write drafts from: set it here")])


def with_own_address(config: Config, address: str) -> Config:
    """Make sure the account's own address counts as you in every rule."""
    address = address.lower()
    if address in config.me.addresses:
        return config
    me = replace(config.me, addresses=(*config.me.addresses, address))
    return replace(config, me=me)
