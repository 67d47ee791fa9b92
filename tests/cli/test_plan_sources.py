"""`kaffe plan` and `kaffe once` count sources honestly: synced, failed, backing off."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.errors import EX_UNAVAILABLE
from tests.helpers import DEMO_SEED, write_config


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once it is closed


def broken_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ICS file that is gone, an IMAP server that is not there, a feed that is gone."""
    monkeypatch.setenv("KAFFE_TEST_PW", "pw")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"""[me]
name = "Ana"
addresses = ["ana@corp.dk"]
[storage]
database = "kaffe.db"
[[calendars]]
type = "ics"
name = "home"
url = "gone.ics"
[[mail]]
type = "imap"
name = "work"
host = "127.0.0.1"
port = {closed_port()}
tls = "none"
username = "ana@corp.dk"
password_env = "KAFFE_TEST_PW"
[[feeds]]
url = "gone.xml"
name = "blog"
""")
    return cfg


def test_plan_exits_69_when_every_source_failed(tmp_path, monkeypatch, capsys) -> None:
    cfg = broken_config(tmp_path, monkeypatch)
    assert main(["--config", str(cfg), "plan", "--now", "2026-03-10T12:00Z"]) == EX_UNAVAILABLE
    captured = capsys.readouterr()
    assert "none of the 3 sources synced" in captured.err
    assert "Traceback" not in captured.err
    assert "sync ics:home:" in captured.out  # the plan is still shown, with each failure


def test_a_feed_backing_off_is_not_counted_as_synced(tmp_path, monkeypatch, capsys) -> None:
    cfg = broken_config(tmp_path, monkeypatch)
    assert main(["--config", str(cfg), "once", "--now", "2026-03-10T12:00Z"]) == 1
    assert "synced 0 of 3 sources, 3 failed, 0 backing off" in capsys.readouterr().out
    # Ten minutes later the feed waits out its back-off: not synced, not failed either.
    assert main(["--config", str(cfg), "once", "--now", "2026-03-10T12:10Z"]) == 1
    assert "synced 0 of 3 sources, 2 failed, 1 backing off" in capsys.readouterr().out
    assert main(["--config", str(cfg), "plan", "--now", "2026-03-10T12:10Z"]) == EX_UNAVAILABLE


def test_plan_exits_0_when_a_source_synced(tmp_path, capsys) -> None:
    from kaffe.emulator import Emulator

    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url, '[[feeds]]\nurl = "gone.xml"\nname = "blog"\n')
        assert main(["--config", str(cfg), "plan", "--now", "2026-03-06T12:00Z"]) == 0
        # The dry run put the feed in back-off: a backing-off feed is no failure of once.
        assert main(["--config", str(cfg), "once", "--now", "2026-03-06T12:00Z"]) == 0
    assert "synced 2 of 3 sources, 0 failed, 1 backing off" in capsys.readouterr().out
