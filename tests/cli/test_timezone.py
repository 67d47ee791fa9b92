"""``[me] timezone``: every time the CLI prints is local to it, a floating ICS time
is read in it, a bad name is a located config error, and "" is the system's zone."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kaffe.cli import main, report
from kaffe.cli.doctor import check_last_cycles, run_checks
from kaffe.config import load
from kaffe.daemon import health
from kaffe.emulator import Emulator
from kaffe.store import Store
from tests.helpers import DEMO_SEED, write_config

ME = ('name = "Alex Morgan"\naddresses = ["alex@example.com"]\ndomains = ["example.com"]\n'
      'timezone = "{zone}"\n')
FLOATING_ICS = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN",
    "BEGIN:VEVENT", "UID:floating@x", "DTSTART:20261206T003000", "DTEND:20261206T013000",
    "SUMMARY:Coffee with Ana", "LOCATION:Café Det Vide Hus",
    "ORGANIZER:mailto:alex@example.com",
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:alex@example.com",
    "ATTENDEE;PARTSTAT=ACCEPTED;CN=Ana Silva:mailto:ana@northwind.example",
    "END:VEVENT", "END:VCALENDAR", "",
])  # fmt: skip


def test_plan_shows_times_in_your_zone(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url, me=ME.format(zone="Europe/Copenhagen"))
        assert main(["--config", str(cfg), "plan", "--now", "2026-03-02T11:00Z"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("kaffe plan at 2026-03-02 12:00 CET\n")
    assert "  coffee 2026-03-02 10:00 CET  Coffee with Ana Silva" in out  # 09:00 UTC
    assert "2026-03-04 (all day)  Data Days conference" in out
    assert " UTC" not in out


def test_a_floating_ics_time_is_local_to_your_zone(tmp_path: Path, capsys) -> None:
    (tmp_path / "cal.ics").write_text(FLOATING_ICS, encoding="utf-8")
    calendar = '[[calendars]]\ntype = "ics"\nname = "file"\nurl = "cal.ics"\n'
    me = ME.format(zone="Europe/Copenhagen")
    cfg = write_config(tmp_path, "http://127.0.0.1:9", calendar, me=me)
    now = "2026-12-05T12:00Z"
    assert main(["--config", str(cfg), "plan", "--json", "--now", now]) == 0
    (event,) = json.loads(capsys.readouterr().out)["events"]
    assert event["start"] == "2026-12-05T23:30:00+00:00"  # 00:30 in Copenhagen
    assert main(["--config", str(cfg), "plan", "--now", now]) == 0
    out = capsys.readouterr().out
    assert "  coffee 2026-12-06 00:30 CET  Coffee with Ana" in out
    assert "subject: Prep: Coffee with Ana, 6 December 2026" in out


def test_a_bad_zone_is_a_located_config_error_exit_78(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9", me=ME.format(zone="Europe/Copenhagn"))
    result = subprocess.run([sys.executable, "-m", "kaffe.cli", "--config", str(cfg), "plan"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 78
    assert (f'{cfg}: [me] timezone: expected an IANA time zone name like "Europe/Copenhagen", '
            'got "Europe/Copenhagn" (did you mean "Europe/Copenhagen"?)') in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("zone", ["localtime", "/etc/localtime", "../UTC", "CET-1CEST", "Mars"])
def test_only_iana_names_are_zones(tmp_path: Path, zone: str) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9", me=ME.format(zone=zone))
    assert main(["--config", str(cfg), "plan"]) == 78


def test_no_zone_is_the_systems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    cfg = write_config(tmp_path, "http://127.0.0.1:9", me=ME.format(zone=""))
    assert load(cfg).me.timezone == "America/New_York"
    monkeypatch.setenv("TZ", ":Europe/Copenhagen")  # POSIX allows the leading colon
    assert load(cfg).me.timezone == "Europe/Copenhagen"
    config = write_config(tmp_path, "http://127.0.0.1:9", me=ME.format(zone="Asia/Tokyo"))
    assert load(config).me.timezone == "Asia/Tokyo"  # a set zone wins over TZ


def test_status_and_doctor_show_times_in_your_zone(tmp_path: Path, now: datetime) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9", me=ME.format(zone="Europe/Copenhagen"))
    config = load(cfg)
    failure = health.Failure("auth", "Google refused the stored refresh token", "run `kaffe auth`")
    with Store.open(tmp_path / "kaffe.db") as store:
        store.record_source_run("ics:home", now - timedelta(hours=1), True, "1 changes")
        health.note_failure(store, "gmail", failure, now)
        store.record_source_run("gmail", now, False, failure.message)
        text = report.status_text(store, now, me=config.me)
    assert text.startswith("kaffe status at 2026-03-10 13:00 CET")
    assert "  ics:home: ok, last run 2026-03-10 12:00 CET" in text
    (check,) = check_last_cycles(config)
    assert "failing since 2026-03-10 13:00 CET (auth error" in str(check)
    assert f"{cfg} (times shown in Europe/Copenhagen)" in str(run_checks(str(cfg))[0])


def test_demo_dates_carry_the_year_in_the_demos_own_zone(monkeypatch) -> None:
    """Set in the demo's config: the output is the same whatever the machine's zone."""
    import io

    from kaffe.demo import DEMO_START, run_demo

    monkeypatch.setenv("TZ", "America/New_York")
    out = io.StringIO()
    run_demo(DEMO_START, days=0.3, out=out)
    text = out.getvalue()
    assert "  coffee Mon 2025-11-03 10:00 CET  Coffee with Karin" in text  # 09:00 UTC
    assert "  no     Wed 2026-03-04 all day  Data Days conference" in text
    assert "--- draft at Mon 2026-03-02 08:00 CET  [prep:demo0coffeeana@google.com]" in text
    assert "is on 2 March 2026 at 10:00 CET at Original Coffee" in text
