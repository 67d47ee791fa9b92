"""A Google token without gmail.compose (unticked on the consent page, or taken back
later): kaffe keeps reading Gmail and the calendar and planning, drafts nothing, never
tries drafts.create while the token file says the permission is missing (once a cycle,
never five retries, while only Google's 403 says it), logs the missing permission once, and
`kaffe status`, `kaffe doctor` and `kaffe plan` name it with the fix. The real client
over real HTTP against the emulator, which enforces scopes; the clock is injected."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.cli.doctor import run_checks
from kaffe.config import load
from kaffe.connectors.google import open_google
from kaffe.connectors.google.auth import SCOPES
from kaffe.daemon import health
from kaffe.daemon.executor import Executor
from kaffe.daemon.runtime import open_runtime
from kaffe.emulator import Emulator
from kaffe.model import DUE, Action, Draft, Recipient
from kaffe.store import Store
from tests.helpers import DEMO_SEED, write_config

T0 = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
TICK = timedelta(minutes=15)
GMAIL_READONLY, GMAIL_COMPOSE, CALENDAR_READONLY = SCOPES
READ_ONLY = [GMAIL_READONLY, CALENDAR_READONLY]
CALENDAR = '[[calendars]]\ntype = "google"\nname = "work"\ncalendar_id = "primary"\n'



@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(DEMO_SEED) as emulator:
        yield emulator


def _narrow_token_file(cfg: Path, scopes: list[str]) -> None:
    token = cfg.parent / "token.json"
    info = json.loads(token.read_text())
    token.write_text(json.dumps(info | {"scopes": scopes}))


def _creates(emu: Emulator) -> int:
    return sum(1 for r in emu.requests() if r["api"] == "gmail.users.drafts.create")


def _drafting_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
            and "drafts" in r.getMessage()]


@pytest.mark.parametrize("when", ["at consent", "later"])
def test_without_compose_kaffe_reads_plans_and_says_drafting_is_not_granted(
    tmp_path: Path, emu: Emulator, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], when: str,
) -> None:
    cfg = write_config(tmp_path, emu.url, CALENDAR)
    emu.set_scopes(READ_ONLY)
    if when == "at consent":  # `kaffe auth` stored what was granted
        _narrow_token_file(cfg, READ_ONLY)
    # "later": the file still lists every scope; Google's refresh answers the narrower grant
    caplog.set_level(logging.INFO, logger="kaffe")
    runtime = open_runtime(load(cfg))
    try:
        logged: list[list[str]] = []
        for n in range(6):  # an hour and a quarter: a lost sign-in would be said again
            emu.clear_requests()
            caplog.clear()
            result = runtime.cycle(T0 + n * TICK)
            assert [s.error for s in result.syncs] == ["", ""]  # Gmail and Calendar read
            assert _creates(emu) == 0  # the token file says it: not one refused attempt
            logged.append(_drafting_errors(caplog))
        assert emu.drafts() == []
        assert len(logged[0]) == 1 and logged[1:] == [[]] * 5  # said once, not hourly
        assert "gmail.compose" in logged[0][0] and "writes no drafts" in logged[0][0]
        assert "kaffe auth" in logged[0][0]
        failing = {h.source: h for h in health.failing(runtime.store)}
        assert set(failing) == {"drafts:gmail"}
        assert "gmail.compose" in failing["drafts:gmail"].message
    finally:
        runtime.close()
    stored = json.loads((tmp_path / "token.json").read_text())["scopes"]
    assert set(stored) == set(READ_ONLY)  # the refresh's narrower grant is kept
    assert main(["--config", str(cfg), "status"]) == 0
    status = capsys.readouterr().out
    assert "NOT GRANTED" in status and "(gmail.compose) is not granted" in status
    assert "google:primary: ok" in status and "gmail: ok" in status
    assert "fix: run `kaffe auth` again and tick every box" in status
    assert "(permission error)" in status
    main(["--config", str(cfg), "plan", "--now", (T0 + 6 * TICK).isoformat()])
    plan = capsys.readouterr().out
    assert "(gmail.compose) is not granted: kaffe reads and plans, but writes no drafts" in plan
    doctor = [str(c) for c in run_checks(str(cfg))]
    line = next(c for c in doctor if c.startswith("FAIL google permissions"))
    assert "gmail.compose" in line and "kaffe auth" in line


def test_every_call_of_a_cycle_is_in_the_scope_table(tmp_path: Path, emu: Emulator) -> None:
    cfg = write_config(tmp_path, emu.url, CALENDAR)
    runtime = open_runtime(load(cfg))
    try:
        for n in range(2):
            runtime.cycle(T0 + n * TICK)
    finally:
        runtime.close()
    calls = {(r["method"], r["path"], r["api"]) for r in emu.requests()}
    assert not [c for c in calls if not c[2]], "calls the scope table does not know"
    assert {c[2] for c in calls} >= {"gmail.users.drafts.create", "calendar.events.list",
                                     "gmail.users.messages.list"}
    assert emu.drafts()


def _follow_ups(count: int) -> list[Action]:
    return [Action("followup", f"followup:k{i}", DUE, "because",
                   to=(Recipient(f"p{i}@example.org"),)) for i in range(count)]


def _render(action: Action) -> Draft:
    return Draft(action.key, Recipient("alex@example.com"), action.to, "Coffee", "Thanks!")


def _drafts_calls(emu: Emulator) -> list[str]:
    return [r["api"] for r in emu.requests() if r["api"].startswith("gmail.users.drafts")]


def test_a_token_without_compose_costs_no_call_at_all(tmp_path: Path, emu: Emulator) -> None:
    """The token file says gmail.compose was not granted: no drafts.create (nor the
    look-up before it), the due keys stay untouched for after `kaffe auth`, and one
    permission outcome says why."""
    cfg = write_config(tmp_path, emu.url, CALENDAR)
    emu.set_scopes(READ_ONLY)
    _narrow_token_file(cfg, READ_ONLY)
    google = open_google(load(cfg), tmp_path / "token.json", lazy=True)
    emu.clear_requests()
    with Store.open(tmp_path / "kaffe.db") as store:
        outcomes = Executor(store, google.drafts, _render).execute(_follow_ups(3), T0)
        assert store.ledger() == {}
    assert _drafts_calls(emu) == []
    assert [(o.state, o.kind) for o in outcomes] == [("auth", "permission")]
    assert "gmail.compose" in outcomes[0].detail and "kaffe auth" in outcomes[0].hint


def test_a_grant_narrowed_after_the_token_was_stored_still_meets_googles_403(
    tmp_path: Path, emu: Emulator
) -> None:
    """The token file still lists gmail.compose and the access token is live: kaffe
    cannot know up front, so it tries one drafts.create, which Google refuses."""
    cfg = write_config(tmp_path, emu.url, CALENDAR)
    google = open_google(load(cfg), tmp_path / "token.json")  # refreshed: the full grant
    emu.set_scopes(READ_ONLY)  # taken back: the live access token loses gmail.compose
    emu.clear_requests()
    with Store.open(tmp_path / "kaffe.db") as store:
        outcomes = Executor(store, google.drafts, _render).execute(_follow_ups(3), T0)
    assert _drafts_calls(emu).count("gmail.users.drafts.create") == 1
    assert [(o.state, o.kind) for o in outcomes] == [("auth", "permission")]
    assert emu.drafts() == []
