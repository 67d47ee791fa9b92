"""Upgrading from every schema version this kaffe knows, with data in every table.

For each version k (0 = an empty file) a database is built with MIGRATIONS[:k]
and filled by raw SQL in the columns that version has; Store.open must bring it
to the latest version with every row reading back unchanged. A new migration is
covered by appending it to MIGRATIONS; a new table or column must be given a
representative row below (a test says so).
"""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kaffe.errors import KaffeError
from kaffe.model import (
    DONE,
    FAILED,
    PENDING,
    Article,
    Contact,
    LanguageVerdict,
    LedgerEntry,
    Topic,
)
from kaffe.store import Store
from kaffe.store import db as store_db
from kaffe.store.articles import article_to_row
from kaffe.store.codec import dt_to_text, event_to_json, message_to_json, strings_to_json
from kaffe.store.interactions import interaction
from kaffe.store.migrations import MIGRATIONS, migrate, user_version
from kaffe.store.topics import topic_to_row
from tests.store.factories import ANA, CAL, T0, at, make_event, make_message

LATEST = len(MIGRATIONS)
VERSIONS = range(LATEST)  # every version older than the latest, 0 being an empty file

EVENTS = (make_event("e1"), make_event("e2", 48, status="cancelled", attendees=()))
MESSAGES = (make_message("m1"), make_message("m2", 1, sent=True, kaffe_key="followup:x"))
CONTACTS = (Contact(ANA.email, ANA.name, "da"), Contact("bo@example.org"))
LEDGER = (LedgerEntry("drip:ana:a1", "drip", FAILED, at(2), "", "HTTP 503", 3, ANA.email),
          LedgerEntry("followup:a", "followup", DONE, T0, "r1", "", 1, ANA.email),
          LedgerEntry("followup:b", "followup", PENDING, at(1), "", "", 2, ""))
TOPICS = (Topic(ANA.email, "data mesh", "note", T0), Topic(ANA.email, "dbt", "mail:<t1>", at(1)))
ARTICLES = (Article("a1", "blog", "https://blog.example/a1", "Data mesh", "Plain text.", T0,
                    "en", ("data",)),
            Article("a2", "news", "https://news.example/a2", "Undated"))
RUNS = {"feed:blog": {"last_run": at(1), "last_ok": None, "ok": False, "detail": "HTTP 503"},
        CAL: {"last_run": at(1), "last_ok": at(1), "ok": True, "detail": ""}}


def _event_row(event: Any) -> dict[str, Any]:
    return {"calendar": event.calendar, "id": event.id, "uid": event.uid,
            "start_at": dt_to_text(event.start), "end_at": dt_to_text(event.end),
            "status": event.status, "data": event_to_json(event)}


def _message_row(message: Any) -> dict[str, Any]:
    return {"key": message.key, "account": message.account, "id": message.id,
            "thread_id": message.thread_id, "date_at": dt_to_text(message.date),
            "direction": message.direction, "message_id": message.message_id,
            "data": message_to_json(message)}


def _interaction_row(item: Any) -> dict[str, Any]:
    return {"message_key": item.message_key, "contact": item.contact,
            "direction": item.direction, "at": dt_to_text(item.at), "thread_id": item.thread_id,
            "subject": item.subject, "message_id": item.message_id,
            "references": strings_to_json(item.references), "kaffe_key": item.kaffe_key}


def _ledger_row(entry: LedgerEntry) -> dict[str, Any]:
    return {**dataclasses.asdict(entry), "updated": dt_to_text(entry.updated)}


def _run_row(source: str, run: dict[str, Any]) -> dict[str, Any]:
    last_ok = run["last_ok"] and dt_to_text(run["last_ok"])
    return {"source": source, "last_run": dt_to_text(run["last_run"]), "last_ok": last_ok,
            "ok": int(run["ok"]), "detail": run["detail"]}


@dataclass(frozen=True)
class Table:
    """Representative rows (in the latest schema's columns), what the Store API reads
    back for them (same order), and how to read it."""

    rows: tuple[dict[str, Any], ...]
    objects: tuple[Any, ...]
    read: Callable[[Store], tuple[Any, ...]]


