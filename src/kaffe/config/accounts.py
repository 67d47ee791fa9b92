"""``[[calendars]]`` and ``[[mail]]``: per-type checks, defaults and the implicit Google ones.

An entry's keys are first checked one by one (:mod:`.validate`, :mod:`.checks`);
here each entry is checked as a whole for its ``type``: which keys it needs,
which it may not use, exactly one password source. Without ``[[calendars]]``
the ``[google] calendar_ids`` are the calendars, and without ``[[mail]]`` the
Gmail mailbox is the one (read when ``[gmail] enabled``): see
:func:`effective_calendars` and :func:`effective_mail`.
"""

from __future__ import annotations

import dataclasses
import logging
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kaffe.config import checks
from kaffe.config.checks import Context, Invalid, show
from kaffe.config.schema import PASSWORD_KEYS, CalendarEntryConfig, Config, MailEntryConfig
from kaffe.fsutil import file_url_path

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PLAIN_PORT = 143  # IMAP without implicit TLS (starttls, none)
NO_INLINE_PASSWORD = (
    "inline passwords are not allowed: put it in a file (password_file), "
    "an environment variable (password_env) or the system keyring (password_keyring)"
)

_ALWAYS = ("type", "name")
# type -> the keys an entry of that type may set (beyond type and name)
CALENDAR_KEYS: dict[str, tuple[str, ...]] = {
    "google": ("calendar_id",),
    "ics": ("url", "max_bytes"),
    "caldav": ("url", "username", *PASSWORD_KEYS, "calendar"),
}
CALENDAR_REQUIRED: dict[str, tuple[str, ...]] = {
    "google": (), "ics": ("url",), "caldav": ("url", "username"),
}
MAIL_KEYS: dict[str, tuple[str, ...]] = {
    "google": ("address", "drafts"),
    "imap": ("host", "port", "tls", "username", *PASSWORD_KEYS, "address",
             "drafts_folder", "sent_folder", "drafts"),
}
MAIL_REQUIRED: dict[str, tuple[str, ...]] = {"google": (), "imap": ("host", "username")}
NEEDS_PASSWORD = frozenset({"caldav", "imap"})


def local_location(url: str, base_dir: Path) -> str:
    """An http(s) or webcal URL as it is; a ``file://`` URL or a path made absolute
    against ``base_dir``."""
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https", *checks.WEBCAL_SCHEMES):
        return url
    path = file_url_path(parts.path) if parts.scheme.lower() == "file" else Path(url)
    return str((base_dir / path.expanduser()).resolve())


def _check_keys(
    section: str, kind: str, table: dict[str, Any], allowed: dict[str, tuple[str, ...]],
    required: dict[str, tuple[str, ...]], index: int, ctx: Context,
) -> None:
    for key in required[kind]:
        if not str(table.get(key, "")).strip():
            ctx.report(section, key, f'missing: type = "{kind}" needs a {key}', index)
    usable = set(_ALWAYS) | set(allowed[kind])
    for key in table:
        if key not in usable and key in _allowed_anywhere(allowed):
            ctx.report(section, key, f'not used by type = "{kind}"', index)


def _allowed_anywhere(allowed: dict[str, tuple[str, ...]]) -> set[str]:
    """Every key some type of the entry uses (others are reported as unknown already)."""
    return {key for keys in allowed.values() for key in keys}


def _check_password(section: str, entry: Any, table: dict[str, Any], index: int,
                    ctx: Context) -> None:
    given = [key for key in PASSWORD_KEYS if key in table]
    if not given:
        ctx.report(section, "password_file", "missing: a password is needed; set one of "
                   "password_file, password_env or password_keyring", index)
    elif len(given) > 1:
        ctx.report(section, given[1], f"only one password source may be set, "
                   f"and {given[0]} is already", index)
    elif entry.password_file is not None:
        _check_password_file(section, entry.password_file, index, ctx)


def _check_password_file(section: str, path: Path, index: int, ctx: Context) -> None:
    try:
        mode_of = path.stat().st_mode
    except FileNotFoundError:
        ctx.report(section, "password_file", f"{path} does not exist", index)
        return
    except OSError as exc:
        ctx.report(section, "password_file", f"cannot read {path}: {exc.strerror}", index)
        return
    mode = stat.S_IMODE(mode_of)
    if stat.S_ISDIR(mode_of):
        ctx.report(section, "password_file", f"{path} is a folder: name the file that holds "
                   "the password", index)
    elif mode & 0o077:  # refused as ssh refuses a private key others may read
        ctx.report(section, "password_file", f"{path} may be read by others (mode "
                   f"{mode:04o}): run `chmod 600 {path}`", index)


def _check_name(section: str, table: dict[str, Any], index: int, ctx: Context) -> None:
    if not str(table.get("name", "")).strip():
        ctx.report(section, "name", f"missing: every [[{section}]] entry needs a name", index)


def _kind(section: str, entry: Any, table: dict[str, Any], index: int, ctx: Context) -> str:
    """The entry's valid type, or "" (reported when missing; a bad one is reported already)."""
    if "type" not in table:
        types = checks.CALENDAR_TYPES if section == "calendars" else checks.MAIL_TYPES
        choices = ", ".join(f'"{t}"' for t in types)
        ctx.report(section, "type", f"missing: set type to one of {choices}", index)
    return str(entry.type)


