"""``plan`` promises exactly the drafts ``once`` writes when an invitation's guest
list holds values that are not addresses (issue 13 item 4): Confluence's user keys,
two @, a relay, a robot."""

from __future__ import annotations

import contextlib
import email
import io
import json
from datetime import UTC, datetime
from email import policy

from hypothesis import given
from hypothesis import strategies as st

from kaffe.cli import main
from kaffe.compose.mime import format_addresses
from kaffe.config.schema import MeConfig
from kaffe.emulator import Emulator
from kaffe.model import Attendee, Event, Recipient
from kaffe.rules.people import external_people
from tests.daemon.test_robot_invites import GOOGLE_ICS, ME, TUNED, _crlf
from tests.helpers import write_config

_T = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
# three people (a small meeting, so a follow-up is due): Lea, Jo behind a Confluence
# user key, and you
GUESTS = GOOGLE_ICS.replace("SEQUENCE:1407317367304", "SEQUENCE:1").replace(
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN=Br\n"
    " oken:mailto:broken@@example.net\n", "")


def personal_invitation() -> bytes:
    return _crlf(f"""\
From: Lea Moreau <lea@example.net>
To: homer@example.org
Subject: Invitation: Coffee chat
Date: Sun, 01 Mar 2026 11:00:05 +0000
Message-ID: <lea-coffee@example.net>
MIME-Version: 1.0
Content-Type: text/calendar; charset="UTF-8"; method=REQUEST

{GUESTS}""").encode()


def _cli(cfg, *args: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["--config", str(cfg), *args])
    return code, buffer.getvalue()


def test_plan_and_once_agree_on_a_guest_list_with_broken_values(tmp_path) -> None:
    (tmp_path / "seed" / "gmail" / "inbox").mkdir(parents=True)
    with Emulator(tmp_path / "seed", user_email="homer@example.org") as emu:
        emu.add_message(personal_invitation(), ["INBOX", "UNREAD"])
        cfg = write_config(tmp_path, emu.url, TUNED, me=ME)
        assert _cli(cfg, "once", "--now", "2026-03-09T12:00Z")[0] == 0
        before = len(emu.drafts())
        code, out = _cli(cfg, "plan", "--json", "--now", "2026-03-11T10:00Z")
        due = [a for a in json.loads(out)["actions"] if a["state"] == "due"]
        assert _cli(cfg, "once", "--now", "2026-03-11T10:00Z")[0] == 0
        written = [email.message_from_bytes(d["raw"], policy=policy.default)
                   for d in emu.drafts()][before:]
    assert len(due) == len(written) >= 1
    followups = [m for m in written if str(m["X-Kaffe-Key"]).startswith("followup:")]
    assert [sorted(a.addr_spec for a in m["To"].addresses) for m in followups] == [
        ["jo@example.net", "lea@example.net"]]


def test_robots_relays_and_non_addresses_are_never_recipients() -> None:
    me = MeConfig(addresses=("homer@example.org",))
    guests = ("lea@example.net", "noreply@insideicloud.icloud.com",
              "2_gezdgnbv@imip.me.com", "broken@@example.net", "x-key=1:jo@example.net",
              "room@resource.calendar.google.com")
    event = Event(id="e", calendar="c", summary="Coffee", start=_T, end=_T,
                  attendees=tuple(Attendee(g) for g in guests),
                  organizer="calendar-notification@google.com")
    assert [r.email for r in external_people(event, me)] == ["lea@example.net"]


@given(st.text(alphabet="ab.@ -_+\"x1é", max_size=20))
def test_what_the_planner_accepts_the_composer_can_write(text: str) -> None:
    from kaffe.mailaddr import is_recipient

    if is_recipient(text):
        format_addresses([Recipient(text, "Name")], "To")  # never raises
