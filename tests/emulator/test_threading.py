"""Gmail's threading rule for drafts: threadId, References/In-Reply-To and Subject agree."""

from __future__ import annotations

import base64

import pytest

from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, mail

REFS = "In-Reply-To: <coffee-1@example.org>\r\nReferences: <coffee-1@example.org>\r\n"


def _draft_thread(google: Google, raw: bytes, thread_id: str) -> str:
    body = {"message": {"raw": base64.urlsafe_b64encode(raw).decode(), "threadId": thread_id}}
    created = google.gmail.users().drafts().create(userId="me", body=body).execute()
    return str(created["message"]["threadId"])


@pytest.mark.parametrize("subject", [
    "Re: Coffee next week?", "RE: re: coffee  next week?", "Sv: Coffee next week?",
    "AW: Fwd: Coffee next week?", "Vs:Coffee next week?", "Coffee next week?",
])
def test_draft_joins_when_id_headers_and_subject_agree(
    emu: Emulator, google: Google, subject: str
) -> None:
    original = emu.add_message(mail(), ["INBOX"])
    raw = mail(subject, sender="me@example.com", msgid="<r@x>", extra=REFS)
    assert _draft_thread(google, raw, original["threadId"]) == original["threadId"]


@pytest.mark.parametrize(("subject", "extra"), [
    ("Re: Tea instead?", REFS),  # another subject
    ("Re: Coffee next week?", ""),  # no References / In-Reply-To
    ("Re: Coffee next week?", "In-Reply-To: <other@example.org>\r\n"),  # not in the thread
    ("Re: Coffee next week?", "References: coffee-1@example.org\r\n"),  # no <msg-id> form
])
def test_draft_starts_a_new_thread_when_they_disagree(
    emu: Emulator, google: Google, subject: str, extra: str
) -> None:
    original = emu.add_message(mail(), ["INBOX"])
    raw = mail(subject, sender="me@example.com", msgid="<r@x>", extra=extra)
    got = _draft_thread(google, raw, original["threadId"])
    assert got != original["threadId"]
    thread = google.gmail.users().threads().get(userId="me", id=original["threadId"]).execute()
    assert [m["id"] for m in thread["messages"]] == [original["id"]]


def test_base_subject() -> None:
    from kaffe.emulator.threading_rule import base_subject

    assert base_subject("  RE:  Fwd[2]: Kaffe   i morgen ") == "kaffe i morgen"
    assert base_subject("Regarding coffee") == "regarding coffee"
