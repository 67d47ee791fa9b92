"""One scenario, three ways in: the same drafts through Google (the emulator),
ICS + IMAP (a real Dovecot) and CalDAV (a real Radicale) + IMAP."""

from __future__ import annotations

import email
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.emulator import Emulator
from tests.helpers import write_config
from tests.servers.dovecot import DovecotServer

ME = "ana@example.org"
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PASSWORD_ENV = "KAFFE_TEST_IMAP_PASSWORD"


@dataclass(frozen=True)
class Meeting:
    uid: str
    title: str
    start: datetime
    minutes: int
    guest: str
    name: str
    my_answer: str = "ACCEPTED"
    status: str = "CONFIRMED"
    rrule: str = ""
    location: str = "Café Noir"


SCENARIO = (
    Meeting("coffee-bo@kaffe.test", "Coffee with Bo", datetime(2026, 3, 2, 10, tzinfo=UTC), 45,
            "bo@roastery.example", "Bo Berg"),
    Meeting("coffee-lars@kaffe.test", "Coffee with Lars", datetime(2026, 3, 2, 14, tzinfo=UTC),
            30, "lars@freelance.example", "Lars Lund", my_answer="DECLINED"),
    Meeting("coffee-sofie@kaffe.test", "Coffee with Sofie", datetime(2026, 3, 3, 9, tzinfo=UTC),
            45, "sofie@studio.example", "Sofie Kragh", status="CANCELLED"),
    Meeting("coffee-henrik@kaffe.test", "Coffee 1:1 with Henrik",
            datetime(2026, 2, 23, 16, tzinfo=UTC), 45, "henrik@mentor.example", "Henrik Dahl",
            rrule="FREQ=WEEKLY;COUNT=10"),
    Meeting("catchup-priya@kaffe.test", "Catch-up with Priya", datetime(2026, 3, 3, 9, tzinfo=UTC),
            30, "priya@analytics.example", "Priya Raman"),
)
# You already wrote to Priya after the catch-up: no follow-up for her.
SENT_TO_PRIYA = (
    f"From: Ana <{ME}>\r\nTo: Priya Raman <priya@analytics.example>\r\n"
    "Subject: The checklist\r\nDate: Tue, 3 Mar 2026 12:00:00 +0000\r\n"
    "Message-ID: <ana-priya-1@example.org>\r\n\r\nHere it is.\r\n"
).encode()
EXPECTED = {
    "followup:coffee-bo@kaffe.test",
    # the weekly series' first occurrence (Feb 23) is stale, and the Mar 2 one is a
    # later occurrence with nothing new to follow up on: no thank-you every week
}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def scenario_ics(meetings: tuple[Meeting, ...] = SCENARIO) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kaffe tests//EN"]
    for m in meetings:
        lines += ["BEGIN:VEVENT", f"UID:{m.uid}", f"SUMMARY:{m.title}",
                  f"DTSTART:{_stamp(m.start)}",
                  f"DTEND:{_stamp(m.start + timedelta(minutes=m.minutes))}",
                  "DTSTAMP:20260201T000000Z", f"STATUS:{m.status}", f"LOCATION:{m.location}",
                  f"ORGANIZER:mailto:{ME}",
                  f"ATTENDEE;CN=Ana;PARTSTAT={m.my_answer}:mailto:{ME}",
                  f"ATTENDEE;CN={m.name};PARTSTAT=ACCEPTED:mailto:{m.guest}"]
        lines += [f"RRULE:{m.rrule}"] if m.rrule else []
        lines += ["END:VEVENT"]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def google_event(m: Meeting) -> dict:
    def when(moment: datetime) -> dict:
        return {"dateTime": moment.isoformat(), "timeZone": "UTC"}

    answer = {"ACCEPTED": "accepted", "DECLINED": "declined"}[m.my_answer]
    event = {
        "kind": "calendar#event", "id": m.uid.split("@")[0].replace("-", ""),
        "status": m.status.lower(), "summary": m.title, "location": m.location,
        "start": when(m.start), "end": when(m.start + timedelta(minutes=m.minutes)),
        "iCalUID": m.uid, "organizer": {"email": ME, "self": True},
        "attendees": [{"email": ME, "self": True, "responseStatus": answer},
                      {"email": m.guest, "displayName": m.name, "responseStatus": "accepted"}],
        "updated": "2026-02-01T00:00:00.000Z", "eventType": "default",
    }
    if m.rrule:
        event["recurrence"] = [f"RRULE:{m.rrule}"]
    return event


