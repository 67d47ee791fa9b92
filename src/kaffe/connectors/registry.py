"""From the config's ``type`` to the connector: a small dict of factories per capability.

Connector modules are imported when an entry needs them, so a Google-only set-up
never loads the IMAP or CalDAV code (nor the ``caldav`` library). Passwords are
read here, when a source is built, through :mod:`kaffe.connectors.secrets`.

``type = "caldav"`` needs an extra (``pip install 'kaffe[caldav]'``): the ``caldav``
library brings niquests and urllib3-future, which installs itself under the import
name ``urllib3`` and so replaces urllib3 for every other package in the environment.
:func:`missing_libraries` says so as a config problem before anything is opened.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from kaffe.config.accounts import drafts_entry, effective_calendars, effective_mail, reads_mail
from kaffe.config.schema import CalendarEntryConfig, Config, MailEntryConfig
from kaffe.connectors.base import CalendarSource, DraftSink, MailSource
from kaffe.connectors.secrets import read_password
from kaffe.errors import ConfigError, ConnectorError, Problem

if TYPE_CHECKING:
    import httpx

    from kaffe.connectors.google import GoogleConnection

log = logging.getLogger(__name__)

IMAP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Shared:
    """What factories share: the config, the Google connection and an HTTP client."""

    config: Config
    google: GoogleConnection | None = None
    client: httpx.Client | None = None  # for ICS URLs; None: the source makes its own


def _module(name: str, entry_type: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        extra = EXTRAS.get(entry_type, ("", ""))[1]
        hint = install_hint(extra) if extra else "reinstall kaffe with its dependencies"
        raise ConnectorError(f'type = "{entry_type}" is not available: cannot import {name}: '
                             f"{exc}", hint=hint) from exc


# Entry types whose library is an optional extra: type -> (import name, extra's name).
EXTRAS: dict[str, tuple[str, str]] = {"caldav": ("caldav", "caldav")}


def install_hint(extra: str) -> str:
    return f"pip install 'kaffe[{extra}]'"


def missing_library(entry: CalendarEntryConfig) -> str:
    """What ``entry``'s type lacks here: "the caldav library, which is not installed:
    pip install 'kaffe[caldav]'", or "" (looked up without importing it)."""
    library, extra = EXTRAS.get(entry.type, ("", ""))
    if not library or importlib.util.find_spec(library) is not None:
        return ""
    return f"the {library} library, which is not installed: {install_hint(extra)}"


def missing_libraries(config: Config) -> list[Problem]:
    """One problem per ``[[calendars]]`` entry whose type needs a library that is not
    installed."""
    source = str(config.source or "config")
    return [Problem(source, "calendars", "type", f'"{entry.type}" needs {missing}', index=n)
            for n, entry in enumerate(config.calendars, 1)
            if (missing := missing_library(entry))]


def require_libraries(config: Config) -> None:
    """Raise ConfigError (exit 78) when an entry needs a library that is not installed."""
    problems = missing_libraries(config)
    if problems:
        error = ConfigError(problems)
        error.hint = "install the extra, or take the entry out of the config"
        raise error


def _need_google(ctx: Shared, what: str) -> GoogleConnection:
    if ctx.google is None:
        raise ConnectorError(f"{what} is a Google entry, but there is no Google connection",
                             hint="run `kaffe auth` to sign in to Google")
    return ctx.google


# -- calendars ---------------------------------------------------------------------------
def _google_calendar(entry: CalendarEntryConfig, ctx: Shared) -> CalendarSource:
    google = _need_google(ctx, f"calendar {entry.name}")
    for source in google.calendars:
        if source.calendar_id == entry.calendar_id:
            return source
    from kaffe.connectors.google import GoogleCalendarSource

    if not google.calendars:
        raise ConnectorError(f"calendar {entry.name}: the Google connection has no Calendar "
                             "client")
    return GoogleCalendarSource(
        google.calendars[0].service, entry.calendar_id,
        self_addresses=ctx.config.me.addresses, num_retries=google.num_retries,
        sleep=google.sleep,
    )


def _ics_calendar(entry: CalendarEntryConfig, ctx: Shared) -> CalendarSource:
    module = _module("kaffe.connectors.ics_source", "ics")
    source: CalendarSource = module.IcsCalendarSource(
        entry.name, entry.url, self_addresses=ctx.config.me.addresses,
        floating=ctx.config.me.zone, options=ctx.config.feed_options,
        max_bytes=entry.max_bytes, client=ctx.client,
    )
    return source


def _caldav_calendar(entry: CalendarEntryConfig, ctx: Shared) -> CalendarSource:
    module = _module("kaffe.connectors.caldav_source", "caldav")
    source: CalendarSource = module.CalDavCalendarSource(
        entry.name, entry.url, username=entry.username, password=read_password(entry),
        calendar=entry.calendar, self_addresses=ctx.config.me.addresses,
        floating=ctx.config.me.zone,
    )
    return source


CALENDAR_FACTORIES: dict[str, Callable[[CalendarEntryConfig, Shared], CalendarSource]] = {
    "google": _google_calendar,
    "ics": _ics_calendar,
    "caldav": _caldav_calendar,
}


