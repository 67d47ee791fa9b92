"""The database file: private modes, WAL and schema migrations."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from kaffe.errors import KaffeError
from kaffe.store import Store, migrations
from kaffe.store.migrations import MIGRATIONS, migrate, user_version

LATEST = len(MIGRATIONS)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


def test_new_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "kaffe.db"
    with Store.open(path) as store:
        store.set_meta("k", "v")
        for name in ("kaffe.db", "kaffe.db-wal", "kaffe.db-shm"):
            assert mode(path.parent / name) == 0o600, name
    assert mode(path.parent) == 0o700


def test_a_world_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Store.open(path).close()
    assert mode(path) == 0o600


def test_database_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kaffe.db") as store:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_migrates_an_empty_database_from_version_0(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    sqlite3.connect(path).close()
    with sqlite3.connect(path) as conn:
        assert user_version(conn) == 0
    with Store.open(path) as store:
        assert store.schema_version == LATEST == 4
    assert {"meta", "cursors", "events", "contacts", "ledger", "source_runs", "messages",
            "interactions", "topics", "articles", "languages"} <= tables(path)


def test_reopening_keeps_data_and_runs_no_migration(tmp_path: Path, caplog) -> None:
    path = tmp_path / "kaffe.db"
    with Store.open(path) as store:
        store.set_cursor("c", "1")
    caplog.set_level("INFO", logger=migrations.__name__)
    with Store.open(path) as store:
        assert store.get_cursor("c") == "1"
        assert store.schema_version == LATEST
    assert "migrated" not in caplog.text


def test_a_second_migration_is_one_more_entry(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    with Store.open(path) as store:
        store.set_meta("k", "v")
    new = ("ALTER TABLE contacts ADD COLUMN topics TEXT NOT NULL DEFAULT ''",
           lambda conn: conn.execute("UPDATE meta SET value = 'new' WHERE key = 'k'"))
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, (*MIGRATIONS, new)) == LATEST + 1
    assert migrate(conn, (*MIGRATIONS, new)) == LATEST + 1  # again: a no-op
    assert conn.execute("SELECT value FROM meta").fetchall() == [("new",)]
    conn.close()


def test_a_failing_migration_leaves_the_old_version(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    Store.open(path).close()
    broken = ("CREATE TABLE reminders (id TEXT)", "THIS IS NOT SQL")
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, (*MIGRATIONS, broken))
    assert user_version(conn) == LATEST
    conn.close()
    assert "reminders" not in tables(path)


def test_a_database_from_a_newer_kaffe_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(KaffeError) as info:
        Store.open(path)
    assert "upgrade kaffe" in info.value.hint


def test_a_file_that_is_not_a_database_is_a_kaffe_error(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    path.write_bytes(b"certainly not SQLite " * 100)
    with pytest.raises(KaffeError) as info:
        Store.open(path)
    assert str(path) in str(info.value)
    assert "move the file aside" in info.value.hint
