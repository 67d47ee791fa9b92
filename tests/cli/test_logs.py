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


def test_secrets_in_messages_arguments_and_tracebacks_are_redacted(monkeypatch, capsys):
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    configure(2, "json")
    log = logging.getLogger("kaffe.connectors.feeds")
    log.info("fetching %s", "https://x.example/rss?apikey=S3CRET")
    try:
        raise ValueError("for url 'https://cal.example/ical/a/private-0a1b2c3d/basic.ics'")
    except ValueError:
        log.exception("sync failed\nFORGED: line")
    log.info("bad %d format", "x")  # a broken call logs, redacted, and raises nothing
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["message"] == "fetching https://x.example/rss?apikey=…"
    assert lines[1]["message"] == "sync failed FORGED: line"  # one line, not two
    assert "private-…" in lines[1]["exc"] and "0a1b2c3d" not in lines[1]["exc"]
    assert "bad" in lines[2]["message"]


def test_http_libraries_log_only_at_debug_level(monkeypatch, capsys):
    configure(1)
    logging.getLogger("httpx").info("HTTP Request: GET https://x.example/a")
    assert capsys.readouterr().err == ""
    configure(2)
    logging.getLogger("httpx").info("HTTP Request: GET https://x.example/a?token=T")
    assert "token=…" in capsys.readouterr().err
