"""Wiring: config -> store, sources, sink and composer for one process."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from kaffe.compose.render import Composer
from kaffe.config import paths
from kaffe.config.schema import Config
from kaffe.connectors.base import CalendarSource, DraftSink, MailSource
from kaffe.daemon.cycle import CycleReport, run_cycle
from kaffe.daemon.executor import Executor
from kaffe.model import Action, Draft, Recipient
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
    composer: Composer = field(init=False)

    def __post_init__(self) -> None:
        self.composer = Composer(self.config.templates.dir)

    def render(self, action: Action) -> Draft:
        return self.composer.render(action, self.sender)

    def cycle(self, now: datetime, *, dry_run: bool = False) -> CycleReport:
        """One cycle; ``dry_run`` syncs and plans but creates no draft."""
        executor = None if dry_run else Executor(self.store, self.sink, self.render)
        sources = (self.calendars, self.mailboxes)
        return run_cycle(self.store, sources, executor, now, self.config)

    def close(self) -> None:
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
    return Runtime(config, store, list(google.calendars), mailboxes, google.drafts, sender)


def with_own_address(config: Config, address: str) -> Config:
    """Make sure the account's own address counts as you in every rule."""
    address = address.lower()
    if address in config.me.addresses:
        return config
    me = replace(config.me, addresses=(*config.me.addresses, address))
    return replace(config, me=me)