def drafted_keys(raws: list[bytes]) -> set[str]:
    return {email.message_from_bytes(r, policy=policy.default)["X-Kaffe-Key"] for r in raws}


def test_google(tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    (seed / "calendar").mkdir(parents=True)
    (seed / "gmail" / "sent").mkdir(parents=True)
    items = [google_event(m) for m in SCENARIO]
    (seed / "calendar" / "primary.json").write_text(json.dumps(items))
    (seed / "gmail" / "sent" / "priya.eml").write_bytes(SENT_TO_PRIYA)
    with Emulator(seed, user_email=ME) as emu:
        cfg = write_config(tmp_path, emu.url, me=f'name = "Ana"\naddresses = ["{ME}"]\n')
        assert main(["--config", str(cfg), "once", "--now", NOW.isoformat()]) == 0
        assert drafted_keys([d["raw"] for d in emu.drafts()]) == EXPECTED


def imap_config(tmp_path: Path, dovecot: DovecotServer, calendar: str) -> Path:
    text = f"""
[me]
name = "Ana"
addresses = ["{ME}"]
domains = ["example.org"]

{calendar}

[[mail]]
type = "imap"
name = "work"
host = "{dovecot.host}"
port = {dovecot.port}
tls = "none"
username = "{dovecot.user}"
password_env = "{PASSWORD_ENV}"
address = "{ME}"

[storage]
database = "{tmp_path / 'kaffe.db'}"
"""
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def imap_drafts(dovecot: DovecotServer) -> list[bytes]:
    conn = dovecot.connect()
    try:
        conn.select("Drafts", readonly=True)
        _, data = conn.uid("SEARCH", "DRAFT")
        raws = []
        for uid in data[0].split():
            _, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raws.append(parts[0][1])
        return raws
    finally:
        conn.logout()


@pytest.fixture
def dovecot(monkeypatch: pytest.MonkeyPatch):
    with DovecotServer() as server:
        monkeypatch.setenv(PASSWORD_ENV, server.password)
        server.append("Sent", SENT_TO_PRIYA, when=datetime(2026, 3, 3, 12, tzinfo=UTC))
        yield server


def test_ics_and_imap(tmp_path: Path, dovecot: DovecotServer) -> None:
    ics = tmp_path / "calendar.ics"
    ics.write_text(scenario_ics())
    calendar = f'[[calendars]]\ntype = "ics"\nname = "home"\nurl = "{ics}"'
    cfg = imap_config(tmp_path, dovecot, calendar)
    assert main(["--config", str(cfg), "once", "--now", NOW.isoformat()]) == 0
    assert drafted_keys(imap_drafts(dovecot)) == EXPECTED
    # A second cycle with nothing new drafts nothing more.
    assert main(["--config", str(cfg), "once", "--now", NOW.isoformat()]) == 0
    assert len(imap_drafts(dovecot)) == len(EXPECTED)


def scenario_objects() -> list[str]:
    """The scenario as one VCALENDAR object per event, as CalDAV stores them."""
    text = scenario_ics()
    head, _, rest = text.partition("BEGIN:VEVENT")
    events = ["BEGIN:VEVENT" + chunk.split("END:VEVENT")[0] + "END:VEVENT"
              for chunk in ("BEGIN:VEVENT" + rest).split("BEGIN:VEVENT")[1:]]
    return [f"{head}{event}\r\nEND:VCALENDAR\r\n" for event in events]


def test_caldav_and_imap(tmp_path: Path, dovecot: DovecotServer,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.servers.radicale import RadicaleServer

    with RadicaleServer() as radicale:
        calendar_url = radicale.make_calendar("Work", "work")
        for obj in scenario_objects():
            radicale.put_event(calendar_url, obj)
        monkeypatch.setenv("KAFFE_TEST_CALDAV_PASSWORD", radicale.password)
        calendar = (f'[[calendars]]\ntype = "caldav"\nname = "work"\nurl = "{radicale.url}"\n'
                    f'username = "{radicale.user}"\npassword_env = "KAFFE_TEST_CALDAV_PASSWORD"')
        cfg = imap_config(tmp_path, dovecot, calendar)
        assert main(["--config", str(cfg), "once", "--now", NOW.isoformat()]) == 0
        assert main(["--config", str(cfg), "once", "--now", NOW.isoformat()]) == 0
    assert drafted_keys(imap_drafts(dovecot)) == EXPECTED
    assert len(imap_drafts(dovecot)) == len(EXPECTED)


def _imap_draft(to: str, subject: str, text: str) -> bytes:
    return (f"From: Ana <{ME}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n").encode()


def _appended(dovecot: DovecotServer, raw: bytes) -> int:
    conn = dovecot.connect()
    try:
        typ, data = conn.append("Drafts", "(\\Draft)", None, raw)
        assert typ == "OK"
        return int(data[0].split(b"APPENDUID ")[1].split(b"]")[0].split()[1])
    finally:
        conn.logout()


def _replaced(dovecot: DovecotServer, uid: int, raw: bytes) -> int:
    """An IMAP client saves an edit: the new version appended, the old one expunged."""
    new = _appended(dovecot, raw)
    conn = dovecot.connect()
    try:
        conn.select("Drafts")
        conn.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
        conn.expunge()
    finally:
        conn.logout()
    return new


def test_imap_drafts_you_edit_or_write_are_reviewed_once_per_version(
        tmp_path: Path, dovecot: DovecotServer) -> None:
    """Issue 16 against Dovecot: kaffe's follow-up to Bo edited into a job ask, and a
    draft to Priya written by hand; one note each, none again, one more per new version."""
    ics = tmp_path / "calendar.ics"
    ics.write_text(scenario_ics())
    cfg = imap_config(tmp_path, dovecot, f'[[calendars]]\ntype = "ics"\nname = "home"\n'
                                         f'url = "{ics}"')
    once = ["--config", str(cfg), "once", "--now"]
    assert main([*once, NOW.isoformat()]) == 0

    def notes() -> list[email.message.EmailMessage]:
        found = [email.message_from_bytes(r, policy=policy.default)
                 for r in imap_drafts(dovecot)]
        return [m for m in found if str(m["X-Kaffe-Key"] or "").startswith("review:")]

    conn = dovecot.connect()
    try:
        conn.select("Drafts", readonly=True)
        _, data = conn.uid("SEARCH", "HEADER", "X-Kaffe-Key", "followup:coffee-bo")
        bo_uid = int(data[0].split()[0])
        _, parts = conn.uid("FETCH", str(bo_uid), "(BODY.PEEK[])")
        bo_raw = parts[0][1]
    finally:
        conn.logout()
    edited = bo_raw.replace(b"\r\n\r\n", b"\r\n\r\nAre you hiring at the moment?\r\n\r\n", 1)
    new_uid = _replaced(dovecot, bo_uid, edited)
    _appended(dovecot, _imap_draft("Priya Raman <priya@analytics.example>", "Tak",
                                   "Hej Priya, har I en ledig stilling til mig?"))
    before = sorted(imap_drafts(dovecot))

    assert main([*once, (NOW + timedelta(hours=1)).isoformat()]) == 0
    made = notes()
    assert len(made) == 2
    bodies = " ".join(m.get_body(("plain",)).get_content() for m in made)
    assert "Are you hiring at the moment?" in bodies
    assert "har I en ledig stilling til mig?" in bodies
    after = imap_drafts(dovecot)
    assert all(raw in after for raw in before)  # nothing of yours changed or moved

    assert main([*once, (NOW + timedelta(hours=2)).isoformat()]) == 0
    assert len(notes()) == 2  # the same versions: no second note
    _replaced(dovecot, new_uid, edited.replace(b"hiring", b"hiring, Bo"))
    assert main([*once, (NOW + timedelta(hours=3)).isoformat()]) == 0
    assert len(notes()) == 3
