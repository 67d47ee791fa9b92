"""A disk that fills up under the daemon: each cycle fails in words, the daemon goes on,
and the first cycle with room again does the work. `kaffe doctor` reports the outcome.

The disk is made full by SQLite itself (``PRAGMA max_page_count`` at the database's
size: SQLITE_FULL, the error a full disk gives); nothing of kaffe's is mocked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from kaffe.cli.doctor import check_last_cycles
from kaffe.config import load
from kaffe.daemon.loop import Daemon
from kaffe.daemon.runtime import open_runtime
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config

NOW = datetime.fromisoformat("2026-03-06T12:00:00+00:00")


def test_the_daemon_survives_a_full_disk_and_catches_up(tmp_path, caplog) -> None:
    clock = iter(NOW + timedelta(minutes=15 * i) for i in range(10))
    with Emulator(DEMO_SEED) as emu:
        config = load(write_config(tmp_path, emu.url))
        runtime = open_runtime(config)
        try:
            conn = runtime.store._conn  # SQLite's own limit: no mock of kaffe
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
            daemon = Daemon(runtime.cycle, 15, lambda: next(clock))
            with caplog.at_level(logging.INFO):
                daemon.tick()
                daemon.tick()
            assert emu.drafts() == []
            failures = [r for r in caplog.records if r.getMessage().startswith("cycle failed")]
            assert len(failures) == 2
            db = tmp_path / "kaffe.db"
            assert failures[0].getMessage() == (
                f"cycle failed: cannot write to {db}: the disk holding {tmp_path} is full; "
                f"fix: free space on it (`df -h {tmp_path}`); kaffe tries again on its next "
                "cycle; the next one runs on schedule")
            assert all(r.levelno == logging.ERROR and not r.exc_info for r in failures)
            assert "Traceback" not in caplog.text
            conn.execute("PRAGMA max_page_count = 1073741823")  # room again
            daemon.tick()
            assert daemon.cycles == 3 and len(emu.drafts()) == 6
        finally:
            runtime.close()
    (outcome, *_) = check_last_cycles(config)
    assert outcome.ok and "completed (2 of the last 3 failed)" in outcome.detail


def test_doctor_fails_when_the_last_cycle_failed(tmp_path) -> None:
    from kaffe.daemon import health
    from kaffe.store import Store

    with Emulator(DEMO_SEED) as emu:
        config = load(write_config(tmp_path, emu.url))
    with Store.open(tmp_path / "kaffe.db") as store:
        health.note_cycle(store, health.CycleRecord(NOW, True, "fine"))
        health.note_cycle(store, health.CycleRecord(NOW + timedelta(minutes=15), False,
                                                    "cannot write to x: full", "free space"))
    (outcome,) = check_last_cycles(config)
    assert str(outcome) == (
        "FAIL cycles: the last one, at 2026-03-06 12:15 UTC, failed: cannot write to x: full "
        "(1 of the last 2 failed)\n     fix: free space")


def test_only_the_last_cycles_are_kept(tmp_path) -> None:
    from kaffe.daemon import health
    from kaffe.store import Store

    keep = health.KEEP_CYCLES
    with Store.open(tmp_path / "kaffe.db") as store:
        for i in range(25):
            health.note_cycle(store, health.CycleRecord(NOW + timedelta(minutes=i), True, str(i)))
        kept = health.last_cycles(store)
    assert [c.detail for c in kept] == [str(i) for i in range(25 - keep, 25)]


def test_an_unexpected_error_is_recorded_by_its_type_only(tmp_path) -> None:
    from kaffe.daemon import health
    from kaffe.store import Store

    with Emulator(DEMO_SEED) as emu:
        config = load(write_config(tmp_path, emu.url))
        runtime = open_runtime(config)
        try:
            def boom(*args, **kwargs):
                raise RuntimeError("https://x.example/private-s3cret/basic.ics")

            runtime.calendars[0].sync = boom  # a connector bug: not a KaffeError
            daemon = Daemon(runtime.cycle, 15, lambda: NOW)
            daemon.tick()
        finally:
            runtime.close()
    with Store.open(tmp_path / "kaffe.db") as store:
        (record,) = health.last_cycles(store)
    assert (record.ok, record.detail) == (False, "an unexpected RuntimeError")
    assert "s3cret" not in str(check_last_cycles(config)[0])


def test_the_traceback_of_a_failed_cycle_is_logged_at_v_only(caplog) -> None:
    from kaffe.errors import StorageError

    def cycle(at, *, stop):
        raise StorageError("cannot write to /x/kaffe.db: the disk holding /x is full")

    daemon = Daemon(cycle, 15, lambda: NOW)
    with caplog.at_level(logging.INFO):
        daemon.tick()
    with caplog.at_level(logging.DEBUG):  # `kaffe -v run`
        daemon.tick()
    quiet, verbose = [r for r in caplog.records if r.getMessage().startswith("cycle failed")]
    assert not quiet.exc_info and verbose.exc_info
    assert daemon.cycles == 2
