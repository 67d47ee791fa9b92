"""The notes folder: files named by address or with front matter, bad files skipped."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import kaffe
from kaffe.model import Topic
from kaffe.store import Store
from kaffe.topics.notes import (
    MAX_NOTE_BYTES,
    NoteError,
    parse_note,
    read_notes,
    refresh_notes,
    split_front_matter,
)

MTIME = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
ANA = "ana.silva@northwind.example"
SEED_NOTES = Path(kaffe.__file__).parent / "demo_seed" / "notes"


def write(folder: Path, name: str, text: str | bytes, when: datetime = MTIME) -> Path:
    """A notes file with a chosen modification time."""
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


def test_file_named_by_address(notes: Path) -> None:
    write(notes, f"{ANA}.md", "# Ana\nTopics: data mesh, dbt\n\nShe likes #kafka.\n")
    found = read_notes(notes)
    source = f"notes:{ANA}.md"
    assert found.topics == tuple(Topic(ANA, t, source, MTIME)
                                 for t in ("data mesh", "dbt", "kafka"))
    assert found.problems == ()


def test_front_matter_names_the_contact(notes: Path) -> None:
    write(notes, "ana.md", "---\ncontact: Ana.Silva@Northwind.example\ntags:\n  - wind\n"
                           "---\n# Ana\n## Topics\n- Grøn omstilling\n- vindmøller\n"
                           "## Family\n- two kids\n")
    found = read_notes(notes)
    assert [(t.contact, t.text, t.source) for t in found.topics] == [
        (ANA, "wind", "notes:ana.md"),
        (ANA, "grøn omstilling", "notes:ana.md"),
        (ANA, "vindmøller", "notes:ana.md"),
    ]


def test_the_demo_seed_notes_are_read() -> None:
    found = read_notes(SEED_NOTES)
    assert found.problems == ()
    by_contact = {t.contact: [] for t in found.topics}
    for t in found.topics:
        by_contact[t.contact].append(t.text)
    assert by_contact["johan.berg@nordlys.example"] == ["data quality", "dbt"]
    assert "vindmøller" in by_contact["mette.jensen@groenenergi.dk"]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("ana.md", "Topics: dbt", "no contact"),
    ("x.md", "---\ncontact: not an address\n---\nTopics: dbt", "not an e-mail address"),
    ("y.md", "---\ncontact: a@b.example\nTopics: dbt\n", "no closing '---'"),
    ("z.md", "---\nthis is not a header\n---\n", "line 2: expected 'key: value'"),
    (f"{ANA}.md", b"Topics: caf\xe9\n", "not UTF-8"),
])
def test_a_bad_file_is_logged_and_skipped(notes: Path, caplog, name: str, content: str | bytes,
                                          reason: str) -> None:
    write(notes, name, content)
    write(notes, "bo@other.example.md", "Topics: kafka")
    caplog.set_level(logging.WARNING)
    found = read_notes(notes)
    assert [t.text for t in found.topics] == ["kafka"]
    assert found.skipped == (name,)
    assert len(found.problems) == 1 and found.problems[0].startswith(f"{name}: ")
    assert reason in found.problems[0]
    assert name in caplog.text and reason in caplog.text


def test_a_huge_file_is_skipped(notes: Path) -> None:
    write(notes, f"{ANA}.md", "Topics: dbt\n" + "x" * MAX_NOTE_BYTES)
    assert "bytes" in read_notes(notes).problems[0]


def test_only_markdown_files_are_notes(notes: Path) -> None:
    write(notes, f"{ANA}.txt", "Topics: dbt")
    write(notes, f"{ANA}.md~", "Topics: dbt")
    (notes / "sub.md").mkdir()
    found = read_notes(notes)
    assert found.topics == ()
    assert found.skipped == ("sub.md",)


def test_a_missing_folder_reads_as_empty(tmp_path: Path) -> None:
    found = read_notes(tmp_path / "absent")
    assert found.topics == () and "not a folder" in found.problems[0]


def test_split_front_matter_without_header_keeps_the_text() -> None:
    assert split_front_matter("# Title\n---\n") == ({}, "# Title\n---\n")


def test_parse_note_raises_for_a_nameless_file() -> None:
    with pytest.raises(NoteError):
        parse_note("notes.md", "Topics: dbt", MTIME)


def test_refresh_replaces_edited_and_forgets_deleted_files(notes: Path, store: Store) -> None:
    ana = write(notes, f"{ANA}.md", "Topics: dbt, kafka")
    write(notes, "bo@other.example.md", "Topics: wind")
    store.add_topics([Topic(ANA, "by hand", "note", MTIME)])
    refresh_notes(store, notes)
    assert [t.text for t in store.topics(ANA)[ANA]] == ["by hand", "dbt", "kafka"]

    later = datetime(2026, 3, 5, tzinfo=UTC)
    write(notes, ana.name, "Topics: dbt, data mesh", later)
    (notes / "bo@other.example.md").unlink()
    refresh_notes(store, notes)
    assert store.topics(ANA)[ANA] == (
        Topic(ANA, "by hand", "note", MTIME),
        Topic(ANA, "dbt", f"notes:{ANA}.md", later),
        Topic(ANA, "data mesh", f"notes:{ANA}.md", later),
    )
    assert store.topics("bo@other.example") == {}


def test_refresh_keeps_the_topics_of_a_file_that_broke(notes: Path, store: Store) -> None:
    write(notes, "ana.md", f"---\ncontact: {ANA}\n---\nTopics: dbt")
    refresh_notes(store, notes)
    write(notes, "ana.md", f"---\ncontact: {ANA}\nTopics: dbt")  # closing line lost
    found = refresh_notes(store, notes)
    assert found.skipped == ("ana.md",)
    assert [t.text for t in store.topics(ANA)[ANA]] == ["dbt"]


def test_refresh_of_a_missing_folder_forgets_nothing(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "notes"
    shutil.copytree(SEED_NOTES, folder)
    refresh_notes(store, folder)
    shutil.rmtree(folder)
    refresh_notes(store, folder)
    assert len(store.topics()) == 2
