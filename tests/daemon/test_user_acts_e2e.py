"""What the user does in Gmail between cycles, played through the emulator's control
endpoints over plain HTTP, and what kaffe's next cycle makes of it."""

from __future__ import annotations

import base64
import json
import urllib.request
from datetime import timedelta
from typing import Any

from kaffe.emulator import Emulator
from tests.daemon.test_mail_e2e import DEMO_NOW, _plan_text, demo, once, open_store

__all__ = ["demo"]  # the fixture, imported for pytest
ANA = "ana.silva@northwind.example"
WROTE_TO_ANA = (
    b"From: Alex Morgan <alex@example.com>\r\nTo: Ana Silva <ana.silva@northwind.example>\r\n"
    b"Subject: Slides from Monday\r\nDate: Wed, 04 Mar 2026 15:00:00 +0000\r\n"
    b"Message-ID: <elsewhere-1@mail.example.com>\r\nContent-Type: text/plain\r\n\r\n"
    b"Here are the slides, as promised.\r\n"
)


def _post(emu: Emulator, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else b""
    req = urllib.request.Request(emu.url + "/_emulator/" + path, data=data, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _ana_drafts(emu: Emulator) -> list[dict[str, Any]]:
    return [d for d in emu.drafts() if ANA.encode() in d["raw"]]


def test_mail_you_sent_elsewhere_means_no_follow_up(demo) -> None:
    emu, cfg = demo
    raw = base64.urlsafe_b64encode(WROTE_TO_ANA).decode()
    _post(emu, "messages", {"raw": raw, "labelIds": ["SENT"]})
    once(cfg, DEMO_NOW)
    assert _ana_drafts(emu) == []
    assert f"you wrote to {ANA} on 2026-03-04" in _plan_text(cfg)


def test_a_sent_follow_up_is_seen_and_never_drafted_again(demo) -> None:
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    (draft,) = _ana_drafts(emu)
    sent = _post(emu, f"drafts/{draft['id']}/send")
    assert sent["threadId"] == draft["thread_id"] and sent["labelIds"] == ["SENT"]

    once(cfg, DEMO_NOW + timedelta(hours=2))
    assert _ana_drafts(emu) == []  # gone by the user's send, not made again
    with open_store(cfg) as store:
        mine = [i for i in store.interactions()[ANA] if i.direction == "sent"]
        thread = [m for m in store.messages() if m.thread_id == draft["thread_id"]]
    assert any(i.kaffe_key.startswith("followup:") for i in mine)
    assert len(thread) == 3  # Ana's, Alex's reply, and the sent follow-up
    assert emu.send_attempts == 0


HOST = "host@meetup.example"


def _hidden_guest_meetup(hidden: bool) -> dict[str, Any]:
    return {
        "id": "meetup0hidden", "summary": "Coffee & code meetup", "location": "Café Noir",
        "start": {"dateTime": "2026-03-04T16:00:00Z"}, "end": {"dateTime": "2026-03-04T17:00:00Z"},
        "organizer": {"email": HOST, "displayName": "Meetup Host"},
        "attendees": [{"email": "alex@example.com", "self": True, "responseStatus": "accepted"}],
        **({"attendeesOmitted": True} if hidden else {}),
    }


def test_a_hidden_guest_list_gets_no_personal_follow_up(demo) -> None:
    """The guest list of a meetup is hidden: it shows only you, and its organiser."""
    emu, cfg = demo
    emu.add_event("primary", _hidden_guest_meetup(hidden=True))
    once(cfg, DEMO_NOW)
    assert not [d for d in emu.drafts() if HOST.encode() in d["raw"]]
    assert "the guest list is hidden or trimmed (attendeesOmitted)" in _plan_text(cfg)


def test_the_same_meetup_with_its_guest_list_shown_is_a_coffee(demo) -> None:
    """The control case: without attendeesOmitted it would get a follow-up."""
    emu, cfg = demo
    emu.add_event("primary", _hidden_guest_meetup(hidden=False))
    once(cfg, DEMO_NOW)
    assert [d for d in emu.drafts() if HOST.encode() in d["raw"]]
