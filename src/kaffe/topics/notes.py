"""The notes folder: one markdown file per contact, read into topics.

A file is named by the contact's address (``ana.silva@northwind.example.md``)
or starts with a front matter block naming them::

    ---
    contact: ana.silva@northwind.example
    topics: data mesh, dbt
    ---

Its ``Topics:`` lines, ``#hashtags`` and the bullets under a ``## Topics``
heading become topics with source ``notes:<file name>``, dated by the file's
modification time. What is marked private (a ``(private)`` / ``(privat)`` line, a
``## Private`` / ``## Privat`` section, ``private: true`` in the front matter; see
:mod:`kaffe.topics.private`) is never read. A file that cannot be read is logged
and skipped; the others are read all the same.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from kaffe.model import Topic
from kaffe.topics.extract import markdown_topics, split_topics
from kaffe.topics.private import is_private_line, is_private_note, public_text

log = logging.getLogger(__name__)

SOURCE_PREFIX = "notes:"
MAX_NOTE_BYTES = 1_000_000  # a notes file is a page or two; anything this big is a mistake
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_FRONT_KEY = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")
_TOPIC_KEYS = ("topics", "emner", "tags")  # front matter keys that list topics


class NoteError(ValueError):
    """Why one notes file was skipped."""


@dataclass(frozen=True)
class NotesRead:
    """What reading the notes folder found: the topics, and the files it had to skip."""

    topics: tuple[Topic, ...] = ()
    problems: tuple[str, ...] = ()  # "ana.md: no contact: ..." one per skipped file
    skipped: tuple[str, ...] = ()  # names of the skipped files


def is_address(text: str) -> bool:
    """True when ``text`` looks like an e-mail address (one @, a dotted domain, no spaces)."""
    return bool(_ADDRESS.match(text.strip()))


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """A ``---`` delimited ``key: value`` header and the body after it (no header: ``{}``).

    Keys are lower-cased; indented ``- item`` lines continue the key above them
    (as YAML lists do), so ``tags:`` written by Obsidian reads as "a, b".
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    header: dict[str, str] = {}
    key = ""
    for number, line in enumerate(lines[1:], start=2):
        stripped = line.strip()
        if stripped == "---":
            return header, "\n".join(lines[number:])
        if stripped.startswith("- ") and key:
            header[key] = ", ".join(filter(None, (header[key], stripped[2:].strip())))
        elif stripped and not stripped.startswith("#"):
            key, value = _front_line(stripped, number)
            header[key] = value
    raise NoteError("the front matter that starts on line 1 has no closing '---'")


def _front_line(line: str, number: int) -> tuple[str, str]:
    match = _FRONT_KEY.match(line)
    if match is None:
        raise NoteError(f"line {number}: expected 'key: value' in the front matter")
    return match.group(1).lower(), match.group(2).strip().strip("\"'[]")


def note_contact(file_name: str, header: dict[str, str]) -> str:
    """The contact a notes file is about: its ``contact:`` header, else its file name."""
    named = header.get("contact", "").strip()
    if named:
        if not is_address(named):
            raise NoteError(f"contact {named!r} is not an e-mail address")
        return named.lower()
    stem = file_name.removesuffix(".md")
    if not is_address(stem):
        raise NoteError("no contact: name the file after the address "
                        "(ana@example.com.md) or add a 'contact:' front matter line")
    return stem.lower()


def parse_note(file_name: str, text: str, at: datetime) -> list[Topic]:
    """The topics of one notes file, given its name, text and modification time."""
    header, body = split_front_matter(text)
    contact = note_contact(file_name, header)
    if is_private_note(header):
        return []  # private: true — nothing of it is read
    listed = [t for key in _TOPIC_KEYS for t in split_topics(header.get(key, ""))
              if not is_private_line(t)]
    texts = dict.fromkeys([*listed, *markdown_topics(public_text(body))])
    source = SOURCE_PREFIX + file_name
    return [Topic(contact, topic, source, at) for topic in texts]


def _read_file(path: Path) -> list[Topic]:
    """Read and parse one file; every way it can fail becomes a :class:`NoteError`."""
    try:
        stat = path.stat()
        if stat.st_size > MAX_NOTE_BYTES:
            raise NoteError(f"{stat.st_size} bytes, more than the {MAX_NOTE_BYTES} allowed")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise NoteError(exc.strerror or str(exc)) from exc
    return parse_note(path.name, text, datetime.fromtimestamp(stat.st_mtime, UTC))


def read_notes(folder: Path) -> NotesRead:
    """Every ``*.md`` file in ``folder`` read into topics; bad files are logged and skipped.

    A missing folder is logged and reads as empty.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        log.warning("notes folder %s does not exist or is not a folder", folder)
        return NotesRead(problems=(f"{folder}: not a folder",))
    topics: list[Topic] = []
    problems: list[str] = []
    skipped: list[str] = []
    for path in sorted(folder.glob("*.md")):
        try:
            topics += _read_file(path)
        except NoteError as exc:
            log.warning("skipping notes file %s: %s", path.name, exc)
            problems.append(f"{path.name}: {exc}")
            skipped.append(path.name)
    log.debug("read %d topics from %s", len(topics), folder)
    return NotesRead(tuple(topics), tuple(problems), tuple(skipped))


class TopicStore(Protocol):
    """The part of :class:`kaffe.store.Store` that :func:`refresh_notes` needs."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def topic_sources(self, prefix: str) -> set[str]: ...

    def remove_topics(self, contact: str | None, source_prefix: str) -> int: ...

    def add_topics(self, topics: Iterable[Topic]) -> int: ...


def refresh_notes(store: TopicStore, folder: Path) -> NotesRead:
    """Make the store's ``notes:`` topics match the folder, in one transaction.

    Topics of edited files are replaced, those of deleted files removed; a file
    that cannot be read keeps the topics it had, until it is fixed.
    """
    found = read_notes(folder)
    if not Path(folder).expanduser().is_dir():
        return found  # an unmounted folder must not wipe the memory
    keep = {SOURCE_PREFIX + name for name in found.skipped}
    with store.transaction():
        for source in store.topic_sources(SOURCE_PREFIX) - keep:
            store.remove_topics(None, source)
        store.add_topics(list(found.topics))
    return found
