"""A full disk is a StorageError naming the path and the fix, and the store stays usable.

The disk is made full by SQLite itself: ``PRAGMA max_page_count`` at the database's
current size makes every write that needs a new page fail with SQLITE_FULL, the
error a full disk gives.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kaffe.errors import EX_CONFIG, EX_IOERR, StorageError
from kaffe.model import Contact
from kaffe.store import InstanceLock, Store


def fill_up(store: Store) -> None:
    conn = store._conn  # the test's one reach inside: SQLite's own limit, no mock
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def free_up(store: Store) -> None:
    store._conn.execute("PRAGMA max_page_count = 1073741823")


def many_contacts(store: Store, n: int = 2000) -> None:
    with store.transaction():
        for i in range(n):
            store.upsert_contact(Contact(f"person{i}@example.org", "x" * 200, "en"))


def test_a_full_disk_is_a_storage_error_and_the_store_works_once_there_is_room(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kaffe.db"
    with Store.open(path) as store:
        fill_up(store)
        with pytest.raises(StorageError) as info:
            many_contacts(store)
        assert str(info.value) == (f"cannot write to {path}: the disk holding {tmp_path} "
                                   "is full")
        assert info.value.exit_code == EX_IOERR
        assert f"df -h {tmp_path}" in info.value.hint and "next cycle" in info.value.hint
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert store.contacts() == {}  # rolled back whole
        free_up(store)
        many_contacts(store, 3)  # no transaction was left open
        assert len(store.contacts()) == 3


def test_a_nested_unit_of_work_on_a_full_disk_is_undone_too(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kaffe.db") as store:
        store.set_meta("before", "1")
        fill_up(store)
        with pytest.raises(StorageError), store.transaction():
            store.set_meta("outer", "1")
            many_contacts(store)  # a savepoint inside
        free_up(store)
        store.set_meta("after", "1")
        assert (store.get_meta("outer"), store.get_meta("after")) == (None, "1")


def test_a_folder_where_the_database_should_be_is_exit_78(tmp_path: Path) -> None:
    (tmp_path / "kaffe.db").mkdir()
    with pytest.raises(StorageError) as info:
        Store.open(tmp_path / "kaffe.db")
    assert str(info.value) == f"{tmp_path / 'kaffe.db'} is a folder, not a database file"
    assert info.value.exit_code == EX_CONFIG
    assert "[storage] database" in info.value.hint


def test_a_file_where_the_data_folder_should_be_is_exit_78(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("")
    with pytest.raises(StorageError) as info:
        Store.open(tmp_path / "data" / "kaffe.db")
    assert info.value.exit_code == EX_CONFIG
    assert str(tmp_path / "data" / "kaffe.db") in str(info.value)
    with pytest.raises(StorageError):
        InstanceLock(tmp_path / "data" / "kaffe.lock").acquire()
