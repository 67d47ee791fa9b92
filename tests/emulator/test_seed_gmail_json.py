"""Gmail API message JSON (format=full / raw) and labels in a seed directory."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, connect, mail


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)


def _full(msg_id: str, thread: str, labels: list[str], subject: str, **extra: Any) -> dict:
    """A format=full resource shaped like a recorded messages.get answer."""
    return {
        "id": msg_id, "threadId": thread, "labelIds": labels, "snippet": "Hej",
        "internalDate": "1773046800000", "sizeEstimate": 2048, "historyId": "3310366",
        "payload": {
            "partId": "", "mimeType": "multipart/mixed", "filename": "",
            "headers": [
                {"name": "From", "value": "Zoë Ørsted <zoe@example.dk>"},
                {"name": "To", "value": "me@example.com"},
                {"name": "Subject", "value": subject},
                {"name": "Date", "value": "Mon, 9 Mar 2026 09:00:00 +0000"},
                {"name": "Message-ID", "value": f"<{msg_id}@mail.example.dk>"},
                {"name": "Content-Type", "value": 'multipart/mixed; boundary="000b1"'},
            ],
            "body": {"size": 0},
            "parts": [
                {"partId": "0", "mimeType": "text/plain", "filename": "",
                 "headers": [{"name": "Content-Type", "value": "text/plain; charset=UTF-8"},
                             {"name": "Content-Transfer-Encoding", "value": "quoted-printable"}],
                 "body": {"size": 18, "data": _b64("Kaffe på torsdag?\n".encode())}},
                {"partId": "1", "mimeType": "image/png", "filename": "kort.png",
                 "headers": [{"name": "Content-Type", "value": 'image/png; name="kort.png"'},
                             {"name": "Content-Disposition",
                              "value": 'attachment; filename="kort.png"'}],
                 "body": {"attachmentId": "ANGjdJ8", "size": 19165}},
            ],
        },
        **extra,
    }


def _all(google: Google, **params: Any) -> list[dict[str, Any]]:
    users = google.gmail.users()
    refs = users.messages().list(userId="me", **params).execute().get("messages", [])
    return [users.messages().get(userId="me", id=r["id"]).execute() for r in refs]


def test_full_and_raw_json_load_with_their_labels_and_threads(tmp_path: Path, now) -> None:
    first = _full("a1", "t1", ["INBOX", "CATEGORY_PROMOTIONS", "UNREAD"], "Tilbud")
    reply = _full("a2", "t1", ["SENT", "IMPORTANT"], "Re: Tilbud")
    raw = {"id": "r1", "threadId": "t2", "labelIds": ["INBOX", "CATEGORY_SOCIAL"],
           "raw": _b64(mail("Ny ven", msgid="<r1@x>"))}
    _write(tmp_path / "gmail" / "a_full.json", json.dumps(first))
    _write(tmp_path / "gmail" / "b_list.json",
           json.dumps({"messages": [reply, raw, {"id": "bare", "threadId": "t9"}],
                       "resultSizeEstimate": 3}))
    with Emulator(tmp_path, clock=lambda: now) as emu:
        assert emu.seed_problems == [
            "gmail/b_list.json: message bare: neither raw nor payload "
            "(a bare messages.list reference?)"
        ]
        got = {m["payload"]["headers"][2]["value"]: m for m in _all(connect(emu))}
    assert sorted(got) == ["Ny ven", "Re: Tilbud", "Tilbud"]
    assert got["Tilbud"]["labelIds"] == ["INBOX", "CATEGORY_PROMOTIONS", "UNREAD"]
    assert got["Re: Tilbud"]["labelIds"] == ["SENT", "IMPORTANT"]
    assert got["Ny ven"]["labelIds"] == ["INBOX", "CATEGORY_SOCIAL"]
    assert got["Tilbud"]["threadId"] == got["Re: Tilbud"]["threadId"]
    assert got["Tilbud"]["threadId"] != got["Ny ven"]["threadId"]
    assert got["Tilbud"]["internalDate"] == "1773046800000"
    headers = {h["name"]: h["value"] for h in got["Tilbud"]["payload"]["headers"]}
    assert headers["From"] == "Zoë Ørsted <zoe@example.dk>"
    parts = got["Tilbud"]["payload"]["parts"]
    assert base64.urlsafe_b64decode(parts[0]["body"]["data"]).decode() == "Kaffe på torsdag?\n"
    assert parts[1]["filename"] == "kort.png"


def test_folder_labels_sidecars_and_unknown_folders(tmp_path: Path, now) -> None:
    _write(tmp_path / "gmail" / "promotions" / "sale.eml", mail("Sale", msgid="<s@x>"))
    _write(tmp_path / "gmail" / "inbox" / "hi.eml", mail("Hi", msgid="<h@x>"))
    _write(tmp_path / "gmail" / "inbox" / "hi.labels", "INBOX, IMPORTANT\nCATEGORY_PERSONAL")
    _write(tmp_path / "gmail" / "inbox" / "empty.eml", mail("Empty", msgid="<e@x>"))
    _write(tmp_path / "gmail" / "inbox" / "empty.labels", " \n")
    _write(tmp_path / "gmail" / "archive" / "old.eml", mail("Old", msgid="<o@x>"))
    _write(tmp_path / "gmail" / "social" / "bad.json", "[1, 2]")
    with Emulator(tmp_path, clock=lambda: now) as emu:
        problems = emu.seed_problems
        got = {_subject(m): m["labelIds"] for m in _all(connect(emu))}
    assert got == {"Sale": ["INBOX", "UNREAD", "CATEGORY_PROMOTIONS"],
                   "Hi": ["INBOX", "IMPORTANT", "CATEGORY_PERSONAL"]}
    assert problems[0].startswith("gmail/archive: unknown mail folder (known: inbox, sent,")
    assert problems[1:] == [
        "gmail/inbox/empty.eml: empty.labels names no label",
        "gmail/social/bad.json: message #0: not a JSON object",
        "gmail/social/bad.json: message #1: not a JSON object",
    ]


def _subject(message: dict[str, Any]) -> str:
    return next(h["value"] for h in message["payload"]["headers"] if h["name"] == "Subject")


def test_corpus_gmail_json_loads_or_is_reported(corpus: Path, tmp_path: Path, now) -> None:
    """The recorded Gmail API answers: every message with a body loads with its labels;
    messages.list and history.list files (references only) are reported, not stored."""
    for path in (corpus / "gmail_json").glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    seed = tmp_path / "seed"
    (seed / "gmail").mkdir(parents=True)
    for path in tmp_path.glob("*.json"):
        path.rename(seed / "gmail" / path.name)
    expected = {}
    for path in (seed / "gmail").glob("nango__messages_get_*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        expected[doc["id"]] = doc
    with Emulator(seed, clock=lambda: now) as emu:
        problems = emu.seed_problems
        got = _all(connect(emu), includeSpamTrash=True)
    assert len(got) == len(expected) == 3
    assert sorted(m["labelIds"] for m in got) == sorted(d["labelIds"] for d in expected.values())
    listed = [p for p in problems if p.startswith("gmail/nango__messages_list.json")]
    assert len(listed) == 6 and all("bare messages.list reference" in p for p in listed)
    assert any(p.startswith("gmail/nango__history_list") for p in problems)
