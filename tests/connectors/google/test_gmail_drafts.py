"""GmailDraftSink against the live emulator: raw MIME, X-Kaffe-Key, finding drafts again."""

from __future__ import annotations

import email
from email.message import Message
from email.policy import default
from typing import Any

import pytest

from kaffe.connectors.google import GoogleConnection
from kaffe.connectors.google.gmail_drafts import BATCH_SIZE, PAGE_SIZE
from kaffe.errors import ConnectorError, TransientError
from kaffe.mailids import wire_key
from kaffe.model import Draft, Recipient

from .conftest import ME


def _draft(key: str, **extra: Any) -> Draft:
    fields: dict[str, Any] = {
        "key": key, "sender": Recipient(ME, "Me"), "to": (Recipient("ana@example.dk", "Ana"),),
        "subject": "Tak for kaffe", "body": "Hej Ana,\n\ntak for i dag.\n",
    }
    return Draft(**{**fields, **extra})


def _stored(emu: Any, draft_id: str) -> tuple[dict[str, Any], Message]:
    stored = next(d for d in emu.drafts() if d["id"] == draft_id)
    return stored, email.message_from_bytes(stored["raw"], policy=default)


def test_create_draft_stores_raw_mime_with_the_key(emu: Any, google: GoogleConnection) -> None:
    draft_id = google.drafts.create_draft(_draft("followup:google:primary/ev1"))
    _, message = _stored(emu, draft_id)
    assert message["X-Kaffe-Key"] == "followup:google:primary/ev1"
    assert message["To"] == "Ana <ana@example.dk>"
    assert message["Subject"] == "Tak for kaffe"
    assert "tak for i dag" in message.get_content()
    assert emu.send_attempts == 0


def test_reply_draft_joins_the_thread(emu: Any, google: GoogleConnection) -> None:
    first, head = _stored(emu, google.drafts.create_draft(_draft("a")))
    reply = _draft("b", thread_id=first["thread_id"], in_reply_to=head["Message-ID"],
                   references=(head["Message-ID"],), subject="Re: Tak for kaffe")
    stored, message = _stored(emu, google.drafts.create_draft(reply))
    assert stored["thread_id"] == first["thread_id"]
    assert message["In-Reply-To"] == head["Message-ID"]


def _their_mail(subject: str) -> bytes:
    return (f"From: Ana <ana@example.dk>\r\nTo: {ME}\r\nSubject: {subject}\r\n"
            "Date: Tue, 10 Mar 2026 09:00:00 +0000\r\nMessage-ID: <m1@example.dk>\r\n"
            "Content-Type: text/plain\r\n\r\nKaffe i morgen?\r\n").encode()


def test_kaffes_follow_up_satisfies_gmails_threading_rule(
    emu: Any, google: GoogleConnection
) -> None:
    """Gmail joins a thread only when threadId, In-Reply-To/References and the subject
    agree; kaffe's reply (thread_for → Composer's fields) carries all of them."""
    from datetime import UTC, datetime

    from kaffe.model import RECEIVED, Interaction
    from kaffe.rules.threads import thread_for
    from tests.rules.factories import make_event

    theirs = emu.add_message(_their_mail("SV: Kaffe?"), ["INBOX"])
    seen = Interaction("ana@example.dk", RECEIVED, datetime(2026, 3, 10, 9, tzinfo=UTC),
                       "gmail/x", theirs["threadId"], "SV: Kaffe?", "<m1@example.dk>")
    event = make_event(start=datetime(2026, 3, 11, 9, tzinfo=UTC))
    ref = thread_for(event, [seen], datetime(2026, 3, 12, tzinfo=UTC), 30)
    assert ref is not None and ref.subject == "Re: Kaffe?"
    reply = _draft("f", thread_id=ref.thread_id, in_reply_to=ref.in_reply_to,
                   references=ref.references, subject=ref.subject)
    assert _stored(emu, google.drafts.create_draft(reply))[0]["thread_id"] == theirs["threadId"]


@pytest.mark.parametrize("change", [
    {"subject": "Tak for kaffe"},  # the template's own subject, not the thread's
    {"in_reply_to": "", "references": ()},  # no header names a message of the thread
    {"in_reply_to": "<elsewhere@example.dk>", "references": ("<elsewhere@example.dk>",)},
])
def test_a_draft_that_breaks_the_rule_starts_a_new_thread(
    emu: Any, google: GoogleConnection, change: dict[str, Any]
) -> None:
    theirs = emu.add_message(_their_mail("Kaffe?"), ["INBOX"])
    fields = {"thread_id": theirs["threadId"], "in_reply_to": "<m1@example.dk>",
              "references": ("<m1@example.dk>",), "subject": "Re: kaffe?", **change}
    stored, _ = _stored(emu, google.drafts.create_draft(_draft("x", **fields)))
    assert stored["thread_id"] != theirs["threadId"]
    assert all(m["id"] != stored["message_id"] for m in _thread(google, theirs["threadId"]))


