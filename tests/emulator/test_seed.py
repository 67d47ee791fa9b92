"""Seed directories: the real-world corpus and deliberately broken files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kaffe.emulator import Emulator
from tests.emulator.discovery_schema import validate
from tests.emulator.helpers import connect, mail


def _corpus_seed(corpus: Path, tmp_path: Path) -> Path:
    seed = tmp_path / "seed"
    (seed / "calendar").mkdir(parents=True)
    (seed / "gmail" / "inbox").mkdir(parents=True)
    for path in (corpus / "calendar_json").glob("*.json"):
        shutil.copy(path, seed / "calendar" / path.name)
    for path in (corpus / "eml").glob("*.eml"):
        shutil.copy(path, seed / "gmail" / "inbox" / path.name)
    return seed


def test_corpus_calendars_sync_through_the_real_client(corpus: Path, tmp_path: Path, now) -> None:
    with Emulator(_corpus_seed(corpus, tmp_path), clock=lambda: now) as emu:
        google = connect(emu)
        listing = google.calendar.calendarList().list().execute()
        assert validate("calendar.v3", "calendar.calendarList.list", listing) == []
        assert "jcrowgey@uw.edu" in {e["id"] for e in listing["items"]}
        for entry in listing["items"]:
            page = (
                google.calendar.events().list(calendarId=entry["id"], singleEvents=True).execute()
            )
            assert "nextSyncToken" in page
        primary = google.calendar.events().list(calendarId="primary", singleEvents=True).execute()
        assert primary["summary"] == "Khaliq's Nango Calendar"
        assert primary["timeZone"] == "Europe/Oslo"
        kinds = {i.get("eventType", "default") for i in primary["items"]}
        assert "outOfOffice" in kinds
        assert any(i.get("recurringEventId") for i in primary["items"])


def test_every_corpus_mail_loads_or_is_reported(corpus: Path, tmp_path: Path, now) -> None:
    emls = sorted(p.name for p in (corpus / "eml").glob("*.eml"))
    with Emulator(_corpus_seed(corpus, tmp_path), clock=lambda: now) as emu:
        google = connect(emu)
        reported = [p for p in emu.seed_problems if p.startswith("gmail/")]
        listing = google.gmail.users().messages().list(userId="me", maxResults=500).execute()
        refs = listing.get("messages", [])
        assert len(refs) + len(reported) == len(emls)
        for ref in refs:
            got = (
                google.gmail.users()
                .messages()
                .get(userId="me", id=ref["id"], format="full")
                .execute()
            )
            assert got["labelIds"] == ["INBOX", "UNREAD"]
            assert int(got["internalDate"]) < 1_700_000_000_000  # from the Date header, not "now"
            assert validate("gmail.v1", "gmail.users.messages.get", got) == []


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def test_broken_seed_files_are_reported_and_skipped(tmp_path: Path, now) -> None:
    good = {
        "kind": "calendar#event",
        "id": "good1",
        "summary": "Kaffe",
        "start": {"dateTime": "2026-03-11T09:00:00Z"},
        "end": {"dateTime": "2026-03-11T10:00:00Z"},
    }
    _write(tmp_path / "calendar" / "a_bad.json", "{not json")
    _write(
        tmp_path / "calendar" / "b_list.json", json.dumps([good, {"id": "nostart", "summary": "x"}])
    )
    _write(tmp_path / "calendar" / "c_other.json", json.dumps({"kind": "drive#file"}))
    _write(
        tmp_path / "calendar" / "team@example.com" / "d.json",
        json.dumps(
            {
                "kind": "calendar#events",
                "summary": "Team",
                "timeZone": "Europe/Copenhagen",
                "items": [dict(good, id="team1")],
            }
        ),
    )
    _write(tmp_path / "gmail" / "inbox" / "empty.eml", b"")
    _write(tmp_path / "gmail" / "inbox" / "ok.eml", mail())
    _write(
        tmp_path / "gmail" / "sent" / "sent.eml",
        mail("Re", msgid="<r@x>", extra="In-Reply-To: <coffee-1@example.org>\r\n"),
    )
    _write(tmp_path / "profile.json", json.dumps({"emailAddress": "kaffe@example.dk"}))

    with Emulator(tmp_path, clock=lambda: now) as emu:
        problems = emu.seed_problems
        assert [p.split(":")[0] for p in problems] == [
            "calendar/a_bad.json",
            "calendar/b_list.json",
            "calendar/c_other.json",
            "gmail/inbox/empty.eml",
        ]
        assert "event nostart: no start/end" in problems[1]
        google = connect(emu)
        assert (
            google.gmail.users().getProfile(userId="me").execute()["emailAddress"]
            == "kaffe@example.dk"
        )
        primary = google.calendar.events().list(calendarId="primary").execute()
        assert [i["id"] for i in primary["items"]] == ["good1"]
        team = google.calendar.events().list(calendarId="team@example.com").execute()
        assert (team["summary"], team["timeZone"], [i["id"] for i in team["items"]]) == (
            "Team",
            "Europe/Copenhagen",
            ["team1"],
        )
        sent = google.gmail.users().messages().list(userId="me", q="in:sent").execute()["messages"]
        inbox = (
            google.gmail.users().messages().list(userId="me", q="in:inbox").execute()["messages"]
        )
        assert sent[0]["threadId"] == inbox[0]["threadId"]


def test_missing_seed_dir_is_a_problem(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "nope")
    assert emu.seed_problems == [f"{tmp_path / 'nope'}: seed directory not found"]


def test_seeded_attendees_omitted_event_is_served_as_seeded(tmp_path: Path, now) -> None:
    hidden = {
        "kind": "calendar#event", "id": "meetup1", "summary": "Python meetup",
        "start": {"dateTime": "2026-03-11T17:00:00Z"}, "end": {"dateTime": "2026-03-11T19:00:00Z"},
        "organizer": {"email": "host@meetup.example"}, "attendeesOmitted": True,
        "attendees": [{"email": "me@example.com", "self": True, "responseStatus": "accepted"}],
    }
    _write(tmp_path / "calendar" / "meetup.json", json.dumps(hidden))
    with Emulator(tmp_path, clock=lambda: now) as emu:
        assert emu.seed_problems == []
        got = connect(emu).calendar.events().list(calendarId="primary").execute()["items"]
    assert got[0]["attendeesOmitted"] is True and got[0]["attendees"] == hidden["attendees"]
