"""Load a seed directory: Calendar JSON as Google returns it, Gmail mail, a profile.

Layout::

    profile.json                  {"emailAddress": ...}            (optional)
    calendar/*.json               events for ``primary``
    calendar/<calendarId>/*.json  events for another calendar
    gmail/<folder>/*.eml          RFC 822 mail; labels from the folder (below)
    gmail/<folder>/NAME.labels    sidecar of NAME.eml: its label ids, separated by
                                  spaces, commas or lines; they replace the folder's
    gmail/*.json                  Gmail API message JSON (see gmail_seed): one
    gmail/<folder>/*.json         ``format=raw``/``format=full`` resource, a list, or
                                  ``{"messages": [...]}``; labels from ``labelIds``
                                  (else the folder's; at the top: INBOX, UNREAD)

Folders and their labels: inbox (INBOX, UNREAD), sent (SENT), promotions, social,
updates, forums (INBOX, UNREAD and CATEGORY_<NAME>), important (INBOX, IMPORTANT),
spam (SPAM), trash (TRASH). Messages that share a ``threadId`` in the seed's JSON
share a thread in the emulator (ids themselves are the emulator's own).

A file that cannot be read, a JSON item that is no message, and a folder with an
unknown name are reported as ``"FILE: reason"`` and skipped; loading goes on with
the rest.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
from pathlib import Path
from typing import Any

from kaffe.emulator.calendar_store import CalendarStore
from kaffe.emulator.gmail_seed import (
    GmailJsonError,
    internal_date_of,
    labels_of,
    message_raw,
    messages_of,
)
from kaffe.emulator.gmail_store import GmailStore
from kaffe.emulator.recurrence import bounds

logger = logging.getLogger(__name__)

MAIL_FOLDERS = {
    "inbox": ["INBOX", "UNREAD"],
    "sent": ["SENT"],
    **{
        name: ["INBOX", "UNREAD", f"CATEGORY_{name.upper()}"]
        for name in ("promotions", "social", "updates", "forums")
    },
    "important": ["INBOX", "IMPORTANT"],
    "spam": ["SPAM"],
    "trash": ["TRASH"],
}
TOP_LEVEL_LABELS = ["INBOX", "UNREAD"]


class SeedError(ValueError):
    """One seed file (or one event in it) that cannot be used."""


def load_seed(root: Path, calendar: CalendarStore, gmail: GmailStore) -> list[str]:
    """Fill the stores from ``root``; return the problems found, one per line."""
    problems: list[str] = []
    root = Path(root)
    if not root.is_dir():
        return [f"{root}: seed directory not found"]
    _load_profile(root, calendar, gmail, problems)
    for path in sorted((root / "calendar").rglob("*.json")):
        _guard(root, path, problems, lambda p: _load_calendar_file(root, p, calendar, problems))
    _load_gmail(root, gmail, problems)
    return problems


def _load_gmail(root: Path, gmail: GmailStore, problems: list[str]) -> None:
    threads: dict[str, str] = {}  # the seed's threadId -> the emulator's
    base = root / "gmail"
    for path in sorted(base.glob("*.json")):
        _guard(root, path, problems,
               lambda p: _load_json_mail(root, p, TOP_LEVEL_LABELS, gmail, threads, problems))
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        labels = MAIL_FOLDERS.get(folder.name)
        if labels is None:
            known = ", ".join(MAIL_FOLDERS)
            _report(problems, root, folder, f"unknown mail folder (known: {known})")
            continue
        for path in sorted(folder.glob("*.eml")):
            _guard(root, path, problems,
                   lambda p, lb=labels: _load_mail(p, _sidecar_labels(p, lb), gmail))
        for path in sorted(folder.glob("*.json")):
            _guard(root, path, problems,
                   lambda p, lb=labels: _load_json_mail(root, p, lb, gmail, threads, problems))


def _sidecar_labels(path: Path, default: list[str]) -> list[str]:
    """``NAME.labels`` beside ``NAME.eml``: its label ids replace the folder's."""
    sidecar = path.with_suffix(".labels")
    if not sidecar.exists():
        return default
    labels = sidecar.read_text(encoding="utf-8").replace(",", " ").split()
    if not labels:
        raise SeedError(f"{sidecar.name} names no label")
    return labels


