"""A revoked or missing Google token: that source reports an auth error (once, then
hourly) in the log, ``kaffe status`` and ``kaffe doctor``, with the command that fixes
it; the ICS calendar and the feed keep syncing. The real client over real HTTP against
the emulator; the clock is injected."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kaffe.cli import main, report
from kaffe.cli.doctor import run_checks
from kaffe.config import load
from kaffe.daemon import health
from kaffe.daemon.runtime import Runtime, open_runtime
from kaffe.emulator import Emulator
from kaffe.emulator.token import write_emulator_token
from kaffe.errors import AuthError
from tests.helpers import DEMO_SEED, write_config

T0 = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
TICK = timedelta(minutes=15)
GOOGLE = ("google:primary", "gmail")
OTHERS = ("ics:home", "feed:blog")


def sources(corpus: Path) -> str:
    ics = corpus / "ics" / "ical4j__apple_macosx_1085_attendees.ics"
    feed = corpus / "feeds" / "nodefeedparser__intertwingly_sam_ruby.atom"
    return (
        '[[calendars]]\ntype = "google"\nname = "work"\ncalendar_id = "primary"\n\n'
        f'[[calendars]]\ntype = "ics"\nname = "home"\nurl = "{ics}"\n\n'
        f'[[feeds]]\nurl = "{feed}"\nname = "blog"\n'
    )


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(DEMO_SEED) as emulator:
        yield emulator


@pytest.fixture
def cfg(tmp_path: Path, emu: Emulator, corpus: Path) -> Path:
    return write_config(tmp_path, emu.url, sources(corpus))


@pytest.fixture
def runtime(cfg: Path) -> Iterator[Runtime]:
    opened = open_runtime(load(cfg))
    yield opened
    opened.close()


def health_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == health.__name__ and r.levelno == logging.ERROR]


def failing_source(message: str) -> str:
    """``sync of gmail failed: ...`` -> ``gmail``."""
    return message.split(" ")[2]


def token_posts(emu: Emulator) -> int:
    return sum(1 for r in emu.requests() if r["path"] == "/token")


def run_cycles(runtime: Runtime, start: datetime, count: int,
               caplog: pytest.LogCaptureFixture) -> dict[str, list[datetime]]:
    """Run ``count`` cycles a tick apart; per source, the moments its ERROR was logged."""
    logged: dict[str, list[datetime]] = {}
    for n in range(count):
        now = start + n * TICK
        caplog.clear()
        result = runtime.cycle(now)
        assert {s.source for s in result.syncs if not s.error} >= set(OTHERS)
        for message in health_errors(caplog):
            logged.setdefault(failing_source(message), []).append(now)
    return logged


def test_revoked_token_logs_once_then_hourly_while_the_rest_syncs(
    runtime: Runtime, emu: Emulator, cfg: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kaffe")
    assert all(not s.error for s in runtime.cycle(T0).syncs)
    emu.revoke_refresh_token()
    emu.expire_access_tokens()
    emu.clear_requests()
    start = T0 + TICK
    logged = run_cycles(runtime, start, 8, caplog)  # two hours, a cycle every 15 minutes
    for name in GOOGLE:
        assert logged[name] == [start, start + timedelta(hours=1)], name
    assert set(logged) <= {*GOOGLE, "drafts:gmail"}
    assert token_posts(emu) <= 8 * 3  # one refresh attempt per Google use, no retry loop
    later = start + 8 * TICK
    assert {h.source for h in health.failing(runtime.store)} >= set(GOOGLE)
    status = report.status_text(runtime.store, later)
    assert f"google:primary: FAILING since {start:%Y-%m-%d %H:%M} UTC (auth error)" in status
    assert "invalid_grant" in status and "fix: run `kaffe auth`" in status
    assert "ics:home: ok" in status and "feed:blog: ok" in status


def test_doctor_shows_the_live_check_and_what_the_daemon_saw(
    runtime: Runtime, emu: Emulator, cfg: Path
) -> None:
    runtime.cycle(T0)
    emu.revoke_refresh_token()
    emu.expire_access_tokens()
    runtime.cycle(T0 + TICK)
    found = [str(check) for check in run_checks(str(cfg))]
    live = next(text for text in found if text.startswith("FAIL google:"))
    assert "invalid_grant" in live and "kaffe auth" in live
    stored = next(text for text in found if text.startswith("FAIL last cycles: gmail"))
    assert f"failing since {T0 + TICK:%Y-%m-%d %H:%M} UTC (auth error" in stored
    assert "fix: run `kaffe auth`" in stored
    assert not [text for text in found if text.startswith("FAIL last cycles: ics")]


def test_revoked_token_at_start_still_syncs_the_rest_and_exits_1_with_the_fix(
    cfg: Path, emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu.revoke_refresh_token()
    assert main(["--config", str(cfg), "once", "--now", T0.isoformat()]) == 1
    out = capsys.readouterr().out
    assert "synced 2 of 4 sources, 2 failed, 0 backing off" in out
    assert "sync google:primary: Google refused the stored refresh token" in out
    assert "fix: run `kaffe auth` again" in out
    assert token_posts(emu) == 1  # the failed sign-in is remembered for the other sources
    assert main(["--config", str(cfg), "status"]) == 0
    status = capsys.readouterr().out
    assert "gmail: FAILING since" in status and "ics:home: ok" in status


def test_a_new_token_file_works_on_the_next_cycle_without_a_restart(
    cfg: Path, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kaffe")
    token = cfg.parent / "token.json"
    token.unlink()
    runtime = open_runtime(load(cfg))
    try:
        first = {s.source: s for s in runtime.cycle(T0).syncs}
        assert "no Google token" in first["gmail"].error
        assert "kaffe auth" in first["gmail"].hint
        write_emulator_token(token, emu.url)  # what `kaffe auth` does
        caplog.clear()
        again = runtime.cycle(T0 + TICK)
        assert [s.error for s in again.syncs] == ["", "", "", ""]
        assert "sync of gmail works again" in caplog.text
        assert health.failing(runtime.store) == []
        assert "gmail: ok" in report.status_text(runtime.store, T0 + TICK)
    finally:
        runtime.close()


def test_without_me_addresses_the_account_address_seen_last_keeps_it_running(
    tmp_path: Path, emu: Emulator, corpus: Path
) -> None:
    me = 'name = "Alex Morgan"\n'
    cfg = write_config(tmp_path, emu.url, sources(corpus), me=me)
    open_runtime(load(cfg)).close()  # signs in and learns alex@example.com
    (tmp_path / "fresh").mkdir()
    fresh = write_config(tmp_path / "fresh", emu.url, sources(corpus), me=me)
    emu.revoke_refresh_token()
    emu.expire_access_tokens()
    with pytest.raises(AuthError, match="invalid_grant"):  # never signed in: no sender
        open_runtime(load(fresh))
    runtime = open_runtime(load(cfg))
    try:
        assert runtime.sender.email == "alex@example.com"
        syncs = {s.source: s.error for s in runtime.cycle(T0).syncs}
        assert syncs["ics:home"] == syncs["feed:blog"] == ""
        assert "invalid_grant" in syncs["gmail"]
    finally:
        runtime.close()
