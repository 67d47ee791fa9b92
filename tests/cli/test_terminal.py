"""What kaffe prints from event data is one line without control or bidi
characters: a calendar entry cannot forge a line of ``plan``, ``once`` or
``status``, nor reorder one."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.cli.terminal import shown, shown_lines
from kaffe.emulator import Emulator
from tests.helpers import write_config

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
# A stranger's invitation: a UID with an escaped line break, bidi overrides in
# the title, the place and the organiser's name.
ICS = f"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//kaffe tests//EN\r
BEGIN:VEVENT\r
UID:u1\\nFORGED LINE{RLO}@x\r
DTSTAMP:20260301T000000Z\r
DTSTART:20260304T100000Z\r
DTEND:20260304T110000Z\r
SUMMARY:Coffee with Bo {RLO}live\\u2066 evil\r
LOCATION:Cafe{RLO} X\r
ORGANIZER;CN="Bo{RLO} B":mailto:bo@other.example\r
ATTENDEE;CN=Alex;PARTSTAT=ACCEPTED:mailto:alex@example.com\r
ATTENDEE;CN="Bo{RLO} B";PARTSTAT=ACCEPTED:mailto:bo@other.example\r
END:VEVENT\r
END:VCALENDAR\r
"""
NOW = "2026-03-06T12:00Z"


def unsafe(text: str) -> list[str]:
    """The lines of ``text`` holding a control (other than tab) or format character,
    or one that the event's UID forged."""
    return [line for line in text.split("\n") if line.startswith("FORGED") or any(
        unicodedata.category(ch) in ("Cc", "Cf") and ch != "\t" for ch in line)]


@pytest.mark.parametrize("commands", [
    [["once", "--now", NOW], ["status"]],
    [["plan", "--now", NOW]],
    [["plan", "--now", NOW], ["once", "--now", NOW], ["plan", "--all", "--now", NOW]],
])
def test_event_data_reaches_the_terminal_as_one_clean_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], commands: list[list[str]]
) -> None:
    (tmp_path / "invite.ics").write_text(ICS, encoding="utf-8")
    extra = '[[calendars]]\ntype = "ics"\nname = "invites"\nurl = "invite.ics"\n'
    with Emulator() as emu:
        config = write_config(tmp_path, emu.url, extra)
        for command in commands:
            main(["--config", str(config), *command])
    out = capsys.readouterr().out
    assert "Coffee with Bo" in out or "FORGED LINE" in out  # the event's words are shown
    assert unsafe(out) == [], out


def test_shown_keeps_words_and_drops_what_could_forge_a_line() -> None:
    assert shown(f"Coffee\nwith{RLO} Bo\x1b[2J ") == "Coffee with Bo[2J"
    assert shown("see https://x.example/a?token=T") == "see https://x.example/a?token=…"
    assert shown_lines("problems:\n  [feeds][1] url: x\r\n  y") == (
        "problems:\n  [feeds][1] url: x\n  y")