INTERACTIONS = tuple(interaction(m, ANA.email) for m in MESSAGES)
VERDICTS = (LanguageVerdict(MESSAGES[0].key, MESSAGES[0].date, "da", 0.97),)
ARTICLE_COLUMNS = ("id", "feed", "url", "title", "summary", "published", "language", "tags")
META = (("owner", "alex"), ("articles.pruned_before", dt_to_text(at(-24 * 400))))
CURSORS = ((CAL, "sync-token-1"), ("gmail", "history-42"))

# Insertion order matters only for readability: interactions refer to messages.
TABLES: dict[str, Table] = {
    "meta": Table(tuple({"key": k, "value": v} for k, v in META), META,
                  lambda s: tuple((k, s.get_meta(k)) for k, _ in META)),
    "cursors": Table(tuple({"name": k, "value": v} for k, v in CURSORS), CURSORS,
                     lambda s: tuple((k, s.get_cursor(k)) for k, _ in CURSORS)),
    "events": Table(tuple(map(_event_row, EVENTS)), EVENTS, lambda s: tuple(s.events())),
    "contacts": Table(tuple(map(dataclasses.asdict, CONTACTS)), CONTACTS,
                      lambda s: tuple(s.contacts().values())),
    "ledger": Table(tuple(map(_ledger_row, LEDGER)), LEDGER,
                    lambda s: tuple(sorted(s.ledger().values(), key=lambda e: e.key))),
    "source_runs": Table(tuple(_run_row(k, v) for k, v in RUNS.items()),
                         tuple(sorted(RUNS.items())), lambda s: tuple(s.source_runs().items())),
    "messages": Table(tuple(map(_message_row, MESSAGES)), MESSAGES,
                      lambda s: tuple(s.messages())),
    "interactions": Table(tuple(map(_interaction_row, INTERACTIONS)), INTERACTIONS,
                          lambda s: tuple(i for g in s.interactions().values() for i in g)),
    "topics": Table(tuple(dict(zip(("contact", "text", "source", "at"), topic_to_row(t),
                                   strict=True)) for t in TOPICS), TOPICS,
                    lambda s: tuple(t for g in s.topics().values() for t in g)),
    "articles": Table(tuple(dict(zip(ARTICLE_COLUMNS, article_to_row(a), strict=True),
                                 fetched_at=dt_to_text(at(1))) for a in ARTICLES), ARTICLES,
                      lambda s: tuple(s.articles())),
    "languages": Table(tuple({"message_key": v.message_key, "contact": ANA.email,
                              "at": dt_to_text(v.at), "language": v.language,
                              "confidence": v.confidence} for v in VERDICTS), VERDICTS,
                       lambda s: tuple(v for g in s.languages().values() for v in g)),
}


def columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Each table of the open database with its columns."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {name: {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
            for name in names}


def build(path: Path, version: int) -> dict[str, set[str]]:
    """A database at ``version`` holding every representative row its tables can take
    (only the columns that version has); returns its tables and columns."""
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:version]) == version
    schema = columns(conn)
    conn.execute("BEGIN")
    for name, table in TABLES.items():
        for row in table.rows if name in schema else ():
            kept = {k: v for k, v in row.items() if k in schema[name]}
            conn.execute(f'INSERT INTO {name} ({", ".join(f"{k!r}" for k in kept)}) '
                         f'VALUES ({", ".join("?" * len(kept))})', tuple(kept.values()))
    conn.execute("COMMIT")
    conn.close()
    return schema


def without(obj: Any, dropped: set[str]) -> Any:
    """``obj`` with the fields whose columns an old version lacked at their defaults."""
    if not dataclasses.is_dataclass(obj):
        return obj
    defaults = {f.name: f.default for f in dataclasses.fields(obj) if f.name in dropped}
    return dataclasses.replace(obj, **defaults)


def expected(name: str, schema: dict[str, set[str]]) -> tuple[Any, ...]:
    table = TABLES[name]
    return tuple(without(obj, set(row) - schema[name])
                 for row, obj in zip(table.rows, table.objects, strict=True))


def assert_reads_back(store: Store, schema: dict[str, set[str]]) -> None:
    for name in schema:
        assert TABLES[name].read(store) == expected(name, schema), name


