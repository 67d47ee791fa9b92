"""Executor: exactly-once drafting through the ledger, recovery after a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kaffe.compose.guard import GuardVerdict
from kaffe.daemon.executor import MAX_ATTEMPTS, Executor
from kaffe.errors import AuthError, ConnectorError, KaffeError, TransientError
from kaffe.model import (
    DONE,
    DUE,
    FAILED,
    PENDING,
    SKIPPED,
    Action,
    Draft,
    OutcomeState,
    Recipient,
)
from kaffe.store import Store

SENDER = Recipient("me@example.com", "Me")


class RecordingSink:
    """An in-memory draft sink: enough to exercise the executor's ledger logic."""

    name = "memory"

    def __init__(self) -> None:
        self.drafts: dict[str, Draft] = {}
        self.fail_with: Exception | None = None
        self.lookups = 0
        self.asked: list[list[str]] = []
        self.skipped: list[set[str]] = []

    def create_draft(self, draft: Draft) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        draft_id = f"r{len(self.drafts) + 1}"
        self.drafts[draft_id] = draft
        return draft_id

    def find_draft(self, key: str) -> str | None:
        return self.find_drafts([key]).get(key)

    def find_drafts(self, keys, *, skip=()) -> dict[str, str]:
        self.lookups += 1
        self.asked.append(list(keys))
        self.skipped.append(set(skip))
        return {d.key: i for i, d in self.drafts.items()
                if d.key in self.asked[-1] and i not in skip}


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


# -- drafts made before the database knew of them (issue 12, item 4) -------------------------
def test_new_keys_are_looked_up_once_per_cycle_and_found_drafts_are_adopted(store, now):
    sink = RecordingSink()
    sink.drafts["old"] = render(action("k1"))  # made by an earlier install of kaffe
    outcomes = Executor(store, sink, render).execute([action("k1"), action("k2")], now)
    assert sink.asked == [["k1", "k2"]]  # one look-up for both, before the first draft
    assert [o.state for o in outcomes] == ["recovered", DONE]
    assert sorted(sink.drafts) == ["old", "r2"]
    assert store.ledger_entry("k1").state == DONE and store.ledger_entry("k1").draft_id == "old"


def test_keys_the_ledger_has_done_are_not_looked_up_nor_their_drafts_read(store, now):
    sink = RecordingSink()
    executor = Executor(store, sink, render)
    executor.execute([action("k1")], now)
    executor.execute([action("k1"), action("k2")], now)
    assert sink.asked == [["k1"], ["k2"]]
    assert sink.skipped == [set(), {"r1"}]  # k1's draft carries k1: not read for k2


def test_a_failed_look_up_drafts_nothing(store, now):
    class Unreachable(RecordingSink):
        def find_drafts(self, keys, *, skip=()):
            raise TransientError("503 backend error")

    sink = Unreachable()
    outcomes = Executor(store, sink, render).execute([action("k1"), action("k2")], now)
    assert [(o.state, o.action.key) for o in outcomes] == [("transient", "k1")]
    assert "looking for drafts made before" in outcomes[0].detail
    assert not sink.drafts and store.ledger_entry("k2") is None
    assert store.ledger_entry("k1").state == FAILED  # on record, tried again next cycle


def test_the_draft_is_dated_now(store, now):
    sink = RecordingSink()
    Executor(store, sink, render).execute([action()], now)
    assert [d.date for d in sink.drafts.values()] == [now]


# -- a key that keeps failing is given up on (issue 12, Low) ----------------------------------
def test_a_key_that_keeps_failing_is_given_up_after_max_attempts(store, now, caplog):
    sink = RecordingSink()
    sink.fail_with = ConnectorError("gmail drafts.create: HTTP 400 invalid")
    executor = Executor(store, sink, render)
    for cycle in range(MAX_ATTEMPTS):
        (outcome,) = executor.execute([action("k1")], now + timedelta(hours=cycle))
        assert outcome.state == FAILED
    entry = store.ledger_entry("k1")
    assert entry.state == SKIPPED and entry.attempts == MAX_ATTEMPTS
    assert entry.detail.startswith(f"gave up after {MAX_ATTEMPTS} failed attempts")
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "followup draft k1" in errors[0] and "HTTP 400" in errors[0]
    sink.fail_with = None
    assert [o.state for o in executor.execute([action("k1")], now)] == ["unchanged"]
    assert not sink.drafts


def test_a_render_error_counts_as_an_attempt_too(store, now):
    def broken(action: Action) -> Draft:
        raise KaffeError("followup.j2, line 3: 'x' is undefined")

    executor = Executor(store, RecordingSink(), broken)
    for cycle in range(MAX_ATTEMPTS):
        executor.execute([action("k1")], now + timedelta(hours=cycle))
    assert store.ledger_entry("k1").state == SKIPPED


def test_outages_never_give_a_key_up(store, now):
    sink = RecordingSink()
    sink.fail_with = TransientError("503 backend error")
    executor = Executor(store, sink, render)
    for cycle in range(MAX_ATTEMPTS * 2):
        executor.execute([action("k1")], now + timedelta(hours=cycle))
    assert store.ledger_entry("k1").state == FAILED
    sink.fail_with = None
    assert [o.state for o in executor.execute([action("k1")], now)] == [DONE]


def test_a_sink_that_knows_it_is_refused_is_not_asked_and_skips_are_still_recorded(store, now):
    from kaffe.connectors.google.permissions import PERMISSIONS, MissingPermission

    sink = RecordingSink()
    sink.refusal = lambda: MissingPermission("gmail drafts: not granted", PERMISSIONS[1])
    outcomes = Executor(store, sink, render).execute(
        [action("followup:a"), action("followup:b", SKIPPED)], now)
    assert [(o.state, o.kind) for o in outcomes] == [(SKIPPED, ""), ("auth", "permission")]
    assert sink.lookups == 0 and sink.drafts == {}
    assert store.ledger_entry("followup:a") is None  # still due: no attempt counted
    assert store.ledger_entry("followup:b").state == SKIPPED


def test_the_dry_run_writes_nothing_and_words_a_block_as_the_run_does(store, now):
    def guard(draft: Draft) -> GuardVerdict:
        return GuardVerdict("job" in draft.subject, "job", r"\bjob\b")

    def render_job(a: Action) -> Draft:
        return Draft(a.key, SENDER, a.to, f"Subject {a.key}", "Body")

    sink = RecordingSink()
    executor = Executor(store, sink, render_job, guard)
    actions = [action("followup:job"), action("followup:ok"), action("drip:x", SKIPPED)]
    preview = executor.preview(actions, now)
    assert [(o.action.key, o.state) for o in preview] == [
        ("followup:job", OutcomeState.BLOCKED), ("followup:ok", OutcomeState.DONE)]
    assert preview[1].draft is not None and preview[1].draft.date == now
    assert store.ledger() == {} and sink.drafts == {} and sink.lookups == 0
    run = executor.execute(actions, now)
    blocked = [o for o in run if o.state == OutcomeState.BLOCKED]
    assert [o.detail for o in blocked] == [preview[0].detail]
    assert preview[0].detail == 'blocked by the guard: "job" (pattern \\bjob\\b)'
