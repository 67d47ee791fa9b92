"""Emulator responses against the discovery documents bundled with the real client."""

from __future__ import annotations

import base64

import pytest

from kaffe.emulator import Emulator
from kaffe.emulator.gmail_store import FIRST_HISTORY_ID
from tests.emulator.discovery_schema import validate
from tests.emulator.helpers import Google, event, mail

ATTACHED = (
    b"From: Bob <bob@example.net>\r\nTo: me@example.com\r\nSubject: Notes\r\n"
    b"Date: Mon, 09 Mar 2026 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    b'--b1\r\nContent-Type: text/plain; name="a.txt"\r\nContent-Disposition: attachment; '
    b'filename="a.txt"\r\n\r\nnotes\r\n--b1--\r\n'
)


def test_checker_catches_mistakes() -> None:
    assert (
        validate("gmail.v1", "gmail.users.getProfile", {"emailAddress": "a@b", "historyId": "12"})
        == []
    )
    assert validate("gmail.v1", "gmail.users.getProfile", {"historyId": 12})  # must be a string
    assert validate("gmail.v1", "gmail.users.getProfile", {"emailAdress": "a@b"})  # unknown key
    assert validate("calendar.v3", "calendar.events.list", {"items": [{"start": {"dateTime": 5}}]})


@pytest.fixture
def filled(emu: Emulator) -> Emulator:
    emu.add_event(
        "primary",
        event(
            "Kaffe",
            "2026-03-11T09:00:00Z",
            "2026-03-11T10:00:00Z",
            attendees=[{"email": "ada@example.org", "responseStatus": "accepted"}],
        ),
    )
    gone = emu.add_event("primary", event("Gone", "2026-03-12T09:00:00Z", "2026-03-12T10:00:00Z"))
    emu.delete_event("primary", gone["id"])
    emu.add_event(
        "primary",
        {
            "summary": "Weekly",
            "start": {"dateTime": "2026-03-02T09:00:00Z"},
            "end": {"dateTime": "2026-03-02T09:30:00Z"},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
        },
    )
    emu.add_message(mail(), ["INBOX", "UNREAD"])
    emu.add_message(ATTACHED, ["INBOX"])
    return emu


def _ok(api: str, method: str, doc: dict) -> None:
    assert validate(api, method, doc) == [], doc


def test_calendar_responses(filled: Emulator, google: Google) -> None:
    events = google.calendar.events()
    _ok(
        "calendar.v3",
        "calendar.events.list",
        events.list(calendarId="primary", maxResults=1).execute(),
    )
    full = events.list(calendarId="primary", singleEvents=True, showDeleted=True).execute()
    _ok("calendar.v3", "calendar.events.list", full)
    filled.update_event("primary", full["items"][0]["id"], {"location": "Café"})
    _ok(
        "calendar.v3",
        "calendar.events.list",
        events.list(calendarId="primary", syncToken=full["nextSyncToken"]).execute(),
    )
    _ok(
        "calendar.v3", "calendar.calendarList.list", google.calendar.calendarList().list().execute()
    )


def test_gmail_responses(filled: Emulator, google: Google) -> None:
    users = google.gmail.users()
    _ok("gmail.v1", "gmail.users.getProfile", users.getProfile(userId="me").execute())
    listing = users.messages().list(userId="me").execute()
    _ok("gmail.v1", "gmail.users.messages.list", listing)
    for ref in listing["messages"]:
        for fmt in ("full", "raw", "metadata", "minimal"):
            _ok(
                "gmail.v1",
                "gmail.users.messages.get",
                users.messages().get(userId="me", id=ref["id"], format=fmt).execute(),
            )
    _ok(
        "gmail.v1",
        "gmail.users.threads.get",
        users.threads().get(userId="me", id=listing["messages"][0]["threadId"]).execute(),
    )
    raw = base64.urlsafe_b64encode(mail("Thanks", msgid="<t@x>")).decode()
    created = users.drafts().create(userId="me", body={"message": {"raw": raw}}).execute()
    _ok("gmail.v1", "gmail.users.drafts.create", created)
    _ok("gmail.v1", "gmail.users.drafts.list", users.drafts().list(userId="me").execute())
    for fmt in ("full", "raw", "metadata", "minimal"):
        _ok(
            "gmail.v1",
            "gmail.users.drafts.get",
            users.drafts().get(userId="me", id=created["id"], format=fmt).execute(),
        )
    updated = users.drafts().update(userId="me", id=created["id"],
                                    body={"message": {"raw": raw}}).execute()
    _ok("gmail.v1", "gmail.users.drafts.update", updated)
    history = users.history().list(userId="me", startHistoryId=str(FIRST_HISTORY_ID)).execute()
    assert history["history"]
    _ok("gmail.v1", "gmail.users.history.list", history)
