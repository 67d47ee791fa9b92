"""Gmail v1 through the real google-api-python-client."""

from __future__ import annotations

import base64
import email

import pytest
from googleapiclient.errors import HttpError

from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, mail

MULTIPART = (
    b"From: Bob <bob@example.net>\r\nTo: me@example.com\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n"
    b"Date: Mon, 09 Mar 2026 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached notes.\r\n"
    b"--b1\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="notes.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _ids(google: Google, **params) -> list[str]:
    found = google.gmail.users().messages().list(userId="me", **params).execute()
    return [m["id"] for m in found.get("messages", [])]


def test_profile_counts_messages_and_threads(emu: Emulator, google: Google) -> None:
    emu.add_message(mail(), ["INBOX", "UNREAD"])
    emu.add_message(
        mail("Re: Coffee", msgid="<r@x>", extra="In-Reply-To: <coffee-1@example.org>\r\n"), ["SENT"]
    )
    profile = google.gmail.users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == "me@example.com"
    assert (profile["messagesTotal"], profile["threadsTotal"]) == (2, 1)
    assert int(profile["historyId"]) > 0


def test_reply_joins_thread_by_references(emu: Emulator) -> None:
    first = emu.add_message(mail(), ["INBOX"])
    reply = emu.add_message(
        mail(
            "Re: Coffee", msgid="<r2@x>", extra="References: <other@x> <coffee-1@example.org>\r\n"
        ),
        ["SENT"],
    )
    stranger = emu.add_message(mail("Other", msgid="<o@x>"), ["INBOX"])
    assert reply["threadId"] == first["threadId"]
    assert stranger["threadId"] != first["threadId"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from:ada@example.org", ["ada"]),
        ("to:team@example.com", ["sent"]),
        ("in:sent", ["sent"]),
        ("in:inbox", ["ada", "old"]),
        ("after:2026/03/01", ["sent", "ada"]),
        ("before:2026/03/01", ["old"]),
        (f"after:{1772928000}", ["sent", "ada"]),  # 2026-03-08 as epoch seconds
        ("newer_than:7d", ["sent", "ada"]),
        ("compilers", ["ada"]),
        ("-compilers in:inbox", ["old"]),
        ('"grab a coffee"', ["ada"]),
        ("from:nobody@example.com", []),
    ],
)
def test_message_queries(emu: Emulator, google: Google, query: str, expected: list[str]) -> None:
    names = {
        "old": emu.add_message(
            mail(
                "Old",
                sender="old@example.net",
                msgid="<o@x>",
                body="hello",
                date="Sun, 01 Feb 2026 09:00:00 +0000",
            ),
            ["INBOX"],
        ),
        "ada": emu.add_message(mail(), ["INBOX", "UNREAD"]),
        "sent": emu.add_message(
            mail(
                "Notes",
                sender="me@example.com",
                to="team@example.com",
                msgid="<s@x>",
                body="minutes",
                date="Tue, 10 Mar 2026 11:00:00 +0000",
            ),
            ["SENT"],
        ),
    }
    got = _ids(google, q=query)
    assert got == [names[n]["id"] for n in expected]


def test_label_filter_pagination_and_spam(emu: Emulator, google: Google) -> None:
    added = [
        emu.add_message(
            mail(f"m{i}", msgid=f"<m{i}@x>", date=f"Tue, 0{i + 1} Mar 2026 09:00:00 +0000"),
            ["INBOX"],
        )
        for i in range(5)
    ]
    emu.add_message(mail("spam", msgid="<spam@x>"), ["SPAM"])
    page = (
        google.gmail.users()
        .messages()
        .list(userId="me", labelIds=["INBOX"], maxResults=2)
        .execute()
    )
    assert len(page["messages"]) == 2 and page["resultSizeEstimate"] == 5
    seen = [m["id"] for m in page["messages"]]
    while "nextPageToken" in page:
        page = (
            google.gmail.users()
            .messages()
            .list(userId="me", labelIds=["INBOX"], maxResults=2, pageToken=page["nextPageToken"])
            .execute()
        )
        seen += [m["id"] for m in page["messages"]]
    assert seen == [m["id"] for m in reversed(added)]  # newest first
    assert len(_ids(google)) == 5
    assert len(_ids(google, includeSpamTrash=True)) == 6


