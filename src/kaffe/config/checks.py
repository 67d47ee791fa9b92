"""Value checkers named by the schema's field metadata (``check``, ``keys``, ``values``).

A checker takes a string, returns it normalised (e-mail addresses and domains
lower-cased) or raises :class:`Invalid` with a message meant for the user.
:class:`Context` collects the located problems of one load; it lives here, under
every module that checks (validate, accounts, me, legacy), so none of them
imports another for it.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kaffe.errors import Problem
from kaffe.gmail_search import QueryError
from kaffe.gmail_search import validate as validate_gmail_query
from kaffe.redact import redact_text


@dataclass
class Context:
    """Where values come from (for messages and relative paths) and what went wrong."""

    file: str
    base_dir: Path
    problems: list[Problem] = field(default_factory=list)

    def report(self, section: str, key: str, message: str, index: int | None = None) -> None:
        self.problems.append(Problem(self.file, section, key, message, index))


# ISO 639-1: the codes a template directory (compose/templates/<code>/) may be named by.
LANGUAGE_CODES: frozenset[str] = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
    hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku
    kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn
    no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm
    sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi
    vo wa wo xh yi yo za zh zu
    """.split()
)

_EMAIL = re.compile(r"^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$")
_LABEL = r"[a-z0-9\u00c0-\uffff]([a-z0-9\u00c0-\uffff-]*[a-z0-9\u00c0-\uffff])?"
_DOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

CALENDAR_TYPES: tuple[str, ...] = ("google", "ics", "caldav")
MAIL_TYPES: tuple[str, ...] = ("google", "imap")
TLS_MODES: tuple[str, ...] = ("ssl", "starttls", "none")
# Gmail's inbox tabs a first sync may leave out ("category:<tab>" in Gmail search).
GMAIL_TABS: tuple[str, ...] = ("promotions", "social", "forums", "updates")
# Calendar apps' name for an https:// calendar subscription (the ICS source reads it).
WEBCAL_SCHEMES: tuple[str, ...] = ("webcal", "webcals")


class Invalid(ValueError):
    """A value the user wrote is wrong; the message says how."""


def show(value: object) -> str:
    """Render a TOML value the way the user wrote it, for error messages; a secret
    in it (an ICS address's token, a password in a URL) is redacted."""
    if isinstance(value, str):
        return f'"{redact_text(value)}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def email(value: str) -> str:
    """An e-mail address, lower-cased."""
    text = value.strip().lower()
    if not _EMAIL.match(text):
        raise Invalid(f"expected an e-mail address, got {show(value)}")
    return text


def domain(value: str) -> str:
    """A domain or a bare TLD (``example.com``, ``dk``); a leading dot is dropped."""
    text = value.strip().lower().removeprefix(".")
    if not _DOMAIN.match(text):
        raise Invalid(f"expected a domain like example.com or a TLD like dk, got {show(value)}")
    return text


def url(value: str) -> str:
    """An http(s) URL without a trailing slash, or "" for the default."""
    text = value.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"expected an http:// or https:// URL, got {show(value)}")
    return text.rstrip("/")


def language(value: str) -> str:
    """A two-letter ISO 639-1 language code, as template directories are named."""
    text = value.strip().lower()
    if text not in LANGUAGE_CODES:
        raise Invalid(f'expected a two-letter language code like "en" or "da", got {show(value)}')
    return text


def nonempty(value: str) -> str:
    """Any text that is not blank."""
    if not value.strip():
        raise Invalid("must not be empty")
    return value.strip()


def optional_language(value: str) -> str:
    """A language code or "" (unknown); a region is dropped: "da-DK" -> "da"."""
    text = value.strip()
    if not text:
        return ""
    return language(re.split(r"[-_]", text, maxsplit=1)[0])


def feed_url(value: str) -> str:
    """An http(s) URL, a ``file://`` URL or a local path (resolved by the validator)."""
    text = nonempty(value)
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        return url(text)
    if scheme == "file" or len(scheme) <= 1:  # no scheme, or a Windows drive letter
        return text
    raise Invalid(f"expected an http(s) URL, a file:// URL or a file path, got {show(value)}")


