"""Invitations you never accepted, and floods of meetings, end to end (issue 12, item 3):
a stranger's mailed RRULE:FREQ=HOURLY;COUNT=900 "Coffee chat" and an ICS file holding
it give no meetings and no drafts; a one-off unanswered invitation counts and `kaffe
plan` says so; the [safety] caps hold, with a warning in plan, once, status and the log."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.emulator import Emulator
from tests.helpers import write_config

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ME = "alex@example.com"
BOMB_EVENT = """\
BEGIN:VEVENT
UID:bomb-0001@spam.example
DTSTAMP:20260301T000000Z
DTSTART:20260302T090000Z
DTEND:20260302T093000Z
RRULE:FREQ=HOURLY;COUNT=900
SUMMARY:Coffee chat
LOCATION:Café Europa
ORGANIZER;CN=Stranger:mailto:stranger@spam.example
ATTENDEE;CN=Alex;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alex@example.com
ATTENDEE;CN=Stranger;PARTSTAT=ACCEPTED:mailto:stranger@spam.example
END:VEVENT
"""
MAIL = """\
From: Stranger <stranger@spam.example>
To: Alex <alex@example.com>
Subject: Invitation: Coffee chat
Date: Sun, 01 Mar 2026 00:00:00 +0000
Message-ID: <bomb-0001@spam.example>
MIME-Version: 1.0
Content-Type: text/calendar; charset="utf-8"; method=REQUEST

BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//spam//EN
METHOD:REQUEST
{events}END:VCALENDAR
"""


def calendar(events: str) -> str:
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{events}END:VCALENDAR\n"


def coffee(n: int, start: datetime) -> str:
    """An accepted one-off coffee with person ``n`` (each a different contact)."""
    return (f"BEGIN:VEVENT\nUID:coffee-{n}@test\nDTSTAMP:20260301T000000Z\n"
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}\n"
            f"DTEND:{start + timedelta(minutes=45):%Y%m%dT%H%M%SZ}\n"
            f"SUMMARY:Coffee with P{n}\nORGANIZER:mailto:{ME}\n"
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ME}\n"
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:p{n}@other{n}.example\nEND:VEVENT\n")


def run(cfg: Path, *args: str, now: datetime) -> int:
    return main(["--config", str(cfg), *args, "--now", now.isoformat()])


def status(cfg: Path) -> int:
    return main(["--config", str(cfg), "status"])


def plan_json(cfg: Path, now: datetime, capsys) -> dict:
    capsys.readouterr()
    run(cfg, "plan", "--json", now=now)
    return json.loads(capsys.readouterr().out)


def walk(cfg: Path, hours: int, step: int = 6) -> None:
    """`kaffe once` every ``step`` hours for ``hours`` hours from START."""
    for h in range(0, hours + 1, step):
        run(cfg, "once", now=START + timedelta(hours=h))


@pytest.fixture
def mailbox(tmp_path: Path):
    """An emulator whose only mail is the stranger's invitation bomb."""
    seed = tmp_path / "seed"
    (seed / "gmail" / "inbox").mkdir(parents=True)
    raw = MAIL.format(events=BOMB_EVENT).replace("\n", "\r\n")
    (seed / "gmail" / "inbox" / "bomb.eml").write_text(raw, encoding="utf-8")
    with Emulator(seed, user_email=ME) as emu:
        yield emu, write_config(tmp_path, emu.url)


def test_a_strangers_mailed_hourly_series_is_no_meeting_and_no_draft(mailbox, capsys) -> None:
    emu, cfg = mailbox
    walk(cfg, hours=72)
    events = plan_json(cfg, START + timedelta(hours=72), capsys)["events"]
    assert len(events) > 50  # the invitation was read, every occurrence judged
    assert [e for e in events if e["is_coffee"]] == []
    assert {e["veto"] for e in events} == {
        "a recurring series you never accepted (an invitation is not a meeting)"
    }
    assert emu.drafts() == []


def test_an_ics_file_with_the_series_is_no_meeting_and_no_draft(tmp_path, capsys) -> None:
    ics = tmp_path / "calendar.ics"
    ics.write_text(calendar(BOMB_EVENT), encoding="utf-8")
    seed = tmp_path / "seed"
    (seed / "gmail" / "inbox").mkdir(parents=True)
    extra = f'[[calendars]]\ntype = "ics"\nname = "home"\nurl = "{ics}"\n'
    with Emulator(seed, user_email=ME) as emu:
        cfg = write_config(tmp_path, emu.url, extra)
        walk(cfg, hours=72)
        events = plan_json(cfg, START + timedelta(hours=72), capsys)["events"]
        assert len(events) > 50 and not any(e["is_coffee"] for e in events)
        assert emu.drafts() == []