def test_message_formats(emu: Emulator, google: Google) -> None:
    msg_id = emu.add_message(MULTIPART, ["INBOX"])["id"]
    get = google.gmail.users().messages().get
    raw = get(userId="me", id=msg_id, format="raw").execute()
    assert base64.urlsafe_b64decode(raw["raw"]) == MULTIPART
    assert raw["internalDate"] == str(1773043200000) and raw["sizeEstimate"] == len(MULTIPART)

    full = get(userId="me", id=msg_id, format="full").execute()
    payload = full["payload"]
    assert payload["mimeType"] == "multipart/mixed" and payload["partId"] == ""
    text, pdf = payload["parts"]
    assert (text["partId"], pdf["partId"]) == ("0", "1")
    assert base64.urlsafe_b64decode(text["body"]["data"]).startswith(b"See the attached notes.")
    assert (
        pdf["filename"] == "notes.pdf"
        and base64.urlsafe_b64decode(pdf["body"]["data"]) == b"%PDF-1.4\n"
    )
    assert {"name": "Subject", "value": "Café"} in payload["headers"]
    assert full["snippet"] == "See the attached notes."

    meta = get(
        userId="me", id=msg_id, format="metadata", metadataHeaders=["From", "Subject"]
    ).execute()
    assert [h["name"] for h in meta["payload"]["headers"]] == ["From", "Subject"]
    minimal = get(userId="me", id=msg_id, format="minimal").execute()
    assert "payload" not in minimal and "raw" not in minimal and minimal["labelIds"] == ["INBOX"]


def test_unknown_message_is_404(google: Google) -> None:
    with pytest.raises(HttpError) as err:
        google.gmail.users().messages().get(userId="me", id="ffff").execute()
    assert err.value.status_code == 404


def test_drafts_create_list_get_and_thread(emu: Emulator, google: Google) -> None:
    original = emu.add_message(mail(), ["INBOX"])
    reply = mail(
        "Re: Coffee next week?",
        sender="me@example.com",
        to="ada@example.org",
        msgid="<d@x>",
        extra="In-Reply-To: <coffee-1@example.org>\r\nX-Kaffe-Key: followup:1\r\n",
    )
    drafts = google.gmail.users().drafts()
    created = drafts.create(
        userId="me", body={"message": {"raw": _b64(reply), "threadId": original["threadId"]}}
    ).execute()
    assert created["message"]["labelIds"] == ["DRAFT"]
    assert created["message"]["threadId"] == original["threadId"]
    unthreaded = drafts.create(
        userId="me", body={"message": {"raw": _b64(mail("Hi", msgid="<h@x>"))}}
    ).execute()
    assert unthreaded["message"]["threadId"] != original["threadId"]

    listing = drafts.list(userId="me").execute()
    assert {d["id"] for d in listing["drafts"]} == {created["id"], unthreaded["id"]}
    got = drafts.get(userId="me", id=created["id"], format="raw").execute()
    assert base64.urlsafe_b64decode(got["message"]["raw"]) == reply
    stored = {d["id"]: d for d in emu.drafts()}
    assert email.message_from_bytes(stored[created["id"]]["raw"])["X-Kaffe-Key"] == "followup:1"
    thread = google.gmail.users().threads().get(userId="me", id=original["threadId"]).execute()
    assert [m["id"] for m in thread["messages"]] == [original["id"], created["message"]["id"]]


def test_drafts_update_keeps_the_id_and_replaces_the_message(emu: Emulator, google: Google) -> None:
    """As an edit in Gmail: the draft id stays, the message is new (the old one is gone,
    history says messageDeleted and messageAdded), and the thread is kept."""
    original = emu.add_message(mail(), ["INBOX"])
    drafts = google.gmail.users().drafts()
    reply = mail("Re: Coffee next week?", sender="me@example.com", to="ada@example.org",
                 msgid="<d@x>", extra="In-Reply-To: <coffee-1@example.org>\r\n")
    created = drafts.create(userId="me", body={"message": {
        "raw": _b64(reply), "threadId": original["threadId"]}}).execute()
    start = google.gmail.users().getProfile(userId="me").execute()["historyId"]
    edited = reply + b"P.S. One more line, typed in Gmail.\r\n"
    updated = drafts.update(userId="me", id=created["id"], body={"message": {
        "raw": _b64(edited), "threadId": original["threadId"]}}).execute()
    assert updated["id"] == created["id"]
    assert updated["message"]["id"] != created["message"]["id"]
    assert updated["message"]["threadId"] == original["threadId"]
    got = drafts.get(userId="me", id=created["id"], format="raw").execute()
    assert base64.urlsafe_b64decode(got["message"]["raw"]) == edited
    assert [d["id"] for d in drafts.list(userId="me").execute()["drafts"]] == [created["id"]]
    with pytest.raises(HttpError) as err:
        google.gmail.users().messages().get(userId="me", id=created["message"]["id"]).execute()
    assert err.value.status_code == 404
    history = google.gmail.users().history().list(userId="me", startHistoryId=start).execute()
    kinds = [k for record in history["history"] for k in record if k.startswith("messages")
             and k != "messages"]
    assert kinds == ["messagesDeleted", "messagesAdded"]
    with pytest.raises(HttpError) as err:
        drafts.update(userId="me", id="r-none", body={"message": {"raw": _b64(edited)}}).execute()
    assert err.value.status_code == 404