def calendar_url(value: str) -> str:
    """What ``feed_url`` accepts, and ``webcal://`` / ``webcals://`` subscriptions."""
    text = nonempty(value)
    parts = urlsplit(text)
    if parts.scheme.lower() in WEBCAL_SCHEMES and parts.netloc:
        return text
    if parts.scheme.lower() in ("http", "https", "file") or len(parts.scheme) <= 1:
        return feed_url(text)
    raise Invalid("expected an http(s) or webcal:// URL, a file:// URL or a file path, "
                  f"got {show(value)}")


def tag(value: str) -> str:
    """A tag: lower-cased, inner whitespace collapsed, not blank."""
    return " ".join(nonempty(value).lower().split())


def regex(value: str) -> str:
    """A Python regular expression that compiles (it is used case-insensitively)."""
    try:
        re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise Invalid(f"not a valid regular expression ({exc}): {show(value)}") from exc
    return value


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    text = value.strip().lower()
    if text not in allowed:
        choices = ", ".join(f'"{a}"' for a in allowed)
        raise Invalid(f"expected one of {choices}, got {show(value)}")
    return text


def calendar_type(value: str) -> str:
    """The kind of a ``[[calendars]]`` entry."""
    return _one_of(value, CALENDAR_TYPES)


def mail_type(value: str) -> str:
    """The kind of a ``[[mail]]`` entry."""
    return _one_of(value, MAIL_TYPES)


def gmail_tab(value: str) -> str:
    """One of Gmail's inbox tabs (categories)."""
    return _one_of(value.strip().lower(), GMAIL_TABS)


def tls(value: str) -> str:
    """How an IMAP connection is secured."""
    return _one_of(value, TLS_MODES)


def env_name(value: str) -> str:
    """The name of an environment variable, or "" (not set)."""
    text = value.strip()
    if text and not _ENV_NAME.match(text):
        raise Invalid(f"expected the name of an environment variable like "
                      f"KAFFE_IMAP_PASSWORD, got {show(value)}")
    return text


def keyring_ref(value: str) -> str:
    """A system keyring entry as ``service:username``, or "" (not set)."""
    text = value.strip()
    service, colon, user = text.partition(":")
    if text and not (colon and service.strip() and user.strip()):
        raise Invalid(f'expected "service:username" (e.g. "kaffe:you@example.com"), '
                      f"got {show(value)}")
    return text


def optional_email(value: str) -> str:
    """An e-mail address (lower-cased), or "" (not set)."""
    return email(value) if value.strip() else ""


def timezone(value: str) -> str:
    """An IANA time zone name like "Europe/Copenhagen", or "" (the system's)."""
    text = value.strip()
    # The list, not ZoneInfo(text), which takes a file path too; "localtime" is a
    # Debian alias of whatever the machine says, not a zone of its own.
    if text and (text not in zoneinfo.available_timezones() or text == "localtime"):
        raise Invalid(_bad_zone(value))
    return text


def _bad_zone(value: str) -> str:
    close = difflib.get_close_matches(value.strip(), zoneinfo.available_timezones(), n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return (f'expected an IANA time zone name like "Europe/Copenhagen", '
            f"got {show(value)}{hint}")


def gmail_query(value: str) -> str:
    """A ``[gmail] query`` Gmail reads as written: documented operators and values,
    closed quotes and groups. A typo such as ``form:`` is no error for Gmail (it
    searches for the text and silently finds nothing), so it is one here."""
    try:
        validate_gmail_query(value)
    except QueryError as exc:
        where = f" (operator {exc.operator})" if exc.operator else ""
        raise Invalid(f"not a Gmail search{where}: {exc}") from exc
    return value


CHECKERS: dict[str, Callable[[str], str]] = {
    "email": email,
    "domain": domain,
    "url": url,
    "language": language,
    "nonempty": nonempty,
    "optional_language": optional_language,
    "feed_url": feed_url,
    "tag": tag,
    "regex": regex,
    "calendar_type": calendar_type,
    "mail_type": mail_type,
    "tls": tls,
    "gmail_tab": gmail_tab,
    "env_name": env_name,
    "keyring_ref": keyring_ref,
    "optional_email": optional_email,
    "timezone": timezone,
    "gmail_query": gmail_query,
}
