"""Wiring: config -> store, sources, sink and composer for one process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from kaffe.compose.render import Composer
from kaffe.config import paths
from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource, DraftSink, FeedSource, MailSource
from kaffe.daemon.cycle import CycleReport, run_cycle
from kaffe.daemon.executor import Executor
from kaffe.daemon.learn import Relevance
from kaffe.model import Action, Draft, Recipient
from kaffe.rules.guard import GuardVerdict, check
from kaffe.store import Store

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
    """Open the store and connect the configured sources and the draft sink."""
    from kaffe.connectors.google import open_google

    store = Store.open(paths.database_path(config))
    try:
        google = open_google(config, paths.token_path(config))
        address = config.me.addresses[0] if config.me.addresses else google.profile_email()
    except BaseException:
        store.close()
        raise
    sender = Recipient(address, config.me.name)
    config = with_own_address(config, address)
    mailboxes: list[MailSource] = [google.mail] if google.mail is not None else []
    runtime = Runtime(config, store, list(google.calendars), mailboxes, google.drafts, sender)
    if config.feeds:
        from kaffe.connectors.feeds import feed_source, make_client

        client = make_client(config.feed_options)
        runtime.closers.append(client.close)
        runtime.feeds = [feed_source(f, config.feed_options, client=client) for f in config.feeds]
    return runtime


def with_own_address(config: Config, address: str) -> Config:
    """Make sure the account's own address counts as you in every rule."""
    address = address.lower()
    if address in config.me.addresses:
        return config
    me = replace(config.me, addresses=(*config.me.addresses, address))
    return replace(config, me=me)
