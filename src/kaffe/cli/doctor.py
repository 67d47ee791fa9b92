"""``kaffe doctor``: check every part a cycle needs and say in words what is wrong.

One check per calendar and per mailbox of the config (``[[calendars]]``,
``[[mail]]``, or the implicit Google ones). Each check is a small function that
returns :class:`Check` results; a failing one does not stop the others.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kaffe.cli.check import Check
from kaffe.cli.diagnose import network_words
from kaffe.cli.doctor_storage import check_data_folder
from kaffe.config import load, paths
from kaffe.config.accounts import (
    NEEDS_PASSWORD,
    effective_calendars,
    effective_mail,
    reads_mail,
)
from kaffe.config.schema import CalendarEntryConfig, Config, MailEntryConfig
from kaffe.connectors import registry
from kaffe.connectors.secrets import read_password
from kaffe.daemon import problems as read_problems
from kaffe.daemon.problems import Kept
from kaffe.errors import AuthError, ConfigError, KaffeError
from kaffe.timeutil import now_utc, stamp
from kaffe.wording import plural

if TYPE_CHECKING:
    from kaffe.daemon.health import CycleRecord, SourceHealth

log = logging.getLogger(__name__)

DEFAULT_HINT = "see `kaffe -v doctor`"


def _private(path: Path) -> Check:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Check(f"mode of {path.name}", False, f"{oct(mode)} is readable by others",
                     f"chmod 600 {path}")
    return Check(f"mode of {path.name}", True, "0600")


def check_database(config: Config) -> list[Check]:
    """The data folder has room and takes writes; the database opens (migrating it if
    needed), takes a write and is private."""
    from kaffe.store import Store

    path = paths.database_path(config)
    checks = check_data_folder(path.parent)
    try:
        with Store.open(path) as store:
            version = store.schema_version
            store.set_meta("doctor:checked_at", now_utc().isoformat())  # a real write
    except (OSError, KaffeError) as exc:
        return [*checks, Check("database", False, str(exc), exc_hint(exc))]
    return [*checks, Check("database", True, f"{path} (schema v{version}, writable)"),
            _private(path)]


def exc_hint(exc: BaseException) -> str:
    return getattr(exc, "hint", "") or "check that the data folder is writable"


def check_google(config: Config) -> tuple[list[Check], Any]:
    """The Google token exists, is private and signs in; returns the connection (or None)."""
    from kaffe.connectors.google import open_google

    if not registry.needs_google(config):
        return [], None
    token = paths.token_path(config)
    if not token.exists():
        return [Check("google token", False, f"{token} does not exist", "run `kaffe auth`")], None
    try:
        google = open_google(config, token)
        email = google.profile_email()
    except KaffeError as exc:
        return [_private(token), _failed("google", exc)], None
    checks = [_private(token), Check("google", True, f"signed in as {email}")]
    return [*checks, *check_permissions(token)], google


def check_permissions(token: Path) -> list[Check]:
    """A FAIL line for the permissions the stored token was not granted (a partial grant
    on Google's consent page, or a narrower refresh), each with what kaffe cannot do."""
    from kaffe.connectors.google.permissions import GRANT_HINT, missing_lines

    lines = missing_lines(token)
    if not lines:
        return []
    return [Check("google permissions", False, "; ".join(lines), GRANT_HINT)]


def _failed(name: str, exc: KaffeError, words: str = "") -> Check:
    return Check(name, False, words or str(exc), exc.hint or DEFAULT_HINT)


# -- calendars ---------------------------------------------------------------------------
def check_calendar(entry: CalendarEntryConfig, config: Config, google: Any, *,
                   now: datetime) -> Check:
    """One calendar answers a one-day query; a failure is said in words."""
    name = f"calendar {entry.name}"
    if entry.type == "google" and google is None:
        return Check(name, False, "not checked: the Google sign-in failed (see above)")
    missing = registry.missing_library(entry)
    if missing:  # a CalDAV entry without kaffe[caldav]
        return Check(name, False, f'type "{entry.type}" needs {missing}',
                     "install the extra, or take the entry out of the config")
    try:
        if entry.type in NEEDS_PASSWORD:
            read_password(entry)  # its own failure first: not set, unreadable, no keyring
    except KaffeError as exc:
        return _failed(name, exc)
    try:
        source = registry.calendar_source(entry, config, google=google)
        batch = source.sync(None, window_start=now, window_end=now + timedelta(days=1))
    except KaffeError as exc:
        return _failed(name, exc, _calendar_words(exc, entry))
    if batch.problems:  # readable, but not all of it: say what, and what to do
        first = batch.problems[0]
        more = f" (and {len(batch.problems) - 1} more)" if len(batch.problems) > 1 else ""
        return Check(name, True, f"readable, but today's part has reading problems: "
                     f"{first}{more}", read_problems.hint(source.name, first), warning=True)
    return Check(name, True, "readable")


def _calendar_words(exc: KaffeError, entry: CalendarEntryConfig) -> str:
    if isinstance(exc, AuthError) and entry.type == "caldav":
        return f"the server refused user {entry.username}'s password ({exc})"
    return network_words(exc, _url_host(entry.url)) or str(exc)


def _url_host(url: str) -> str:
    return urlsplit(url).netloc or url


# -- mail --------------------------------------------------------------------------------
def check_mailbox(entry: MailEntryConfig, config: Config, google: Any) -> Check:
    """One mailbox: Gmail signs in; IMAP logs in and has its Sent and Drafts folders."""
    name = f"mailbox {entry.name}"
    if entry.type == "google":
        if google is None:
            return Check(name, False, "not checked: the Google sign-in failed (see above)")
        return Check(name, True, f"Gmail, {_mail_roles(entry, config)}")
    try:
        account = registry.imap_account(entry, config)
    except KaffeError as exc:  # the password source: not set, unreadable, no keyring
        return _failed(name, exc)
    return _check_imap(name, entry, config, account)


def _mail_roles(entry: MailEntryConfig, config: Config) -> str:
    roles = (["read"] if reads_mail(entry, config) else []) + (
        ["receives drafts"] if entry.drafts or not config.mail else [])
    return " and ".join(roles) or "not used"


def _check_imap(name: str, entry: MailEntryConfig, config: Config, account: Any) -> Check:
    from kaffe.connectors.imap.conn import session

    try:
        with session(account) as imap:
            folders = _imap_folders(imap, entry, config)
    except _FolderMissing as missing:
        return Check(name, False, str(missing), missing.hint)
    except AuthError as exc:
        cause = exc.__cause__ or exc
        words = f"the server refused user {entry.username}'s password ({_imap_reason(cause)})"
        return _failed(name, exc, words)
    except KaffeError as exc:
        return _failed(name, exc, network_words(exc, f"{entry.host}:{entry.port}"))
    return Check(name, True, f"logged in as {entry.username}; {folders}")


class _FolderMissing(KaffeError):
    pass


def _imap_folders(imap: Any, entry: MailEntryConfig, config: Config) -> str:
    from kaffe.connectors.imap.folders import find_folder, parse_list

    listing = parse_list(imap.folders())
    wanted = [("sent", entry.sent_folder)] if reads_mail(entry, config) else []
    wanted += [("drafts", entry.drafts_folder)] if entry.drafts else []
    found = []
    for role, configured in wanted:
        try:
            found.append(f"{role.capitalize()}: {find_folder(listing, role, configured)}")
        except KaffeError as exc:
            raise _FolderMissing(_folder_words(role, configured), hint=exc.hint) from exc
    return ", ".join(found) or "no folders needed"


def _folder_words(role: str, configured: str) -> str:
    key, title = f"{role}_folder", role.capitalize()
    if configured:
        return f"the {title} folder {configured!r} does not exist: correct {key}"
    return f"no {title} folder: set {key}"


def _imap_reason(exc: BaseException) -> str:
    text = str(exc)
    return text[2:-1] if text[:2] in ("b'", 'b"') else text


# -- what the daemon saw ----------------------------------------------------------------
def check_last_cycles(config: Config) -> list[Check]:
    """The failures the daemon recorded in its last cycles (none before the first cycle)."""
    from kaffe.daemon import health
    from kaffe.store import Store

    path = paths.database_path(config)
    if not path.is_file():  # none yet; or unusable, which the database check says
        return []
    names = registry.source_names(config)  # a source taken out of the config is not shown
    try:
        with Store.open(path) as store:
            runs = {n: r for n, r in store.source_runs().items() if n in names}
            failing = health.failing(store, names)
            cycles = health.last_cycles(store)
            kept = read_problems.load_all(store, names)
    except (OSError, KaffeError):
        return []  # the database check above says why it cannot be opened
    outcome = [cycle_outcome(cycles, config.me.zone)] if cycles else []
    outcome += problem_checks(kept, config.me.zone)
    if not runs:
        return outcome
    if not failing:
        worked = f"every source worked at its last run ({len(runs)} in all)"
        return [*outcome, Check("last cycles", True, worked)]
    return [*outcome, *(_stored_failure(h, config.me.zone) for h in failing)]


def problem_checks(kept: list[Kept], zone: tzinfo = UTC) -> list[Check]:
    """A warning per reading problem the daemon kept, with what to do: the source
    read, but not all of it."""
    return [
        Check(f"reading problem: {source.source}", True,
              f"{text} (last seen {stamp(seen, zone)})",
              read_problems.hint(source.source, text), warning=True)
        for source in kept for text, seen in source.items
    ]


def cycle_outcome(cycles: list[CycleRecord], zone: tzinfo = UTC) -> Check:
    """How the last cycles ended: the newest one failing is a FAIL with its fix."""
    last, failed = cycles[-1], sum(1 for c in cycles if not c.ok)
    tally = f"{failed} of the last {len(cycles)} failed"
    if last.ok:
        return Check("cycles", True, f"the last one, at {stamp(last.at, zone)}, "
                     f"completed ({tally})")
    return Check("cycles", False, f"the last one, at {stamp(last.at, zone)}, failed: "
                 f"{last.detail} ({tally})", last.hint or DEFAULT_HINT)


def _stored_failure(failing: SourceHealth, zone: tzinfo) -> Check:
    detail = (f"failing since {stamp(failing.since, zone)} ({failing.kind} error, last "
              f"tried {stamp(failing.last_failure, zone)}): {failing.message}")
    return Check(f"last cycles: {failing.source}", False, detail, failing.hint or DEFAULT_HINT)


def check_targets(config: Config) -> list[Check]:
    """``[outreach] targets_file``, when set: readable, and its rows all usable."""
    path = config.outreach.targets_file
    if path is None:
        return []
    from kaffe.topics.targets import TargetsError, read_targets

    try:
        read = read_targets(path, config.me)
    except TargetsError as exc:
        return [Check("targets file", False, str(exc),
                      exc.hint or "fix the header line: " + "name,email,company,role,theme,"
                      "offer,introduced_by,language")]
    if read.problems:
        return [Check("targets file", True, f"{path}: {plural(len(read.targets), 'target')}; "
                      f"{plural(len(read.problems), 'problem')} (`kaffe targets` lists them)")]
    return [Check("targets file", True, f"{path}: {plural(len(read.targets), 'target')}")]


# -- all of it ---------------------------------------------------------------------------
def check_sources(config: Config, *, now: datetime | None = None) -> list[Check]:
    """Google, then every calendar and every mailbox; each failure is its own line."""
    checks, google = check_google(config)
    moment = now or now_utc()
    checks += [check_calendar(e, config, google, now=moment) for e in effective_calendars(config)]
    checks += [check_mailbox(e, config, google) for e in effective_mail(config)]
    return checks


def run_checks(config_arg: str | None) -> list[Check]:
    """Run every check; a failing early one (the config) stops those that depend on it."""
    path = paths.config_path(Path(config_arg) if config_arg else None, os.environ)
    try:
        config = load(path)
    except ConfigError as exc:
        return [Check("config", False, f"{path}: {p}") for p in exc.problems] or [
            Check("config", False, str(exc), "run `kaffe init`")
        ]
    steps: list[Callable[[Config], list[Check]]] = [
        check_database, check_targets, check_sources, check_last_cycles]
    checks = [Check("config", True, f"{path} (times shown in {config.me.timezone})")]
    for step in steps:
        checks += step(config)
    return checks