@pytest.mark.parametrize("body", [{"message": {"raw": "!!! not base64 !!!"}}, {"message": {}}, {}])
def test_draft_with_bad_raw_is_400(google: Google, body: dict) -> None:
    with pytest.raises(HttpError) as err:
        google.gmail.users().drafts().create(userId="me", body=body).execute()
    assert err.value.status_code == 400


def test_draft_into_unknown_thread_is_404(google: Google) -> None:
    with pytest.raises(HttpError) as err:
        google.gmail.users().drafts().create(
            userId="me", body={"message": {"raw": _b64(mail()), "threadId": "dead"}}
        ).execute()
    assert err.value.status_code == 404


def test_send_is_refused_and_counted(emu: Emulator, google: Google) -> None:
    created = (
        google.gmail.users()
        .drafts()
        .create(userId="me", body={"message": {"raw": _b64(mail())}})
        .execute()
    )
    with pytest.raises(HttpError) as err:
        google.gmail.users().drafts().send(userId="me", body={"id": created["id"]}).execute()
    assert err.value.status_code == 403
    with pytest.raises(HttpError):
        google.gmail.users().messages().send(userId="me", body={"raw": _b64(mail())}).execute()
    assert emu.send_attempts == 2
    assert len(emu.drafts()) == 1


def test_history_lists_changes_since_a_point(emu: Emulator, google: Google) -> None:
    start = google.gmail.users().getProfile(userId="me").execute()["historyId"]
    inbox = emu.add_message(mail(), ["INBOX", "UNREAD"])
    emu.add_message(mail("Sent", msgid="<s@x>"), ["SENT"])
    history = google.gmail.users().history()
    doc = history.list(userId="me", startHistoryId=start).execute()
    added = [a["message"]["id"] for r in doc["history"] for a in r["messagesAdded"]]
    assert added[0] == inbox["id"] and len(added) == 2
    assert int(doc["historyId"]) > int(start)
    only_inbox = history.list(
        userId="me", startHistoryId=start, labelId="INBOX", historyTypes=["messageAdded"]
    ).execute()
    assert [r["messagesAdded"][0]["message"]["id"] for r in only_inbox["history"]] == [inbox["id"]]
    paged = history.list(userId="me", startHistoryId=start, maxResults=1).execute()
    assert len(paged["history"]) == 1 and "nextPageToken" in paged
    empty = history.list(userId="me", startHistoryId=doc["historyId"]).execute()
    assert "history" not in empty and empty["historyId"] == doc["historyId"]


def test_history_404_after_expiry(emu: Emulator, google: Google) -> None:
    start = google.gmail.users().getProfile(userId="me").execute()["historyId"]
    emu.add_message(mail(), ["INBOX"])
    emu.expire_history()
    with pytest.raises(HttpError) as err:
        google.gmail.users().history().list(userId="me", startHistoryId=start).execute()
    assert err.value.status_code == 404
    assert "Requested entity was not found." in str(err.value)
    current = google.gmail.users().getProfile(userId="me").execute()["historyId"]
    assert (
        "history"
        not in google.gmail.users().history().list(userId="me", startHistoryId=current).execute()
    )


def test_other_users_mailbox_is_forbidden(google: Google) -> None:
    with pytest.raises(HttpError) as err:
        google.gmail.users().getProfile(userId="someone@example.org").execute()
    assert err.value.status_code == 403
