"""Reading problems reach `kaffe plan`, `kaffe status` and `kaffe doctor`: the
entry, the item and what to do, not only the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kaffe.cli import main
from tests.connectors.ical.test_ical_reading_problems import NOT_CALENDARS, calendar, event

NOW = "2026-03-10T12:00Z"
SKIPPED = "UID lunch skipped: its DTSTART '2026-03-13 12:00' cannot be read"
COFFEE = event("coffee", "DTSTART:20260312T100000Z\r\nDTEND:20260312T110000Z\r\n")
LUNCH_BROKEN = event("lunch", "DTSTART:2026-03-13 12:00\r\nDTEND:20260313T130000Z\r\n")


def config(tmp_path: Path, document: str | bytes) -> Path:
    ics = tmp_path / "home.ics"
    if isinstance(document, bytes):
        ics.write_bytes(document)
    else:
        ics.write_text(document)
    cfg = tmp_path / "config.toml"
    cfg.write_text('[me]\nname = "Ana"\naddresses = ["ana@corp.dk"]\n'
                   '[storage]\ndatabase = "kaffe.db"\n'
                   '[[calendars]]\ntype = "ics"\nname = "home"\nurl = "home.ics"\n')
    return cfg


def test_a_broken_event_is_named_with_the_fix_in_plan_status_and_doctor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, calendar(COFFEE, LUNCH_BROKEN))
    assert main(["--config", str(cfg), "plan", "--now", NOW]) == 0
    plan = capsys.readouterr().out
    assert "sync ics:home: 1 change, 1 reading problem" in plan
    assert "  ics:home: 1 reading problem, last seen" in plan
    assert f"home.ics: event 'lunch coffee' {SKIPPED}" in plan
    assert "    fix: the other events are read and what kaffe stored of this one is kept" in plan

    assert main(["--config", str(cfg), "plan", "--json", "--now", NOW]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["problems"][0]["source"] == "ics:home" and data["problems"][0]["count"] == 1

    assert main(["--config", str(cfg), "status"]) == 0
    status = capsys.readouterr().out
    assert "reading problems (kaffe read the rest of each source):" in status
    assert SKIPPED in status

    main(["--config", str(cfg), "doctor"])
    doctor = capsys.readouterr().out
    assert "warn reading problem: ics:home: " in doctor
    assert f"{SKIPPED} (last seen 2026-" in doctor


def test_a_feed_configured_as_a_calendar_is_not_an_icalendar_file_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, NOT_CALENDARS["an RSS feed"])
    main(["--config", str(cfg), "plan", "--now", NOW])
    plan = capsys.readouterr().out
    assert "not an iCalendar file (it looks like an RSS feed)" in plan
    assert main(["--config", str(cfg), "status"]) == 0
    status = capsys.readouterr().out
    assert "ics:home: FAILING since" in status
    assert "not an iCalendar file (it looks like an RSS feed)" in status
    assert 'fix: check the url of the [[calendars]] entry "home"' in status
    main(["--config", str(cfg), "doctor"])
    doctor = capsys.readouterr().out
    assert "FAIL calendar home: " in doctor
    assert "not an iCalendar file (it looks like an RSS feed)" in doctor
    assert "readable" not in doctor.split("calendar home:")[1].splitlines()[0]
