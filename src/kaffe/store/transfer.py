"""``kaffe export`` / ``kaffe import``: contacts, topics and the ledger as one JSON document.

The document is ``{"format": "kaffe-export", "version": 1, "exported_at": ...,
"contacts": [...], "topics": [...], "ledger": [...]}`` with times in ISO 8601
UTC. Tokens, messages and events are never part of it: they come back from the
providers on the next sync. Importing merges, so importing a file twice changes
nothing, and a file with any problem is refused whole.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kaffe.errors import DataError
from kaffe.model import DONE, FAILED, PENDING, SKIPPED, Contact, LedgerEntry, Topic
from kaffe.redact import redact_text
from kaffe.store.db import Store
from kaffe.timeutil import utc

log = logging.getLogger(__name__)

FORMAT = "kaffe-export"
VERSION = 1
# How final a ledger state is: an import never moves a key to a less final one.
_FINALITY = {PENDING: 0, FAILED: 1, DONE: 2, SKIPPED: 2}


@dataclass(frozen=True)
class Bundle:
    """What an export holds, as domain objects."""

    contacts: tuple[Contact, ...] = ()
    topics: tuple[Topic, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()


@dataclass(frozen=True)
class ImportCounts:
    """What an import changed (``unchanged``: items the store already held so)."""

    contacts: int = 0
    topics: int = 0
    ledger: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (f"{self.contacts} contacts, {self.topics} topics, {self.ledger} ledger "
                f"entries; {self.unchanged} unchanged")


# Encoding ---------------------------------------------------------------------


def time_to_text(dt: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: ``2026-03-10T09:00:00Z`` (microseconds when set)."""
    return utc(dt).isoformat().replace("+00:00", "Z")


def contact_to_dict(contact: Contact) -> dict[str, Any]:
    """A JSON-ready dict of ``contact``."""
    return dataclasses.asdict(contact)


def topic_to_dict(topic: Topic) -> dict[str, Any]:
    """A JSON-ready dict of ``topic``."""
    return {**dataclasses.asdict(topic), "at": time_to_text(topic.at)}


def ledger_to_dict(entry: LedgerEntry) -> dict[str, Any]:
    """A JSON-ready dict of ``entry``; its detail (an error's words) with secrets redacted."""
    return {**dataclasses.asdict(entry), "updated": time_to_text(entry.updated),
            "detail": redact_text(entry.detail)}


def bundle_to_document(bundle: Bundle, exported_at: datetime) -> dict[str, Any]:
    """The export document of ``bundle``."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time_to_text(exported_at),
        "contacts": [contact_to_dict(c) for c in bundle.contacts],
        "topics": [topic_to_dict(t) for t in bundle.topics],
        "ledger": [ledger_to_dict(e) for e in bundle.ledger],
    }


def document_to_text(document: dict[str, Any]) -> str:
    """Indented UTF-8 JSON, one field a line, so two exports diff well."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def read_bundle(store: Store) -> Bundle:
    """Everything to export, read in one transaction so it is one consistent snapshot."""
    with store.transaction():
        contacts = tuple(sorted(store.contacts().values(), key=lambda c: c.email))
        topics = tuple(t for group in store.topics().values() for t in group)
        ledger = tuple(sorted(store.ledger().values(), key=lambda e: e.key))
    return Bundle(contacts, topics, ledger)


# Decoding ---------------------------------------------------------------------


class _Invalid(ValueError):
    """One field's value is wrong; the message says how."""


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_kind(value)}")
    try:
        value.encode("utf-8")  # JSON may escape a lone surrogate that SQLite cannot store
    except UnicodeEncodeError as exc:
        raise _Invalid(f"not valid Unicode text at character {exc.start}") from None
    return value


def _required(value: object) -> str:
    if not _string(value).strip():
        raise _Invalid("must not be empty")
    return str(value)


def _address(value: object) -> str:
    if "@" not in _required(value):
        raise _Invalid(f"expected an e-mail address, got {value!r}")
    return str(value)


def _time(value: object) -> datetime:
    text = _string(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"expected an ISO 8601 time like 2026-03-10T09:00:00Z, "
                       f"got {value!r}") from None
    if parsed.tzinfo is None:
        raise _Invalid(f"the time {value!r} has no timezone (add Z for UTC)")
    return utc(parsed)


def _state(value: object) -> str:
    if not isinstance(value, str) or value not in _FINALITY:
        raise _Invalid(f"expected one of {', '.join(sorted(_FINALITY))}, got {value!r}")
    return str(value)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise _Invalid(f"expected a whole number >= 0, got {value!r}")
    return value


Parser = Callable[[object], Any]
# field -> (parser, required); a missing optional field takes the dataclass default.
_CONTACT: dict[str, tuple[Parser, bool]] = {
    "email": (_address, True), "name": (_string, False), "language": (_string, False)}
_TOPIC: dict[str, tuple[Parser, bool]] = {
    "contact": (_address, True), "text": (_required, True), "source": (_required, True),
    "at": (_time, True)}
_LEDGER: dict[str, tuple[Parser, bool]] = {
    "key": (_required, True), "kind": (_required, True), "state": (_state, True),
    "updated": (_time, True), "draft_id": (_string, False), "detail": (_string, False),
    "attempts": (_count, False), "contact": (_string, False)}
_SECTIONS = {"contacts": (_CONTACT, Contact), "topics": (_TOPIC, Topic),
             "ledger": (_LEDGER, LedgerEntry)}


def _fields(data: dict[str, Any], where: str, spec: dict[str, tuple[Parser, bool]],
            problems: list[str]) -> dict[str, Any]:
    """The parsed fields of ``data``; each problem, with its place, goes to ``problems``."""
    unknown = sorted(set(data) - set(spec))
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
    values = {}
    for name, (parse, required) in spec.items():
        if name in data:
            try:
                values[name] = parse(data[name])
            except _Invalid as exc:
                problems.append(f"{where}.{name}: {exc}")
        elif required:
            problems.append(f"{where}.{name}: missing")
    return values


