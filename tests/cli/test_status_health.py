"""``kaffe status`` and ``kaffe doctor`` show what the daemon's last cycles saw."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kaffe.cli import report
from kaffe.cli.doctor import check_last_cycles
from kaffe.config import load
from kaffe.config.schema import Config
from kaffe.daemon import health
from kaffe.daemon.health import Failure
from kaffe.store import Store

AUTH = Failure("auth", "Google refused the stored refresh token", "run `kaffe auth`")


def config_at(tmp_path: Path) -> Config:
    path = tmp_path / "config.toml"
    path.write_text('[me]\nname = "Me"\naddresses = ["me@example.com"]\n'
                    '[storage]\ndatabase = "kaffe.db"\n'
                    '[[calendars]]\ntype = "ics"\nname = "home"\nurl = "home.ics"\n'
                    '[[calendars]]\ntype = "google"\nname = "work"\n')
    return load(path)


def fail(store: Store, name: str, when: datetime) -> None:
    health.note_failure(store, name, AUTH, when)
    store.record_source_run(name, when, False, AUTH.message)


def test_status_shows_since_when_why_and_the_fix(tmp_path: Path, now: datetime) -> None:
    with Store.open(tmp_path / "kaffe.db") as store:
        store.record_source_run("gmail", now - timedelta(days=1), True, "2 changes")
        fail(store, "gmail", now)
        fail(store, "gmail", now + timedelta(minutes=15))
        store.record_source_run("ics:home", now, True, "1 changes")
        text = report.status_text(store, now + timedelta(minutes=15))
    lines = text.splitlines()
    at = lines.index("  gmail: FAILING since 2026-03-10 12:00 UTC (auth error), last tried "
                     "2026-03-10 12:15 UTC, last ok 2026-03-09 12:00 UTC")
    assert lines[at + 1:at + 3] == ["    Google refused the stored refresh token",
                                    "    fix: run `kaffe auth`"]
    assert "  ics:home: ok, last run 2026-03-10 12:00 UTC" in lines


def test_status_of_a_failure_without_a_health_record(tmp_path: Path, now: datetime) -> None:
    with Store.open(tmp_path / "kaffe.db") as store:
        store.record_source_run("gmail", now, False, "HTTP 500")
        text = report.status_text(store, now)
    assert "  gmail: FAILING at 2026-03-10 12:00 UTC, never worked\n    HTTP 500" in text


def test_doctor_says_nothing_before_the_first_cycle(tmp_path: Path) -> None:
    config = config_at(tmp_path)
    assert check_last_cycles(config) == []  # no database yet
    Store.open(tmp_path / "kaffe.db").close()
    assert check_last_cycles(config) == []  # no cycle yet


def test_doctor_lists_each_stored_failure_with_the_fix(tmp_path: Path, now: datetime) -> None:
    config = config_at(tmp_path)
    with Store.open(tmp_path / "kaffe.db") as store:
        store.record_source_run("ics:home", now, True, "")
        fail(store, "google:primary", now)
        fail(store, "gmail", now)
    checks = check_last_cycles(config)
    assert [(c.name, c.ok) for c in checks] == [
        ("last cycles: gmail", False), ("last cycles: google:primary", False)]
    assert str(checks[0]) == (
        "FAIL last cycles: gmail: failing since 2026-03-10 12:00 UTC (auth error, last tried "
        "2026-03-10 12:00 UTC): Google refused the stored refresh token\n"
        "     fix: run `kaffe auth`")


def test_doctor_is_content_when_every_source_worked(tmp_path: Path, now: datetime) -> None:
    config = config_at(tmp_path)
    with Store.open(tmp_path / "kaffe.db") as store:
        fail(store, "gmail", now)
        store.record_source_run("gmail", now + timedelta(minutes=15), True, "")
        health.note_ok(store, "gmail", now + timedelta(minutes=15))
    (check,) = check_last_cycles(config)
    assert check.ok and check.detail == "every source worked at its last run (1 in all)"


def test_a_source_taken_out_of_the_config_is_no_longer_shown(
    tmp_path: Path, now: datetime, capsys
) -> None:
    from kaffe.cli import main

    config = config_at(tmp_path)
    with Store.open(tmp_path / "kaffe.db") as store:
        fail(store, "feed:old-blog", now)  # a feed since removed from the config
        fail(store, "caldav:old", now)
        fail(store, "gmail", now)
        store.record_source_run("ics:home", now, True, "1 changes")
    assert [c.name for c in check_last_cycles(config)] == ["last cycles: gmail"]
    assert main(["--config", str(config.source), "status"]) == 0
    out = capsys.readouterr().out
    assert "gmail: FAILING" in out and "ics:home: ok" in out
    assert "old-blog" not in out and "caldav:old" not in out
    with Store.open(tmp_path / "kaffe.db") as store:  # kept, in case it comes back
        assert "feed:old-blog" in store.source_runs()
