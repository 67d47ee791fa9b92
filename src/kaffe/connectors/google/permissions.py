"""Which Google permissions (OAuth scopes) kaffe holds, and what it cannot do without one.

Google's consent screen lets the user untick any of the scopes kaffe asks for, so a
token may carry only some of them. kaffe then does what the granted ones allow and
says, in `kaffe auth`, `kaffe status`, `kaffe doctor`, `kaffe plan` and the log,
which permission is missing, what that costs and how to grant it. A scope taken back
later shows as a 403 ``insufficientPermissions``: :class:`MissingPermission`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from kaffe.errors import AuthError

GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly"
_BROADER = {  # scopes that allow the same calls and more (a token from another tool)
    GMAIL_READONLY: ("https://mail.google.com/", "https://www.googleapis.com/auth/gmail.modify"),
    GMAIL_COMPOSE: ("https://mail.google.com/", "https://www.googleapis.com/auth/gmail.modify"),
    CALENDAR_READONLY: ("https://www.googleapis.com/auth/calendar",),
}


@dataclass(frozen=True)
class Permission:
    """One scope kaffe asks for: its consent-screen words and what kaffe loses without it."""

    scope: str
    words: str  # as Google's consent screen shows it
    without: str  # what kaffe cannot do when it is not granted
    calls: str  # the prefix of kaffe's name for the calls that need it ("gmail drafts")

    @property
    def short(self) -> str:
        return self.scope.rsplit("/", 1)[-1]

    def missing_line(self) -> str:
        return f'"{self.words}" ({self.short}) is not granted: {self.without}'


PERMISSIONS = (
    Permission(GMAIL_READONLY, "View your email messages and settings",
               "kaffe reads no Gmail: no invitations from mail, no replies noticed, "
               "no contacts learnt from your sent mail", "gmail"),
    Permission(GMAIL_COMPOSE, "Manage drafts and send emails",
               "kaffe reads and plans, but writes no drafts", "gmail drafts"),
    Permission(CALENDAR_READONLY,
               "See and download any calendar you can access using your Google Calendar",
               "no meetings from Google Calendar", "calendar"),
)
SCOPES: tuple[str, ...] = tuple(p.scope for p in PERMISSIONS)
GRANT_HINT = ("run `kaffe auth` again and tick every box on Google's consent page "
              "(kaffe never sends mail, whatever the words say)")


class MissingPermission(AuthError):
    """Google refused a call because the token lacks its scope (403 insufficientPermissions).

    Its health kind is "permission": said once, not every hour like a lost sign-in, since
    it is the user's choice on the consent page and status, doctor and plan keep saying it."""

    health_kind = "permission"

    def __init__(self, message: str, permission: Permission | None) -> None:
        super().__init__(message, hint=GRANT_HINT)
        self.permission = permission


def missing(granted: Collection[str]) -> list[Permission]:
    """The permissions kaffe asks for that ``granted`` has not (nor a broader scope)."""
    have = set(granted)
    return [p for p in PERMISSIONS if p.scope not in have and not have & set(_BROADER[p.scope])]


def granted_scopes(token_path: Path) -> frozenset[str] | None:
    """The scopes the stored token says were granted; None without a readable token."""
    try:
        info = json.loads(Path(token_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    scopes = info.get("scopes") if isinstance(info, dict) else None
    if isinstance(scopes, str):
        scopes = scopes.split()
    return frozenset(str(s) for s in scopes) if isinstance(scopes, list) else None


def missing_lines(token_path: Path) -> list[str]:
    """One line per permission the stored token lacks ([] when it has all, or none is read)."""
    granted = granted_scopes(token_path)
    return [] if granted is None else [p.missing_line() for p in missing(granted)]


def for_call(what: str) -> Permission | None:
    """The permission a call named ``what`` ("gmail drafts.create") needs, when known."""
    found = [p for p in PERMISSIONS if what.startswith(p.calls)]
    if what.startswith("gmail drafts.") and not what.startswith("gmail drafts.create"):
        return None  # drafts.list/get: either Gmail scope allows them
    return max(found, key=lambda p: len(p.calls)) if found else None


def refused(what: str, status: int) -> MissingPermission:
    """The error for a call Google refused with 403 insufficientPermissions."""
    permission = for_call(what)
    if permission is None:  # drafts.list/get: neither Gmail permission was granted
        return MissingPermission(
            f"{what}: HTTP {status}: Google refused it: neither Gmail permission "
            f"({summary(PERMISSIONS[:2])}) is granted, so kaffe writes no drafts", None)
    return MissingPermission(
        f"{what}: HTTP {status}: Google refused it: {permission.missing_line()}", permission)


def summary(perms: Iterable[Permission]) -> str:
    """``gmail.compose, calendar.readonly``."""
    return ", ".join(p.short for p in perms)