def _thread(google: GoogleConnection, thread_id: str) -> list[dict[str, Any]]:
    users = google.drafts.service.users()
    return list(users.threads().get(userId="me", id=thread_id).execute()["messages"])


def test_find_draft_by_key(emu: Any, google: GoogleConnection) -> None:
    ids = {key: google.drafts.create_draft(_draft(key)) for key in ("k1", "k2", "k3")}
    assert google.drafts.find_draft("k2") == ids["k2"]
    assert google.drafts.find_draft("k4") is None
    assert all(r["method"] != "POST" or "send" not in r["path"] for r in emu.requests())


def test_profile_email(google: GoogleConnection) -> None:
    assert "@" in google.profile_email()


def test_find_draft_pages_and_batches(emu: Any, google: GoogleConnection) -> None:
    count = PAGE_SIZE + BATCH_SIZE + 5  # two drafts.list pages, four metadata batches
    ids = [google.drafts.create_draft(_draft(f"key{i}")) for i in range(count)]
    emu.clear_requests()
    assert google.drafts.find_draft(f"key{count - 1}") == ids[-1]  # the newest: one batch
    assert [r["path"] for r in emu.requests()].count("/batch/gmail/v1") == 1
    emu.clear_requests()
    assert google.drafts.find_draft("key0") == ids[0]
    paths = [r["path"] for r in emu.requests()]
    assert paths.count("/batch/gmail/v1") == 4
    assert paths.count("/gmail/v1/users/me/drafts") == 2


def test_find_draft_retries_a_rate_limited_part(
    emu: Any, google: GoogleConnection, sleeps: list[float]
) -> None:
    draft_id = google.drafts.create_draft(_draft("k1"))
    emu.inject(429, retry_after=3, path_contains=f"/drafts/{draft_id}")
    assert google.drafts.find_draft("k1") == draft_id
    assert len(sleeps) == 1 and 3.0 <= sleeps[0] <= 3.0 * 1.1 + 0.5  # stretched a little


def test_create_draft_error_names_the_call(emu: Any, google: GoogleConnection) -> None:
    emu.inject(400, path_contains="/drafts")
    with pytest.raises(ConnectorError, match="gmail drafts.create: HTTP 400"):
        google.drafts.create_draft(_draft("k1"))
    assert emu.drafts() == []


def test_create_draft_retries_429_but_not_5xx(
    emu: Any, google: GoogleConnection, sleeps: list[float]
) -> None:
    emu.inject(429, retry_after=2, path_contains="/drafts")
    assert google.drafts.create_draft(_draft("k1"))
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 2.0 * 1.1 + 0.5  # stretched a little
    emu.inject(503, path_contains="/drafts")
    with pytest.raises(TransientError, match="drafts.create: HTTP 503"):
        google.drafts.create_draft(_draft("k2"))
    assert len(sleeps) == 1 and len(emu.drafts()) == 1


def test_find_drafts_reads_every_draft_once_for_all_keys(
    emu: Any, google: GoogleConnection
) -> None:
    ids = {key: google.drafts.create_draft(_draft(key))
           for key in ("k1", "followup:møde-Åse@x.example", "k3")}
    google.drafts.create_draft(_draft("someone else's"))
    emu.clear_requests()
    found = google.drafts.find_drafts(["k1", "followup:møde-Åse@x.example", "k9"])
    assert found == {k: ids[k] for k in ("k1", "followup:møde-Åse@x.example")}
    paths = [r["path"] for r in emu.requests() if not r.get("part")]
    assert paths == ["/gmail/v1/users/me/drafts", "/batch/gmail/v1"]  # 2 round trips


def test_a_non_ascii_key_is_stamped_as_ascii(emu: Any, google: GoogleConnection) -> None:
    key = "drip:jørgen@eksempel.dk:article-1"
    _, message = _stored(emu, google.drafts.create_draft(_draft(key)))
    assert message["X-Kaffe-Key"] == wire_key(key) and message["X-Kaffe-Key"].isascii()


def test_find_drafts_does_not_read_the_drafts_it_is_told_to_skip(
    emu: Any, google: GoogleConnection
) -> None:
    ids = [google.drafts.create_draft(_draft(f"k{i}")) for i in range(4)]
    emu.clear_requests()
    assert google.drafts.find_drafts(["k0", "k9"], skip=set(ids[1:])) == {"k0": ids[0]}
    parts = [r["path"] for r in emu.requests() if r.get("part")]
    assert parts == [f"/gmail/v1/users/me/drafts/{ids[0]}"]  # one drafts.get, not four