def dump(path: Path) -> tuple[int, list[str]]:
    """The schema version and every statement that would rebuild the file."""
    conn = sqlite3.connect(path)
    try:
        return user_version(conn), list(conn.iterdump())
    finally:
        conn.close()


def test_every_table_and_column_has_representative_data(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "latest.db", isolation_level=None)
    migrate(conn)
    schema = columns(conn)
    conn.close()
    assert set(schema) == set(TABLES), "give a new table rows in TABLES"
    for name, table in TABLES.items():
        for row in table.rows:
            assert set(row) == schema[name], f"{name}: give every column a value"


@pytest.mark.parametrize("version", VERSIONS)
def test_upgrade_from_every_version_keeps_every_row(tmp_path: Path, version: int) -> None:
    path = tmp_path / "kaffe.db"
    schema = build(path, version)
    with Store.open(path) as store:
        assert store.schema_version == LATEST
        assert_reads_back(store, schema)
    with Store.open(path) as store:  # and again, with nothing left to migrate
        assert_reads_back(store, schema)


@pytest.mark.parametrize("version", VERSIONS)
def test_upgraded_store_keeps_working(tmp_path: Path, version: int) -> None:
    path = tmp_path / "kaffe.db"
    build(path, version)
    with Store.open(path) as store:
        again = store.ledger_begin("followup:b", "followup", at(5), contact=ANA.email)
        assert again.attempts == (3 if version else 1)
        store.upsert_contact(Contact("cy@example.org", "Cy"))
        assert store.add_topics([Topic("cy@example.org", "kafka", "note", at(5))]) == 1


def failing_migrate(version: int, conn: sqlite3.Connection) -> int:
    """Run the real migrations up to ``version + 1``, failing after the last one's steps."""
    def power_cut(_: sqlite3.Connection) -> None:
        raise RuntimeError("power cut")

    return migrate(conn, (*MIGRATIONS[:version], (*MIGRATIONS[version], power_cut)))


@pytest.mark.parametrize("version", VERSIONS)
def test_a_migration_failing_midway_leaves_the_old_version(
    tmp_path: Path, version: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kaffe.db"
    schema = build(path, version)
    before = dump(path)
    monkeypatch.setattr(store_db, "migrate", functools.partial(failing_migrate, version))
    with pytest.raises(RuntimeError, match="power cut"):
        Store.open(path)
    assert dump(path) == before
    monkeypatch.undo()
    with Store.open(path) as store:
        assert_reads_back(store, schema)


KILLED_MIDWAY = """
import os, sqlite3, sys
from kaffe.store.migrations import MIGRATIONS, migrate
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
k = int(sys.argv[2])
migrate(conn, (*MIGRATIONS[:k], (*MIGRATIONS[k], lambda c: os._exit(9))))
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_a_process_killed_midway_through_a_migration_leaves_the_old_version(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "kaffe.db"
    schema = build(path, version)
    before = dump(path)
    done = subprocess.run([sys.executable, "-c", KILLED_MIDWAY, str(path), str(version)],
                          timeout=60)
    assert done.returncode == 9  # died with the migration's statements run, uncommitted
    assert dump(path) == before
    with Store.open(path) as store:
        assert store.schema_version == LATEST
        assert_reads_back(store, schema)


def test_a_database_from_a_newer_kaffe_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    build(path, LATEST)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    before = dump(path)
    with pytest.raises(KaffeError) as info:
        Store.open(path)
    assert f"schema version {LATEST + 1}, newer than this kaffe knows ({LATEST})" in str(
        info.value)
    assert "upgrade kaffe" in info.value.hint
    assert dump(path) == before  # not downgraded, not touched


def test_the_cli_says_so_for_a_newer_database(tmp_path: Path, capsys) -> None:
    from kaffe.cli import main
    from tests.helpers import write_config

    config = write_config(tmp_path, "http://127.0.0.1:9")
    sqlite3.connect(tmp_path / "kaffe.db").execute(f"PRAGMA user_version = {LATEST + 7}")
    assert main(["--config", str(config), "export"]) == 1
    err = capsys.readouterr().err
    assert "newer than this kaffe knows" in err and "hint: upgrade kaffe" in err
    assert "Traceback" not in err