def test_the_series_in_google_calendar_waiting_for_your_answer_is_no_meeting(
    tmp_path, capsys
) -> None:
    """Gmail puts the invitation in your calendar too, with responseStatus needsAction."""
    seed = tmp_path / "seed"
    (seed / "calendar").mkdir(parents=True)
    (seed / "gmail" / "inbox").mkdir(parents=True)
    when = {"dateTime": START.isoformat(), "timeZone": "UTC"}
    bomb = {
        "kind": "calendar#event", "id": "bomb0001", "status": "confirmed",
        "summary": "Coffee chat", "location": "Café Europa", "iCalUID": "bomb-0001@spam.example",
        "start": when, "end": {**when, "dateTime": (START + timedelta(minutes=30)).isoformat()},
        "organizer": {"email": "stranger@spam.example"},
        "attendees": [{"email": ME, "self": True, "responseStatus": "needsAction"},
                      {"email": "stranger@spam.example", "organizer": True,
                       "responseStatus": "accepted"}],
        "recurrence": ["RRULE:FREQ=HOURLY;COUNT=900"],
        "updated": "2026-03-01T00:00:00.000Z", "eventType": "default",
    }
    (seed / "calendar" / "primary.json").write_text(json.dumps([bomb]), encoding="utf-8")
    with Emulator(seed, user_email=ME) as emu:
        cfg = write_config(tmp_path, emu.url)
        walk(cfg, hours=72)
        events = plan_json(cfg, START + timedelta(hours=72), capsys)["events"]
        assert len(events) > 50 and not any(e["is_coffee"] for e in events)
        assert emu.drafts() == []


def test_a_one_off_invitation_you_never_answered_counts_and_plan_says_so(
    tmp_path, corpus, capsys
) -> None:
    seed = tmp_path / "seed"
    (seed / "gmail" / "inbox").mkdir(parents=True)
    shutil.copy(corpus / "eml" / "thunderbird__outlook_invite_exchange.eml",
                seed / "gmail" / "inbox")
    tuned = '[detect]\nkeywords = ["testaus", "coffee"]\n'
    with Emulator(seed, user_email="homer@example.org") as emu:
        cfg = write_config(tmp_path, emu.url, tuned,
                           me='name = "Homer"\naddresses = ["homer@example.org"]\n')
        capsys.readouterr()
        run(cfg, "plan", now=datetime(2021, 11, 20, 12, 0, tzinfo=UTC))
        out = capsys.readouterr().out
        assert "coffee 2021-11-27" in out
        assert "you never answered this invitation" in out


@pytest.fixture
def flood(tmp_path: Path):
    """Twelve accepted coffees with twelve people in one morning, all ended by noon."""
    ics = tmp_path / "calendar.ics"
    ics.write_text(calendar("".join(coffee(n, START + timedelta(minutes=5 * n))
                                    for n in range(12))), encoding="utf-8")
    seed = tmp_path / "seed"
    (seed / "gmail" / "inbox").mkdir(parents=True)
    with Emulator(seed, user_email=ME) as emu:
        yield emu, tmp_path, f'[[calendars]]\ntype = "ics"\nname = "home"\nurl = "{ics}"\n'


def test_the_cycle_cap_holds_with_a_warning_and_the_rest_follow(flood, capsys) -> None:
    emu, tmp, calendars = flood
    cfg = write_config(tmp, emu.url, calendars + "[safety]\nmax_drafts_per_cycle = 5\n")
    noon = START + timedelta(hours=4)
    capsys.readouterr()
    run(cfg, "plan", now=noon)
    assert "WARNING cap reached: 7 drafts held back until the next cycle " \
           "(max_drafts_per_cycle = 5)" in capsys.readouterr().out
    run(cfg, "once", now=noon)
    assert len(emu.drafts()) == 5
    out, log = capsys.readouterr()
    assert "WARNING cap reached: 7 drafts held back" in out
    assert "WARNING" in log and "cap reached: 7 drafts held back until the next cycle" in log
    status(cfg)
    assert "WARNING cap reached: 7 drafts held back until the next cycle" in \
        capsys.readouterr().out
    run(cfg, "once", now=noon + timedelta(minutes=15))
    run(cfg, "once", now=noon + timedelta(minutes=30))
    assert len(emu.drafts()) == 12  # held back, not lost
    capsys.readouterr()
    status(cfg)
    assert "cap reached" not in capsys.readouterr().out


def test_the_daily_cap_holds_until_a_slot_frees(flood, capsys) -> None:
    emu, tmp, calendars = flood
    cfg = write_config(tmp, emu.url, calendars + "[safety]\nmax_drafts_per_day = 4\n")
    noon = START + timedelta(hours=4)
    run(cfg, "once", now=noon)
    run(cfg, "once", now=noon + timedelta(hours=1))
    assert len(emu.drafts()) == 4
    capsys.readouterr()
    status(cfg)
    assert ("WARNING cap reached: 8 drafts held back until 2026-03-03 13:00 UTC "
            "(max_drafts_per_day = 4)") in capsys.readouterr().out
    run(cfg, "once", now=noon + timedelta(days=1, minutes=1))
    assert len(emu.drafts()) == 8
