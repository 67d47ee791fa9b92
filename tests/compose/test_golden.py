"""Golden files for rendered follow-ups (rss2email style): the headers as they go
on the wire (minus the Message-ID, which is new every time), then the body decoded
so that the text can be read and reviewed. Regenerate with KAFFE_UPDATE_GOLDEN=1
and review the diff."""

from __future__ import annotations

import email
import os
from dataclasses import replace
from datetime import datetime
from email.policy import default
from pathlib import Path

import pytest

from kaffe.compose.mime import to_raw
from kaffe.compose.render import Composer
from kaffe.model import Action, Recipient
from kaffe.rules.plan import evaluate
from tests.rules.factories import guest, make_config, make_event, make_snapshot, me_attendee

GOLDEN = Path(__file__).parent / "golden"
SENDER = Recipient("me@acme.example", "Mette Jensen")

CASES = {
    "followup_en": make_event(),
    "followup_da": make_event(
        summary="Kaffe med Søren",
        location="Kaffebaren, Jægersborggade 10, 2200 København N",
        attendees=(me_attendee(), guest("soren@firma.dk", "Søren Ørsted")),
    ),
}


def stable_text(raw: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    headers = [line for line in head if not line.startswith("Message-ID:")]
    body = email.message_from_bytes(raw, policy=default).get_content()
    return "\n".join(headers) + "\n\n" + body.replace("\r\n", "\n")


def assert_golden(action: Action, name: str, now: datetime) -> None:
    """The action rendered as it goes on the wire equals golden/<name>.expected (the
    executor dates every draft with the cycle's `now`); KAFFE_UPDATE_GOLDEN=1 rewrites it."""
    text = stable_text(to_raw(replace(Composer().render(action, SENDER), date=now)))
    path = GOLDEN / f"{name}.expected"
    if os.environ.get("KAFFE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, now: datetime) -> None:
    plan = evaluate(make_snapshot(CASES[name]), now, make_config())
    (action,) = plan.actions
    assert_golden(action, name, now)