def _load_json_mail(root: Path, path: Path, default: list[str], gmail: GmailStore,
                    threads: dict[str, str], problems: list[str]) -> None:
    try:
        resources = messages_of(json.loads(path.read_text(encoding="utf-8")))
    except GmailJsonError as exc:
        raise SeedError(str(exc)) from exc
    for number, resource in enumerate(resources):
        try:
            raw = message_raw(resource)
            _check_mail(raw)
        except (ValueError, TypeError) as exc:  # GmailJsonError, SeedError, bad encodings
            ident = resource.get("id", f"#{number}") if isinstance(resource, dict) else f"#{number}"
            _report(problems, root, path, f"message {ident}: {exc}")
            continue
        seed_thread = str(resource.get("threadId") or "")
        msg = gmail.add_message(raw, labels_of(resource, default),
                                thread_id=threads.get(seed_thread),
                                internal_date=internal_date_of(resource))
        if seed_thread:
            threads.setdefault(seed_thread, msg.thread_id)


def _guard(root: Path, path: Path, problems: list[str], load: Any) -> None:
    try:
        load(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, SeedError) as exc:
        _report(problems, root, path, str(exc) or type(exc).__name__)


def _report(problems: list[str], root: Path, path: Path, reason: str) -> None:
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    logger.warning("seed file %s skipped: %s", name, reason)
    problems.append(f"{name}: {reason}")


def _load_profile(root: Path, calendar: CalendarStore, gmail: GmailStore, problems: list) -> None:
    path = root / "profile.json"
    if not path.exists():
        return

    def load(p: Path) -> None:
        doc = json.loads(p.read_text(encoding="utf-8"))
        address = doc.get("emailAddress") if isinstance(doc, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise SeedError("profile.json needs an emailAddress")
        calendar.rename_user(address)
        gmail.user_email = address

    _guard(root, path, problems, load)


def _load_calendar_file(root: Path, path: Path, store: CalendarStore, problems: list) -> None:
    parts = path.relative_to(root / "calendar").parts
    calendar_id = parts[0] if len(parts) > 1 else "primary"
    doc = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(doc, dict) and doc.get("kind") == "calendar#calendarList":
        _load_calendar_list(doc, store)
        return
    for number, event in enumerate(_events_of(doc, calendar_id, store)):
        try:
            _check_event(event)
        except SeedError as exc:
            ident = event.get("id", f"#{number}") if isinstance(event, dict) else f"#{number}"
            _report(problems, root, path, f"event {ident}: {exc}")
            continue
        store.put(calendar_id, event)


def _events_of(doc: Any, calendar_id: str, store: CalendarStore) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and (doc.get("kind") == "calendar#events" or "items" in doc):
        items = doc.get("items")
        if not isinstance(items, list):
            raise SeedError("calendar#events response without an items list")
        cal = store.calendar(calendar_id)
        cal.summary = doc.get("summary") or cal.summary
        cal.time_zone = doc.get("timeZone") or cal.time_zone
        cal.description = doc.get("description") or cal.description
        return items
    if isinstance(doc, dict) and doc.get("kind", "calendar#event") == "calendar#event":
        return [doc]
    raise SeedError("not a calendar#event, a list of events or a calendar#events response")


def _check_event(event: Any) -> None:
    if not isinstance(event, dict):
        raise SeedError("not a JSON object")
    if event.get("kind", "calendar#event") != "calendar#event":
        raise SeedError(f"kind is {event.get('kind')!r}, not calendar#event")
    if event.get("status") == "cancelled" and "start" not in event:
        return  # a cancelled exception: Google sends only id and originalStartTime
    if not isinstance(event.get("start"), dict) or not isinstance(event.get("end"), dict):
        raise SeedError("no start/end")
    if bounds(event) is None:
        raise SeedError("start/end is neither a valid dateTime nor a valid date")


def _load_calendar_list(doc: dict[str, Any], store: CalendarStore) -> None:
    for entry in doc.get("items") or []:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        store.list_entries.append(entry)
        cal = store.calendar(entry["id"])
        cal.summary = entry.get("summaryOverride") or entry.get("summary") or cal.summary
        cal.time_zone = entry.get("timeZone") or cal.time_zone


def _load_mail(path: Path, labels: list[str], store: GmailStore) -> None:
    raw = path.read_bytes()
    _check_mail(raw)
    store.add_message(raw, labels)


def _check_mail(raw: bytes) -> None:
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not raw.strip() or not parsed.keys():
        raise SeedError("not an RFC 822 message (no headers)")
    if parsed.defects and not (parsed.get("From") or parsed.get("Date")):
        raise SeedError(f"undecodable message: {parsed.defects[0].__class__.__name__}")
