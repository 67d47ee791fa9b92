"""No secret in the journal or on the terminal: real commands (``python -m kaffe.cli``)
against real HTTP servers on 127.0.0.1, with a config full of secret addresses,
at every verbosity and in both log formats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaffe.emulator import Emulator
from tests.helpers import write_config
from tests.servers.static import StaticServer

NOW = "2026-03-06T12:00Z"
# Every secret the config holds; none may appear in any output (compared lower-cased).
SECRETS = ("5ec1a2b3c4d5e6f7", "tok5ecret2", "key5ecret3", "pw5ecret4",
           "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "9f8e7d6c5b4a3928f00d", "alex%40example.com")
ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//kaffe tests//EN\r
BEGIN:VEVENT\r
UID:coffee-bo@example.com\r
DTSTAMP:20260301T000000Z\r
DTSTART:20260304T100000Z\r
DTEND:20260304T110000Z\r
SUMMARY:Coffee with Bo\r
ORGANIZER;CN=Bo:mailto:bo@other.example\r
ATTENDEE;CN=Alex;PARTSTAT=ACCEPTED:mailto:alex@example.com\r
ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED:mailto:bo@other.example\r
END:VEVENT\r
END:VCALENDAR\r
"""
# An entry with an empty link: feedparser resolves it to the feed's own address.
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Private</title>
<entry><title>Data mesh in practice</title><link href=""/><id>tag:x,2026:1</id>
<updated>2026-03-05T08:00:00Z</updated><summary>data mesh</summary></entry></feed>"""


@pytest.fixture
def server() -> Iterator[StaticServer]:
    documents = {
        "/calendar/ical/alex%40example.com/private-5ec1a2b3c4d5e6f7/basic.ics":
            ("text/calendar", ICS),
        "/team.ics": ("text/calendar", ICS),
        "/feed.xml": ("application/atom+xml", ATOM),
        "/u/9f8e7d6c5b4a3928f00d/rss": ("application/atom+xml", ATOM),
    }
    with StaticServer(documents) as httpd:
        yield httpd


@pytest.fixture
def config(tmp_path: Path, server: StaticServer) -> Iterator[Path]:
    host = server.url.removeprefix("http://")
    extra = f"""
[[calendars]]
type = "ics"
name = "google-ical"
url = "{server.url}/calendar/ical/alex%40example.com/private-5ec1a2b3c4d5e6f7/basic.ics"

[[calendars]]
type = "ics"
name = "team"
url = "{server.url}/team.ics?token=Tok5ecret2&lang=en"

[[calendars]]
type = "ics"
name = "outlook"
url = "webcal://{host}/owa/calendar/a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6/calendar.ics"

[[feeds]]
url = "{server.url}/feed.xml?apikey=Key5ecret3"

[[feeds]]
url = "http://reader:Pw5ecret4@{host}/u/9f8e7d6c5b4a3928f00d/rss"
"""
    with Emulator() as emu:
        yield write_config(tmp_path, emu.url, extra)


def kaffe(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kaffe.cli", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120)


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text.lower()]


def test_no_command_prints_or_logs_a_secret_at_any_verbosity(
    config: Path, server: StaticServer, tmp_path: Path
) -> None:
    runs = [
        kaffe(config, "-vv", "once", "--now", NOW),
        kaffe(config, "-vv", "--log-format", "json", "plan", "--now", NOW),
        kaffe(config, "-vv", "plan", "--json", "--now", NOW),
        kaffe(config, "-v", "plan", "--now", NOW),
        kaffe(config, "-vv", "status"),
        kaffe(config, "-vv", "doctor"),
        kaffe(config, "-vv", "--log-format", "json", "doctor"),
        kaffe(config, "-vv", "export"),
        kaffe(config, "-vv", "export", "-o", str(tmp_path / "export.json")),
    ]
    for run in runs:
        assert leaks(run.stdout + run.stderr) == [], (run.args, run.stdout, run.stderr)
    assert leaks((tmp_path / "export.json").read_text()) == []
    # the URLs were fetched and logged, redacted: the secrets were really there to leak
    assert len(server.requests) >= 8
    assert "HTTP Request: GET http://127.0.0.1" in runs[0].stderr
    assert "private-…" in runs[0].stderr and "apikey=…" in runs[0].stderr
    for line in runs[1].stderr.splitlines():
        json.loads(line)  # redaction keeps the JSON lines whole


def test_a_calendar_that_fails_is_named_without_its_secret(config: Path) -> None:
    kaffe(config, "once", "--now", NOW)  # the webcal one fails: the server speaks no TLS
    status = kaffe(config, "status").stdout
    assert "ics:outlook: FAILING" in status
    assert "calendar https://127.0.0.1:" in status and "/owa/calendar/…/calendar.ics" in status
    assert leaks(status) == []


def test_the_daemon_logs_no_secret_into_the_journal(config: Path) -> None:
    quiet, loud = run_one_cycle(config, []), run_one_cycle(config, ["-vv"])
    assert leaks(quiet) == [], quiet
    assert leaks(loud) == [], loud
    assert "httpx" not in quiet and "HTTP Request" in loud  # request lines only at -vv


def run_one_cycle(config: Path, verbosity: list[str]) -> str:
    """``kaffe run`` until it logs its first cycle, then SIGTERM: the daemon's stderr."""
    env = {**os.environ, "JOURNAL_STREAM": "8:1"}  # as under systemd
    daemon = subprocess.Popen(
        [sys.executable, "-m", "kaffe.cli", "--config", str(config), *verbosity, "run"],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    lines: list[str] = []
    cycled = threading.Event()
    reader = threading.Thread(target=_read, args=(daemon, lines, cycled), daemon=True)
    reader.start()
    try:
        assert cycled.wait(timeout=90), "".join(lines)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        reader.join(timeout=30)
    return "".join(lines)


def _read(daemon: subprocess.Popen[str], lines: list[str], cycled: threading.Event) -> None:
    assert daemon.stderr is not None
    for line in daemon.stderr:
        lines.append(line)
        if "kaffe.daemon.cycle: cycle at" in line:
            cycled.set()


def test_a_config_error_about_a_webcal_url_hides_its_secret(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[me]\nname = "Alex"\naddresses = ["alex@example.com"]\n\n[[calendars]]\n'
        'type = "caldav"\nname = "dav"\nusername = "alex"\npassword_env = "P"\n'
        'url = "webcal://calendar.example/calendar/ical/alex%40example.com/'
        'private-5ec1a2b3c4d5e6f7/basic.ics?token=Tok5ecret2"\n'
    )
    for args in (["plan"], ["-vv", "doctor"]):
        run = kaffe(config, *args)
        assert "[calendars][1] url" in run.stdout + run.stderr
        assert leaks(run.stdout + run.stderr) == [], run.stdout + run.stderr
    assert kaffe(config, "plan").returncode == 78