# -- mail --------------------------------------------------------------------------------
def imap_account(entry: MailEntryConfig, config: Config, **extra: Any) -> Any:
    """The :class:`~kaffe.connectors.imap.conn.ImapAccount` of an IMAP ``[[mail]]`` entry."""
    module = _module("kaffe.connectors.imap.conn", "imap")
    return module.ImapAccount(
        entry.name, entry.host, entry.port, entry.username, read_password(entry),
        tls=entry.tls, address=entry.address, aliases=config.me.addresses,
        timeout=IMAP_TIMEOUT_SECONDS, sent_folder=entry.sent_folder,
        drafts_folder=entry.drafts_folder, **extra,
    )


def _gmail(entry: MailEntryConfig, ctx: Shared) -> MailSource:
    google = _need_google(ctx, f"mailbox {entry.name}")
    if google.mail is None:
        raise ConnectorError(f"mailbox {entry.name}: Gmail is not opened ([gmail] enabled "
                             "= false)")
    return google.mail


def _imap_mail(entry: MailEntryConfig, ctx: Shared) -> MailSource:
    module = _module("kaffe.connectors.imap.source", "imap")
    source: MailSource = module.ImapMailSource(
        imap_account(entry, ctx.config), invite_days=ctx.config.mailboxes.invite_days,
        lookahead=timedelta(days=ctx.config.detect.lookahead_days),
    )
    return source


MAIL_FACTORIES: dict[str, Callable[[MailEntryConfig, Shared], MailSource]] = {
    "google": _gmail,
    "imap": _imap_mail,
}


def _gmail_sink(entry: MailEntryConfig, ctx: Shared) -> DraftSink:
    return _need_google(ctx, f"mailbox {entry.name}").drafts


def _imap_sink(entry: MailEntryConfig, ctx: Shared) -> DraftSink:
    module = _module("kaffe.connectors.imap.drafts", "imap")
    sink: DraftSink = module.ImapDraftSink(imap_account(entry, ctx.config))
    return sink


SINK_FACTORIES: dict[str, Callable[[MailEntryConfig, Shared], DraftSink]] = {
    "google": _gmail_sink,
    "imap": _imap_sink,
}


# -- the public face ---------------------------------------------------------------------
def calendar_source(
    entry: CalendarEntryConfig, config: Config, *, google: GoogleConnection | None = None,
    client: httpx.Client | None = None,
) -> CalendarSource:
    """The source for one calendar entry (raises AuthError when its password is missing)."""
    return CALENDAR_FACTORIES[entry.type](entry, Shared(config, google, client))


def calendar_sources(
    config: Config, *, google: GoogleConnection | None, client: httpx.Client | None = None
) -> list[CalendarSource]:
    """One source per ``[[calendars]]`` entry (or per ``[google] calendar_ids``)."""
    return [calendar_source(e, config, google=google, client=client)
            for e in effective_calendars(config)]


def mail_source(
    entry: MailEntryConfig, config: Config, google: GoogleConnection | None = None
) -> MailSource:
    """The source for one mail entry."""
    return MAIL_FACTORIES[entry.type](entry, Shared(config, google))


def mail_sources(config: Config, google: GoogleConnection | None) -> list[MailSource]:
    """One source per mailbox that is read (Gmail only while ``[gmail] enabled``)."""
    return [mail_source(e, config, google) for e in effective_mail(config)
            if reads_mail(e, config)]


def draft_sink(config: Config, google: GoogleConnection | None) -> DraftSink:
    """The sink of the mail entry with ``drafts = true`` (the first one by default)."""
    entry = drafts_entry(config)
    return SINK_FACTORIES[entry.type](entry, Shared(config, google))


def needs_google(config: Config) -> bool:
    """Whether any calendar or mailbox (the implicit defaults included) is Google's."""
    entries: tuple[CalendarEntryConfig | MailEntryConfig, ...] = (
        *effective_calendars(config), *effective_mail(config))
    return any(entry.type == "google" for entry in entries)


# How each kind of source names itself in the store (cursors, source runs, health).
CALENDAR_NAMES: dict[str, Callable[[CalendarEntryConfig], str]] = {
    "google": lambda e: f"google:{e.calendar_id}",
    "ics": lambda e: f"ics:{e.name}",
    "caldav": lambda e: f"caldav:{e.name}",
}
MAIL_NAMES: dict[str, Callable[[MailEntryConfig], str]] = {
    "google": lambda e: "gmail",
    "imap": lambda e: f"imap:{e.name}",
}


def source_names(config: Config) -> set[str]:
    """The store's names of every source and of the draft sink this config has, without
    connecting to any: what `kaffe status` and `kaffe doctor` show (a source taken out
    of the config keeps its stored rows, in case it comes back, but is not shown)."""
    names = {CALENDAR_NAMES[e.type](e) for e in effective_calendars(config)}
    names |= {MAIL_NAMES[e.type](e) for e in effective_mail(config) if reads_mail(e, config)}
    names |= {f"feed:{f.name or f.url}" for f in config.feeds}
    return names | {f"drafts:{MAIL_NAMES[drafts_entry(config).type](drafts_entry(config))}"}
