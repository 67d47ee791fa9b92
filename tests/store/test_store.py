"""The store's small tables, transactions and ledger transitions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kaffe.model import DONE, FAILED, PENDING, SKIPPED, Contact, LedgerEntry
from kaffe.store import Store


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "kaffe.db") as store:
        yield store


def test_cursors_set_replace_and_forget(store: Store) -> None:
    assert store.get_cursor("google:primary") is None
    store.set_cursor("google:primary", "token-1")
    store.set_cursor("google:primary", "token-2")
    assert store.get_cursor("google:primary") == "token-2"
    store.set_cursor("google:primary", None)
    assert store.get_cursor("google:primary") is None


def test_meta_values(store: Store) -> None:
    assert store.get_meta("window_end") is None
    store.set_meta("window_end", "a")
    store.set_meta("window_end", "b")
    assert store.get_meta("window_end") == "b"


def test_contacts_upsert_by_address(store: Store) -> None:
    store.upsert_contact(Contact("ana@partner.dk", "Ana"))
    store.upsert_contact(Contact("ana@partner.dk", "Ana Sørensen", "da"))
    store.upsert_contact(Contact("bo@example.com"))
    assert store.contacts() == {
        "ana@partner.dk": Contact("ana@partner.dk", "Ana Sørensen", "da"),
        "bo@example.com": Contact("bo@example.com"),
    }


def test_ledger_begin_then_done(store: Store, now) -> None:
    entry = store.ledger_begin("followup:cal/e1", "followup", now)
    assert entry == LedgerEntry("followup:cal/e1", "followup", PENDING, now, attempts=1)
    assert [e for e in store.ledger().values() if e.state == PENDING] == [entry]
    later = now + timedelta(seconds=3)
    store.ledger_finish("followup:cal/e1", DONE, later, draft_id="r123")
    assert store.ledger_entry("followup:cal/e1") == LedgerEntry(
        "followup:cal/e1", "followup", DONE, later, "r123", "", 1
    )
    assert [e for e in store.ledger().values() if e.state == PENDING] == []


def test_ledger_retry_after_failure_counts_attempts_and_clears_detail(store: Store, now) -> None:
    store.ledger_begin("drip:ana:1", "drip", now)
    store.ledger_finish("drip:ana:1", FAILED, now, detail="TransientError: 503")
    assert store.ledger_entry("drip:ana:1").detail == "TransientError: 503"
    entry = store.ledger_begin("drip:ana:1", "drip", now + timedelta(hours=1))
    assert (entry.state, entry.attempts, entry.detail) == (PENDING, 2, "")


def test_ledger_finish_keeps_a_known_draft_id(store: Store, now) -> None:
    store.ledger_begin("k", "followup", now)
    store.ledger_finish("k", DONE, now, draft_id="r1")
    store.ledger_finish("k", SKIPPED, now, detail="stale")
    assert store.ledger_entry("k").draft_id == "r1"


def test_ledger_lists_every_entry_by_key(store: Store, now) -> None:
    store.ledger_begin("a", "followup", now)
    store.ledger_begin("b", "drip", now)
    store.ledger_finish("b", SKIPPED, now, detail="cadence")
    assert {k: e.state for k, e in store.ledger().items()} == {"a": PENDING, "b": SKIPPED}


def test_ledger_finish_rejects_unknown_states_and_keys(store: Store, now) -> None:
    store.ledger_begin("k", "followup", now)
    with pytest.raises(ValueError):
        store.ledger_finish("k", PENDING, now)
    with pytest.raises(KeyError):
        store.ledger_finish("never-begun", DONE, now)
    assert store.ledger_entry("k").state == PENDING


def test_source_runs_keep_the_last_success(store: Store, now) -> None:
    store.record_source_run("google:primary", now, True, "3 changes")
    failed_at = now + timedelta(minutes=15)
    store.record_source_run("google:primary", failed_at, False, "TransientError: 503")
    assert store.source_runs() == {
        "google:primary": {"last_run": failed_at, "last_ok": now, "ok": False,
                           "detail": "TransientError: 503"},
    }


def test_source_run_that_never_succeeded(store: Store, now) -> None:
    store.record_source_run("ics:work", now, False, "404")
    assert store.source_runs()["ics:work"]["last_ok"] is None


def test_transaction_rolls_back_everything_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.set_cursor("c", "1")
        store.set_meta("m", "1")
        raise RuntimeError("boom")
    assert store.get_cursor("c") is None
    assert store.get_meta("m") is None


def test_nested_failure_undoes_only_the_inner_work(store: Store) -> None:
    with store.transaction():
        store.set_cursor("outer", "1")
        with pytest.raises(RuntimeError), store.transaction():
            store.set_cursor("inner", "1")
            raise RuntimeError("boom")
    assert store.get_cursor("outer") == "1"
    assert store.get_cursor("inner") is None


def test_uncommitted_work_is_invisible_to_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.db"
    with Store.open(path) as writer, Store.open(path) as reader:
        with writer.transaction():
            writer.set_cursor("c", "1")
            assert reader.get_cursor("c") is None
        assert reader.get_cursor("c") == "1"


def test_ledger_records_the_contact_and_keeps_it_when_rebegun_without_one(
    store: Store, now
) -> None:
    entry = store.ledger_begin("drip:ana:1", "drip", now, contact="ana@partner.dk")
    assert entry == LedgerEntry("drip:ana:1", "drip", PENDING, now, attempts=1,
                                contact="ana@partner.dk")
    store.ledger_finish("drip:ana:1", FAILED, now, detail="TransientError: 503")
    again = store.ledger_begin("drip:ana:1", "drip", now + timedelta(hours=1))
    assert (again.attempts, again.contact) == (2, "ana@partner.dk")
    moved = store.ledger_begin("drip:ana:1", "drip", now, contact="ana@new.example")
    assert moved.contact == "ana@new.example"
    store.ledger_finish("drip:ana:1", DONE, now, draft_id="r9")
    assert store.ledger()["drip:ana:1"].contact == "ana@new.example"
    assert store.ledger_begin("k", "followup", now).contact == ""
