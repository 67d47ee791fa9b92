"""Finding the Sent and Drafts folders of an IMAP account.

Order: a name from the config; the SPECIAL-USE attribute (RFC 6154: ``\\Sent``,
``\\Drafts``, which Dovecot, Gmail, Fastmail and Outlook put in plain LIST
answers); Gmail's ``[Gmail]/…`` names; then the names clients commonly use.
Names stay as the server spells them (modified UTF-7 included), so they can be
sent back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kaffe.errors import ConnectorError

SENT = "sent"
DRAFTS = "drafts"
SPECIAL_USE = {SENT: "\\sent", DRAFTS: "\\drafts"}
FALLBACK_NAMES = {
    SENT: ("[Gmail]/Sent Mail", "[Google Mail]/Sent Mail", "Sent", "Sent Items",
           "Sent Messages", "INBOX.Sent", "INBOX/Sent"),
    DRAFTS: ("[Gmail]/Drafts", "[Google Mail]/Drafts", "Drafts", "INBOX.Drafts",
             "INBOX/Drafts"),
}
_LIST_LINE = re.compile(r'^\((?P<flags>[^)]*)\)\s+(?P<delim>"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.*)$')


@dataclass(frozen=True)
class Folder:
    name: str
    flags: frozenset[str]  # lower-cased attributes, e.g. {"\\hasnochildren", "\\sent"}


def parse_list(data: Iterable[Any]) -> list[Folder]:
    """Folders from imaplib's LIST data (lines, or tuples when a name came as a literal)."""
    folders: list[Folder] = []
    for item in data:
        if item is None:
            continue
        line, literal = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
        found = _LIST_LINE.match(line.decode("utf-8", "replace").strip())
        if found is None:
            continue
        name = literal.decode("utf-8", "replace") if literal is not None else found["name"]
        folders.append(Folder(_unquote(name.strip()), frozenset(found["flags"].lower().split())))
    return folders


def find_folder(folders: list[Folder], role: str, configured: str = "") -> str:
    """The folder for ``role`` (``"sent"`` or ``"drafts"``); ConnectorError in words if none."""
    names = {f.name for f in folders if "\\noselect" not in f.flags}
    if configured:
        if configured in names:
            return configured
        raise ConnectorError(f"the {role} folder {configured!r} does not exist on the server",
                             hint=f"folders there: {_listing(names)}")
    special = [f.name for f in folders if SPECIAL_USE[role] in f.flags and f.name in names]
    if special:
        return special[0]
    by_lower = {n.lower(): n for n in names}
    for candidate in FALLBACK_NAMES[role]:
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    raise ConnectorError(f"no {role} folder found (no {SPECIAL_USE[role]} attribute, "
                         f"no usual name)",
                         hint=f"name it in the config; folders there: {_listing(names)}")


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


def _listing(names: set[str]) -> str:
    shown = sorted(names)[:20]
    return ", ".join(shown) + (" …" if len(names) > 20 else "")