def finish_calendar(
    entry: CalendarEntryConfig, table: dict[str, Any], index: int, ctx: Context
) -> CalendarEntryConfig:
    """Check one ``[[calendars]]`` entry against its type; resolve an ICS path."""
    _check_name("calendars", table, index, ctx)
    kind = _kind("calendars", entry, table, index, ctx)
    if not kind:
        return entry
    _check_keys("calendars", kind, table, CALENDAR_KEYS, CALENDAR_REQUIRED, index, ctx)
    if kind in NEEDS_PASSWORD:
        _check_password("calendars", entry, table, index, ctx)
    if entry.url:
        return _finish_calendar_url(entry, kind, index, ctx)
    return entry


def _finish_calendar_url(
    entry: CalendarEntryConfig, kind: str, index: int, ctx: Context
) -> CalendarEntryConfig:
    try:
        if kind == "caldav":
            checks.url(entry.url)
            return entry
        url = checks.calendar_url(entry.url)
    except Invalid as exc:
        ctx.report("calendars", "url", str(exc), index)
        return entry
    return dataclasses.replace(entry, url=local_location(url, ctx.base_dir))


def finish_mail(
    entry: MailEntryConfig, table: dict[str, Any], index: int, ctx: Context
) -> MailEntryConfig:
    """Check one ``[[mail]]`` entry against its type; fill in the port and address."""
    _check_name("mail", table, index, ctx)
    kind = _kind("mail", entry, table, index, ctx)
    if kind != "imap":
        if kind:
            _check_keys("mail", kind, table, MAIL_KEYS, MAIL_REQUIRED, index, ctx)
        return entry
    _check_keys("mail", kind, table, MAIL_KEYS, MAIL_REQUIRED, index, ctx)
    _check_password("mail", entry, table, index, ctx)
    if entry.tls == "none" and entry.host.strip().lower() not in LOOPBACK_HOSTS:
        ctx.report("mail", "tls", f'"none" would send your password unencrypted to '
                   f'{show(entry.host)}; it is allowed for localhost only: use "ssl" '
                   f'(port 993) or "starttls" (port 143)', index)
    return _imap_defaults(entry, table)


def _imap_defaults(entry: MailEntryConfig, table: dict[str, Any]) -> MailEntryConfig:
    port = entry.port if "port" in table or entry.tls == "ssl" else PLAIN_PORT
    address = entry.address
    if not address:
        try:
            address = checks.email(entry.username)
        except Invalid:
            address = ""
    return dataclasses.replace(entry, host=entry.host.strip(), port=port, address=address)


def names_unique(config: Config, ctx: Context) -> None:
    """Names key each calendar's and mailbox's saved state: no two may share one."""
    for section in ("calendars", "mail"):
        seen: dict[str, int] = {}
        for index, entry in enumerate(getattr(config, section), start=1):
            if entry.name and entry.name in seen:
                first = seen[entry.name]
                message = f"{show(entry.name)} is already used by [[{section}]] entry {first}"
                ctx.report(section, "name", message, index)
            seen.setdefault(entry.name, index)


def one_google_mailbox(config: Config, ctx: Context) -> None:
    """kaffe signs in to one Google account, so it has one Gmail mailbox at most."""
    google = [i for i, m in enumerate(config.mail, start=1) if m.type == "google"]
    for index in google[1:]:
        ctx.report("mail", "type", f'only one [[mail]] entry may be type = "google" '
                   f"(entry {google[0]} is)", index)
    seen: dict[str, int] = {}
    for index, entry in enumerate(config.calendars, start=1):
        if entry.type != "google":
            continue
        if entry.calendar_id in seen:
            ctx.report("calendars", "calendar_id", f"{show(entry.calendar_id)} is already read "
                       f"by [[calendars]] entry {seen[entry.calendar_id]}", index)
        seen.setdefault(entry.calendar_id, index)


def one_drafts_account(config: Config, ctx: Context) -> None:
    """At most one ``[[mail]]`` entry may say ``drafts = true``."""
    chosen = [i for i, m in enumerate(config.mail, start=1) if m.drafts]
    for index in chosen[1:]:
        ctx.report("mail", "drafts", f"only one [[mail]] entry receives drafts, and entry "
                   f"{chosen[0]} already does", index)


def default_drafts_account(config: Config) -> Config:
    """With no ``drafts = true`` anywhere, the first ``[[mail]]`` entry receives drafts."""
    if not config.mail or any(m.drafts for m in config.mail):
        return config
    first = dataclasses.replace(config.mail[0], drafts=True)
    return dataclasses.replace(config, mail=(first, *config.mail[1:]))


def effective_calendars(config: Config) -> tuple[CalendarEntryConfig, ...]:
    """``[[calendars]]``, or one Google entry per ``[google] calendar_ids`` without any."""
    if config.calendars:
        return config.calendars
    return tuple(
        CalendarEntryConfig(type="google", name=f"google:{cid}", calendar_id=cid)
        for cid in config.google.calendar_ids
    )


def effective_mail(config: Config) -> tuple[MailEntryConfig, ...]:
    """``[[mail]]``, or the Gmail mailbox (receiving drafts) without any."""
    return config.mail or (MailEntryConfig(type="google", name="gmail", drafts=True),)


def reads_mail(entry: MailEntryConfig, config: Config) -> bool:
    """Whether a mailbox is read: IMAP always, Gmail as ``[gmail] enabled`` says."""
    return entry.type != "google" or config.gmail.enabled


def drafts_entry(config: Config) -> MailEntryConfig:
    """The mail entry that receives drafts."""
    entries = effective_mail(config)
    return next((m for m in entries if m.drafts), entries[0])
