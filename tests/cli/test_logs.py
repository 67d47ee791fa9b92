"""Logs fit journald: no timestamps under systemd, JSON lines on request."""

from __future__ import annotations

import json
import logging
import re

import pytest

from kaffe.cli.logs import configure


@pytest.fixture(autouse=True)
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def emit(capsys) -> str:
    logging.getLogger("kaffe.daemon.cycle").info("cycle at %s: %s", "T", "ok")
    return capsys.readouterr().err


def test_under_systemd_lines_carry_no_timestamp(monkeypatch, capsys):
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    configure(1)
    assert emit(capsys) == "INFO kaffe.daemon.cycle: cycle at T: ok\n"


def test_on_a_terminal_lines_start_with_the_time(monkeypatch, capsys):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    configure(1)
    assert re.fullmatch(r"\d\d:\d\d:\d\d INFO kaffe.daemon.cycle: cycle at T: ok\n",
                        emit(capsys))


def test_json_format_is_one_object_per_line(monkeypatch, capsys):
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    configure(1, "json")
    (line,) = emit(capsys).splitlines()
    assert json.loads(line) == {"level": "info", "logger": "kaffe.daemon.cycle",
                                "message": "cycle at T: ok"}
