"""CalDAV is an extra (``kaffe[caldav]``): without the ``caldav`` library a CalDAV entry
stops `kaffe run` at config time (exit 78) and `kaffe doctor` says how to add it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.cli.doctor import run_checks
from kaffe.config import load
from kaffe.connectors import registry
from tests.helpers import write_config

INSTALL = "pip install 'kaffe[caldav]'"
ENTRY = ('[[calendars]]\ntype = "ics"\nname = "file"\nurl = "cal.ics"\n\n'
         '[[calendars]]\ntype = "caldav"\nname = "dav"\nurl = "http://127.0.0.1:9/"\n'
         'username = "me"\npassword_env = "KAFFE_EXTRA_TEST_PASSWORD"\n')


@pytest.fixture
def no_caldav(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the extra were not installed: ``import caldav`` fails, find_spec gives None."""
    monkeypatch.setitem(sys.modules, "caldav", None)


def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KAFFE_EXTRA_TEST_PASSWORD", "s3cret")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    (tmp_path / "cal.ics").write_text("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    return write_config(tmp_path, "http://127.0.0.1:9", ENTRY)


def test_installed_caldav_is_no_problem(tmp_path, monkeypatch):
    assert registry.missing_libraries(load(config_file(tmp_path, monkeypatch))) == []


def test_the_problem_names_the_entry_and_the_extra(tmp_path, monkeypatch, no_caldav):
    path = config_file(tmp_path, monkeypatch)
    [problem] = registry.missing_libraries(load(path))
    assert str(problem) == (f'{path}: [calendars][2] type: "caldav" needs the caldav '
                            f"library, which is not installed: {INSTALL}")


def test_kaffe_run_stops_at_config_time(tmp_path, monkeypatch, capsys, no_caldav):
    path = config_file(tmp_path, monkeypatch)
    assert main(["--config", str(path), "run"]) == 78
    err = capsys.readouterr().err
    assert INSTALL in err and "[calendars][2] type" in err
    assert "Traceback" not in err
    assert not (tmp_path / "kaffe.db").exists()  # stopped before opening anything


def test_doctor_says_how_to_add_it(tmp_path, monkeypatch, no_caldav):
    found = [str(c) for c in run_checks(str(config_file(tmp_path, monkeypatch)))]
    line = next(text for text in found if text.startswith("FAIL calendar dav"))
    assert f'type "caldav" needs the caldav library, which is not installed: {INSTALL}' in line
    assert any(text.startswith("ok   calendar file") for text in found)
