"""Source health: ERROR once, DEBUG within the hour, ERROR hourly, INFO on recovery."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kaffe.daemon import health
from kaffe.daemon.executor import Outcome
from kaffe.daemon.health import Failure
from kaffe.errors import AuthError, ConnectorError, TransientError
from kaffe.model import Action
from kaffe.store import Store

AUTH = Failure("auth", "the token was revoked", "run `kaffe auth`")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


def levels(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == health.__name__]
    caplog.clear()
    return records


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=health.__name__)


def test_first_failure_is_an_error_with_the_fix(store: Store, now: datetime, caplog) -> None:
    health.note_failure(store, "gmail", AUTH, now, what="sync of gmail")
    assert levels(caplog) == [
        (logging.ERROR, "sync of gmail failed: the token was revoked; fix: run `kaffe auth`")]
    stored = health.load(store, "gmail")
    assert stored is not None
    assert (stored.kind, stored.since, stored.logged_at, stored.hint) == (
        "auth", now, now, "run `kaffe auth`")


def test_repeats_are_debug_until_an_hour_has_passed(store: Store, now: datetime, caplog) -> None:
    health.note_failure(store, "gmail", AUTH, now)
    levels(caplog)
    for minutes in (15, 30, 45, 59):
        health.note_failure(store, "gmail", AUTH, now + timedelta(minutes=minutes))
    assert {level for level, _ in levels(caplog)} == {logging.DEBUG}
    health.note_failure(store, "gmail", AUTH, now + timedelta(minutes=60))
    ((level, message),) = levels(caplog)
    assert level == logging.ERROR
    assert message.startswith(f"gmail still failing since {now:%Y-%m-%d %H:%M} UTC: ")
    health.note_failure(store, "gmail", AUTH, now + timedelta(minutes=75))
    assert [lv for lv, _ in levels(caplog)] == [logging.DEBUG]  # the hour starts again
    stored = health.load(store, "gmail")
    assert stored is not None and stored.since == now
    assert stored.last_failure == now + timedelta(minutes=75)


def test_a_different_kind_of_failure_is_news(store: Store, now: datetime, caplog) -> None:
    health.note_failure(store, "gmail", Failure("transient", "HTTP 503"), now)
    health.note_failure(store, "gmail", AUTH, now + timedelta(minutes=15))
    assert [lv for lv, _ in levels(caplog)] == [logging.ERROR, logging.ERROR]


def test_recovery_is_logged_once_and_clears_the_record(
    store: Store, now: datetime, caplog
) -> None:
    health.note_ok(store, "gmail", now)
    assert levels(caplog) == []  # healthy all along: nothing to say
    health.note_failure(store, "gmail", AUTH, now)
    levels(caplog)
    health.note_ok(store, "gmail", now + timedelta(minutes=15), what="sync of gmail")
    health.note_ok(store, "gmail", now + timedelta(minutes=30), what="sync of gmail")
    assert levels(caplog) == [(logging.INFO, "sync of gmail works again "
                                             f"(failing since {now:%Y-%m-%d %H:%M} UTC)")]
    assert health.load(store, "gmail") is None
    health.note_failure(store, "gmail", AUTH, now + timedelta(minutes=45))
    assert [lv for lv, _ in levels(caplog)] == [logging.ERROR]  # a new episode


def test_the_throttle_survives_a_restart(tmp_path: Path, now: datetime, caplog) -> None:
    with Store.open(tmp_path / "kaffe.db") as first:
        health.note_failure(first, "gmail", AUTH, now)
    levels(caplog)
    with Store.open(tmp_path / "kaffe.db") as second:
        health.note_failure(second, "gmail", AUTH, now + timedelta(minutes=5))
    assert [lv for lv, _ in levels(caplog)] == [logging.DEBUG]


def test_failing_lists_sources_whose_last_run_failed(store: Store, now: datetime) -> None:
    for name in ("gmail", "google:primary"):
        health.note_failure(store, name, AUTH, now)
        store.record_source_run(name, now, False, AUTH.message)
    store.record_source_run("ics:home", now, True, "3 changes")
    store.record_source_run("google:primary", now, True, "3 changes")  # worked since
    assert [h.source for h in health.failing(store)] == ["gmail"]


def test_an_unreadable_record_is_ignored(store: Store, caplog) -> None:
    store.set_meta("health:gmail", "{not json")
    assert health.load(store, "gmail") is None


@pytest.mark.parametrize(("exc", "kind"), [
    (AuthError("revoked", hint="run `kaffe auth`"), "auth"),
    (TransientError("HTTP 503"), "transient"),
    (ConnectorError("HTTP 400"), "other"),
])
def test_failure_of_classifies(exc, kind) -> None:
    assert health.failure_of(exc) == Failure(kind, str(exc), exc.hint)


def outcome(state: str, **extra: str) -> Outcome:
    action = Action(kind="followup", key=f"followup:{state}", state="due", reason="test")
    return Outcome(action, state, **extra)


def test_the_draft_sink_fails_on_auth_and_recovers_on_a_draft(
    store: Store, now: datetime, caplog
) -> None:
    broken = [outcome("unchanged"), outcome("auth", detail="revoked", hint="run `kaffe auth`")]
    health.note_drafts(store, "gmail", broken, now)
    health.note_drafts(store, "gmail", broken, now + timedelta(minutes=15))
    health.note_drafts(store, "gmail", [outcome("unchanged")], now + timedelta(minutes=30))
    assert [h.source for h in health.failing(store)] == ["drafts:gmail"]
    health.note_drafts(store, "gmail", [outcome("done", draft_id="r1")],
                       now + timedelta(minutes=45))
    assert health.failing(store) == []
    assert store.source_runs()["drafts:gmail"]["ok"]
    assert [lv for lv, _ in levels(caplog)] == [logging.ERROR, logging.DEBUG, logging.INFO]
