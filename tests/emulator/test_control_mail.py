"""The control endpoints that play the user: a message arrives, a draft is sent."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, event, mail


def _post(emu: Emulator, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else b""
    req = urllib.request.Request(emu.url + "/_emulator/" + path, data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _history(google: Google, start: str) -> list[dict[str, Any]]:
    users = google.gmail.users()
    return users.history().list(userId="me", startHistoryId=start).execute().get("history", [])


def test_a_message_arrives_over_http_and_shows_in_history(
    emu: Emulator, google: Google
) -> None:
    start = google.gmail.users().getProfile(userId="me").execute()["historyId"]
    status, msg = _post(emu, "messages", {"raw": _b64(mail()), "labelIds": ["INBOX"]})
    assert status == 200
    assert set(msg) >= {"id", "threadId", "labelIds", "historyId", "internalDate"}
    assert msg["labelIds"] == ["INBOX"] and "payload" not in msg
    (record,) = _history(google, start)
    assert record["messagesAdded"] == [
        {"message": {"id": msg["id"], "threadId": msg["threadId"], "labelIds": ["INBOX"]}}
    ]
    got = google.gmail.users().messages().get(userId="me", id=msg["id"], format="raw").execute()
    assert base64.urlsafe_b64decode(got["raw"]) == mail()


def test_a_mail_sent_elsewhere_joins_its_thread_by_references(
    emu: Emulator, google: Google
) -> None:
    theirs = emu.add_message(mail(), ["INBOX"])
    answer = mail("Re: Coffee next week?", sender="me@example.com", to="ada@example.org",
                  msgid="<mine@example.com>", extra="In-Reply-To: <coffee-1@example.org>\r\n")
    status, msg = _post(emu, "messages", {"raw": _b64(answer), "labelIds": ["SENT"]})
    assert status == 200 and msg["threadId"] == theirs["threadId"]
    assert msg["labelIds"] == ["SENT"]


@pytest.mark.parametrize(("body", "location"), [
    ({}, "raw"), ({"raw": "!!!"}, "raw"), ({"raw": _b64(b"x"), "labelIds": "INBOX"}, "labelIds"),
    ({"raw": _b64(b"x"), "labelIds": [1]}, "labelIds"),
])
def test_a_bad_arrival_is_400(emu: Emulator, body: dict, location: str) -> None:
    status, doc = _post(emu, "messages", body)
    assert status == 400 and doc["error"]["errors"][0]["location"] == location
    assert emu.gmail.messages == {}


def test_sending_a_draft_is_what_gmail_does(emu: Emulator, google: Google) -> None:
    theirs = emu.add_message(mail(), ["INBOX"])
    reply = mail("Re: Coffee next week?", sender="me@example.com", to="ada@example.org",
                 msgid="<r1@example.com>", extra="In-Reply-To: <coffee-1@example.org>\r\n")
    drafts = google.gmail.users().drafts()
    created = drafts.create(userId="me", body={"message": {
        "raw": _b64(reply), "threadId": theirs["threadId"]}}).execute()
    start = google.gmail.users().getProfile(userId="me").execute()["historyId"]

    status, sent = _post(emu, f"drafts/{created['id']}/send")
    assert status == 200
    assert sent["labelIds"] == ["SENT"] and sent["threadId"] == theirs["threadId"]
    assert sent["id"] != created["message"]["id"]  # Gmail: a new message with a new id
    assert drafts.list(userId="me").execute().get("drafts") is None
    users = google.gmail.users()
    thread = users.threads().get(userId="me", id=theirs["threadId"]).execute()
    assert [m["id"] for m in thread["messages"]] == [theirs["id"], sent["id"]]
    raw = users.messages().get(userId="me", id=sent["id"], format="raw").execute()["raw"]
    assert base64.urlsafe_b64decode(raw) == reply
    kinds = [k for r in _history(google, start) for k in r if k not in ("id", "messages")]
    assert kinds == ["messagesDeleted", "messagesAdded"]
    assert emu.send_attempts == 0  # the user's click, not an API send
    assert _post(emu, f"drafts/{created['id']}/send")[0] == 404


def test_an_accepted_invitation_appears_in_the_calendar_and_in_the_next_sync(
        emu: Emulator, google: Google) -> None:
    """``POST /_emulator/calendars/<id>/events``: the event is in events.list, and an
    incremental sync from a token taken before returns it."""
    events = google.calendar.events()
    first = events.list(calendarId="primary").execute()
    token = first["nextSyncToken"]
    status, made = _post(emu, "calendars/primary/events", event(
        "Coffee with Daniel", "2026-03-12T09:00:00Z", "2026-03-12T10:00:00Z",
        location="Café Norden", attendees=[{"email": "daniel@brightgrid.example"}]))
    assert status == 200 and made["id"] and made["status"] == "confirmed"
    changed = events.list(calendarId="primary", syncToken=token).execute()["items"]
    assert [e["id"] for e in changed] == [made["id"]]
    assert changed[0]["location"] == "Café Norden"


@pytest.mark.parametrize("body", [{}, {"start": {"dateTime": "2026-03-12T09:00:00Z"}},
                                  {"start": {}, "end": {}}, ["x"]])
def test_an_event_without_start_and_end_is_400(emu: Emulator, body: Any) -> None:
    status, doc = _post(emu, "calendars/primary/events", body)
    assert status == 400 and doc["error"]["errors"][0]["location"] == "start"
