"""The command line: exit codes, located config errors, plan output, init."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from kaffe.cli import main
from kaffe.emulator import Emulator
from kaffe.errors import ConfigError
from tests.helpers import DEMO_SEED, write_config

BAD_CONFIG = """
[me]
name = "Alex"
addresses = ["not-an-address"]
colour = "blue"

[followup]
delay_hours = "soon"

[detect]
threshhold = 2

[nonsense]
x = 1
"""


def test_bad_config_lists_every_problem_and_exits_78(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(BAD_CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "kaffe.cli", "--config", str(cfg), "plan"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 78
    err = result.stderr
    for where in ("[me] addresses", "[me] colour", "[followup] delay_hours",
                  "[detect] threshhold", "nonsense"):
        assert where in err, (where, err)
    assert str(cfg) in err
    assert "Traceback" not in err


def test_missing_config_says_how_to_create_one(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "nope.toml"), "plan"]) == 78
    assert "kaffe init" in capsys.readouterr().err


def test_init_writes_a_config_that_loads(tmp_path, capsys):
    cfg = tmp_path / "sub" / "config.toml"
    assert main(["--config", str(cfg), "init"]) == 0
    assert cfg.exists()
    assert main(["--config", str(cfg), "init"]) == 1  # refuses to overwrite
    assert main(["--config", str(cfg), "init", "--force"]) == 0
    from kaffe.config import load

    with pytest.raises(ConfigError) as info:  # loads, but [me] is still the example's
        load(cfg)
    assert {(p.section, p.key) for p in info.value.problems} == {
        ("me", "name"), ("me", "addresses"), ("me", "domains")}


def test_init_names_both_ways_in_oauth_and_app_password(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "config.toml"), "init"]) == 0
    out = capsys.readouterr().out
    assert "client_secret_file" in out and "`kaffe auth`" in out  # the OAuth way
    assert "[[calendars]]" in out and "iCal address" in out  # the other way
    assert '[[mail]] entry (type "imap", an app password' in out
    assert "`kaffe doctor`" in out


def test_plan_json_explains_every_event_and_creates_nothing(tmp_path, capsys):
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        assert main(["--config", str(cfg), "plan", "--json", "--now", "2026-03-06T12:00Z"]) == 0
        assert emu.drafts() == []
    plan = json.loads(capsys.readouterr().out)
    by_title = {e["summary"]: e for e in plan["events"]}
    assert by_title["Coffee with Ana Silva"]["is_coffee"]
    assert by_title["Coffee with Ana Silva"]["reasons"]
    assert not by_title["Coffee with Lars"]["is_coffee"]
    assert "declined" in by_title["Coffee with Lars"]["veto"]
    assert not by_title["Data Days conference"]["is_coffee"]
    due = [a for a in plan["actions"] if a["state"] == "due"]
    assert len(due) == 6 and all(a["draft"]["subject"] for a in due)  # 5 follow-ups, 1 check-in


def test_plan_text_shows_reasons_and_waiting_drafts(tmp_path, capsys):
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        assert main(["--config", str(cfg), "plan", "--now", "2026-03-02T11:00Z"]) == 0
    out = capsys.readouterr().out
    assert "Coffee with Ana Silva" in out
    assert "waiting" in out and "due at" in out


def test_once_then_status_and_private_files(tmp_path, capsys):
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        assert main(["--config", str(cfg), "once", "--now", "2026-03-06T12:00Z"]) == 0
        assert main(["--config", str(cfg), "status"]) == 0
    out = capsys.readouterr().out
    assert "google:primary: ok" in out
    assert "followup done: 5" in out
    for name in ("kaffe.db", "token.json"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600


@pytest.mark.parametrize("command", ["once", "plan", "demo"])
def test_now_is_validated(command, tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[me]\nname = "A"\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(cfg), command, "--now", "yesterday-ish"])
    assert exit_info.value.code == 2
    assert "not an ISO time" in capsys.readouterr().err
