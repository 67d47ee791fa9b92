"""Executor: exactly-once drafting through the ledger, recovery after a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kaffe.daemon.executor import Executor
from kaffe.errors import AuthError, TransientError
from kaffe.model import DONE, DUE, FAILED, PENDING, SKIPPED, Action, Draft, Recipient
from kaffe.store import Store

SENDER = Recipient("me@example.com", "Me")


class RecordingSink:
    """An in-memory draft sink: enough to exercise the executor's ledger logic."""

    name = "memory"

    def __init__(self) -> None:
        self.drafts: dict[str, Draft] = {}
        self.fail_with: Exception | None = None
        self.lookups = 0

    def create_draft(self, draft: Draft) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        draft_id = f"r{len(self.drafts) + 1}"
        self.drafts[draft_id] = draft
        return draft_id

    def find_draft(self, key: str) -> str | None:
        self.lookups += 1
        return next((i for i, d in self.drafts.items() if d.key == key), None)


def render(action: Action) -> Draft:
    return Draft(action.key, SENDER, action.to, f"Subject {action.key}", "Body")


def action(key: str = "followup:a", state: str = DUE) -> Action:
    return Action("followup", key, state, "because", to=(Recipient("ana@x.example"),))


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "kaffe.db") as db:
        yield db


def test_due_action_becomes_one_draft_and_a_done_row(store, now):
    sink = RecordingSink()
    executor = Executor(store, sink, render)
    first = executor.execute([action()], now)
    second = executor.execute([action()], now + timedelta(hours=1))
    assert [o.state for o in first] == [DONE]
    assert [o.state for o in second] == ["unchanged"]
    assert len(sink.drafts) == 1
    entry = store.ledger_entry("followup:a")
    assert entry.state == DONE and entry.draft_id == "r1"


def test_pending_row_from_a_crash_is_looked_up_not_redrafted(store, now):
    sink = RecordingSink()
    # The crash: the draft was created, but the process died before the ledger said done.
    store.ledger_begin("followup:a", "followup", now)
    sink.drafts["r1"] = render(action())
    outcomes = Executor(store, sink, render).execute([action()], now)
    assert [o.state for o in outcomes] == ["recovered"]
    assert len(sink.drafts) == 1
    assert store.ledger_entry("followup:a").draft_id == "r1"


def test_pending_row_without_a_draft_is_retried(store, now):
    sink = RecordingSink()
    store.ledger_begin("followup:a", "followup", now)  # died before drafts.create
    outcomes = Executor(store, sink, render).execute([action()], now)
    assert [o.state for o in outcomes] == [DONE]
    assert sink.lookups == 1 and len(sink.drafts) == 1


def test_transient_failure_is_recorded_and_stops_the_cycle(store, now):
    sink = RecordingSink()
    sink.fail_with = TransientError("429 rate limited", retry_after=3)
    outcomes = Executor(store, sink, render).execute([action("k1"), action("k2")], now)
    assert [o.state for o in outcomes] == ["transient"]
    assert store.ledger_entry("k1").state == FAILED
    assert "429" in store.ledger_entry("k1").detail
    assert store.ledger_entry("k2") is None
    sink.fail_with = None
    again = Executor(store, sink, render).execute([action("k1"), action("k2")], now)
    assert [o.state for o in again] == [DONE, DONE]


def test_auth_failure_stops_and_is_recorded(store, now):
    sink = RecordingSink()
    sink.fail_with = AuthError("invalid_grant", hint="run `kaffe auth`")
    outcomes = Executor(store, sink, render).execute([action("k1"), action("k2")], now)
    assert [o.state for o in outcomes] == ["auth"]
    assert store.ledger_entry("k1").state == FAILED


def test_skipped_actions_are_recorded_once_and_never_drafted(store, now):
    sink = RecordingSink()
    executor = Executor(store, sink, render)
    stale = action("followup:old", SKIPPED)
    assert [o.state for o in executor.execute([stale], now)] == [SKIPPED]
    assert executor.execute([stale], now) == []
    assert store.ledger_entry("followup:old").state == SKIPPED
    assert not sink.drafts


def test_ledger_pending_is_written_before_the_draft_is_created(store, now):
    seen = []

    class Spy(RecordingSink):
        def create_draft(self, draft: Draft) -> str:
            seen.append(store.ledger_entry(draft.key).state)
            return super().create_draft(draft)

    Executor(store, Spy(), render).execute([action()], now)
    assert seen == [PENDING]