def _item(data: object, where: str, section: str, problems: list[str]) -> Any | None:
    """One contact, topic or ledger entry, or None after adding to ``problems`` why not."""
    spec, build = _SECTIONS[section]
    if not isinstance(data, dict):
        problems.append(f"{where}: expected an object, got {_kind(data)}")
        return None
    before = len(problems)
    values = _fields(data, where, spec, problems)
    return build(**values) if len(problems) == before else None


def _header_problems(doc: dict[str, Any]) -> list[str]:
    problems = []
    if doc.get("format") != FORMAT:
        problems.append(f"$.format: expected {FORMAT!r}, got {doc.get('format')!r}")
    version = doc.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        problems.append(f"$.version: expected {VERSION}, got {version!r}"
                        + (" (written by a newer kaffe)" if newer else ""))
    if "exported_at" in doc:
        try:
            _time(doc["exported_at"])
        except _Invalid as exc:
            problems.append(f"$.exported_at: {exc}")
    unknown = sorted(set(doc) - {"format", "version", "exported_at", *_SECTIONS})
    if unknown:
        problems.append(f"$: unknown field(s) {', '.join(map(repr, unknown))}")
    return problems


# What may appear only once per file: two rows for one of these would make the
# result depend on their order, and a second import would flip them back and forth.
_IDENTITY: dict[str, Callable[[Any], str]] = {
    "contacts": lambda c: c.email.strip().lower(), "ledger": lambda e: e.key}


def _section(doc: dict[str, Any], name: str, problems: list[str]) -> tuple[Any, ...]:
    """The decoded items of one section; problems (with their JSON path) go to ``problems``."""
    items = doc.get(name)
    if not isinstance(items, list):
        problems.append(f"$.{name}: expected an array, got {_kind(items)}"
                        if name in doc else f"$.{name}: missing")
        return ()
    found: dict[str, Any] = {}
    for index, data in enumerate(items):
        item = _item(data, f"$.{name}[{index}]", name, problems)
        if item is not None:
            found[f"$.{name}[{index}]"] = item
    if name in _IDENTITY:
        problems.extend(_duplicates(found, _IDENTITY[name]))
    return tuple(found.values())


def _duplicates(found: dict[str, Any], identity: Callable[[Any], str]) -> Iterator[str]:
    seen: dict[str, str] = {}
    for where, item in found.items():
        first = seen.setdefault(identity(item), where)
        if first != where:
            yield f"{where}: {identity(item)!r} appears twice (also at {first})"


def parse_document(text: str, source: str = "import") -> Bundle:
    """Decode an export document; any problem raises one :class:`DataError` listing all."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(source, [f"line {exc.lineno} column {exc.colno}: not valid JSON: "
                                 f"{exc.msg}"]) from None
    if not isinstance(doc, dict):
        raise DataError(source, [f"$: expected an object, got {_kind(doc)}"])
    problems = _header_problems(doc)
    sections = {name: _section(doc, name, problems) for name in _SECTIONS}
    if problems:
        raise DataError(source, problems, hint="nothing was imported; fix the file and retry")
    return Bundle(**sections)


# Merging ----------------------------------------------------------------------


class _DryRun(Exception):
    """Unwinds the import transaction after counting, so a dry run writes nothing."""

    def __init__(self, counts: ImportCounts) -> None:
        super().__init__("dry run")
        self.counts = counts


def merge(store: Store, bundle: Bundle, *, dry_run: bool = False) -> ImportCounts:
    """Merge ``bundle`` into ``store`` in one transaction; returns what changed (or would).

    Contacts are upserted (a field the file leaves empty keeps the stored value),
    topics are added unless known, and a ledger entry replaces the stored one only
    when it is more final (pending < failed < done, skipped), or as final and newer.
    """
    try:
        with store.transaction():
            counts = _merge(store, bundle)
            if dry_run:
                raise _DryRun(counts)
    except _DryRun as stop:
        return stop.counts
    log.info("imported %s", counts)
    return counts


def _merge(store: Store, bundle: Bundle) -> ImportCounts:
    contacts = _merge_contacts(store, bundle.contacts)
    topics = store.add_topics(bundle.topics)
    ledger = _merge_ledger(store, bundle.ledger)
    total = len(bundle.contacts) + len(bundle.topics) + len(bundle.ledger)
    return ImportCounts(contacts, topics, ledger, total - contacts - topics - ledger)


def _merge_contacts(store: Store, contacts: tuple[Contact, ...]) -> int:
    stored, changed = store.contacts(), 0
    for contact in contacts:
        email = contact.email.strip().lower()
        old = stored.get(email, Contact(email))
        new = Contact(email, contact.name or old.name, contact.language or old.language)
        if new != stored.get(email):
            store.upsert_contact(new)
            stored[email], changed = new, changed + 1
    return changed


def wins(new: LedgerEntry, old: LedgerEntry | None) -> bool:
    """Whether an imported ``new`` replaces the stored ``old`` entry of the same key."""
    if old is None:
        return True
    if new == old:
        return False
    rank_new, rank_old = _FINALITY[new.state], _FINALITY[old.state]
    return rank_new > rank_old or (rank_new == rank_old and new.updated > old.updated)


def _merge_ledger(store: Store, entries: tuple[LedgerEntry, ...]) -> int:
    stored, changed = store.ledger(), 0
    for entry in entries:
        if wins(entry, stored.get(entry.key)):
            store.ledger_restore(entry)
            changed += 1
    return changed

