"""Invitations sent by robots (iCloud, Google Calendar), end to end on the Gmail API
(emulator) and IMAP (Dovecot): read, drafted to the person, never to the robot or
the relay; and ``plan`` promises exactly the drafts ``once`` writes."""

from __future__ import annotations

import base64
import contextlib
import email
import io
import json
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from kaffe.cli import main
from kaffe.config import load
from kaffe.config.paths import database_path
from kaffe.connectors.imap.conn import ImapAccount
from kaffe.connectors.imap.source import ImapMailSource
from kaffe.emulator import Emulator
from kaffe.store import Store
from tests.helpers import write_config
from tests.servers.dovecot import DovecotServer

ME = 'name = "Homer"\naddresses = ["homer@example.org"]\n'
TUNED = '[detect]\nkeywords = ["coffee"]\nrequire_external = true\n'
BEFORE, AFTER = "2026-03-09T12:00Z", "2026-03-11T10:00Z"

# Shaped like a real iCloud invitation: a robot sends it, the organizer is an
# imip.me.com relay with the person in EMAIL=, the calendar is a base64 attachment.
ICLOUD_ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//iPhone 17.2//EN
METHOD:REQUEST
BEGIN:VEVENT
UID:8C1F5D2E-icloud-coffee
DTSTAMP:20260301T100000Z
DTSTART:20260310T100000Z
DTEND:20260310T110000Z
SEQUENCE:0
SUMMARY:Coffee with Karim
ORGANIZER;CN="Karim";EMAIL="karim@example.fr":mailto:2_GEZDGNBVGY3TQOJQ@imip.me.com
ATTENDEE;CN="Karim";CUTYPE=INDIVIDUAL;EMAIL="karim@example.fr";PARTSTAT=ACC
 EPTED;ROLE=CHAIR:mailto:2_GEZDGNBVGY3TQOJQ@imip.me.com
ATTENDEE;CN="Homer";CUTYPE=INDIVIDUAL;EMAIL="homer@example.org";PARTSTAT=N
 EEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:homer@example.org
END:VEVENT
END:VCALENDAR
"""

# Shaped like Google's: calendar-notification@google.com sends it, the SEQUENCE is
# a millisecond clock, one guest came from Confluence with a user key in front.
GOOGLE_ICS = """\
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REQUEST
BEGIN:VEVENT
DTSTART:20260310T140000Z
DTEND:20260310T143000Z
DTSTAMP:20260301T110000Z
ORGANIZER;CN=Lea Moreau:mailto:lea@example.net
UID:0g3n5q7coffee@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Lea Mor
 eau;X-NUM-GUESTS=0:mailto:lea@example.net
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=
 TRUE;CN=Jo;X-NUM-GUESTS=0:x-confluence-user-key=8a7f80:mailto:jo@example.net
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=
 TRUE;CN=homer@example.org;X-NUM-GUESTS=0:mailto:homer@example.org
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN=Br
 oken:mailto:broken@@example.net
SEQUENCE:1407317367304
STATUS:CONFIRMED
SUMMARY:Coffee chat
END:VEVENT
END:VCALENDAR
"""


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def icloud_mail() -> bytes:
    ics = base64.encodebytes(_crlf(ICLOUD_ICS).encode()).decode()
    return _crlf(f"""\
From: Karim <noreply@insideicloud.icloud.com>
Reply-To: karim@example.fr
To: homer@example.org
Subject: Invitation: Coffee with Karim @ Tue 10 Mar 2026 10:00 (UTC)
Date: Sun, 01 Mar 2026 10:00:05 +0000
Message-ID: <A1B2C3-icloud@insideicloud.icloud.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="Apple-Mail=_B1"

--Apple-Mail=_B1
Content-Type: text/plain; charset=utf-8

Karim has invited you to "Coffee with Karim".

--Apple-Mail=_B1
Content-Type: text/calendar; charset=utf-8; method=REQUEST;
 name=iCal-20260301-100005.ics
Content-Disposition: attachment; filename=iCal-20260301-100005.ics
Content-Transfer-Encoding: base64

{ics}
--Apple-Mail=_B1--
""").encode()


def google_mail() -> bytes:
    return _crlf(f"""\
From: Google Calendar <calendar-notification@google.com>
Sender: Google Calendar <calendar-notification@google.com>
Reply-To: lea@example.net
To: homer@example.org
Subject: Invitation: Coffee chat @ Tue 10 Mar 2026 14:00 - 14:30 (UTC)
Date: Sun, 01 Mar 2026 11:00:05 +0000
Message-ID: <0000000000google-coffee@google.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="000000000000g1"

--000000000000g1
Content-Type: multipart/alternative; boundary="000000000000g2"

--000000000000g2
Content-Type: text/plain; charset="UTF-8"

You have been invited to the following event.

--000000000000g2
Content-Type: text/calendar; charset="UTF-8"; method=REQUEST

{GOOGLE_ICS}
--000000000000g2--

--000000000000g1
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"

{GOOGLE_ICS}
--000000000000g1--
""").encode()


@pytest.fixture
def gmail(tmp_path):
    (tmp_path / "seed" / "gmail" / "inbox").mkdir(parents=True)
    with Emulator(tmp_path / "seed", user_email="homer@example.org") as emu:
        emu.add_message(icloud_mail(), ["INBOX", "UNREAD"])
        emu.add_message(google_mail(), ["INBOX", "UNREAD", "CATEGORY_UPDATES"])
        yield emu, write_config(tmp_path, emu.url, TUNED, me=ME)


def _cli(cfg, *args: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["--config", str(cfg), *args]) == 0
    return buffer.getvalue()


def _followups(emu: Emulator) -> list[tuple[list[str], str]]:
    """(addresses in To, plain body) of every follow-up draft."""
    found = []
    for draft in emu.drafts():
        msg = email.message_from_bytes(draft["raw"], policy=policy.default)
        if str(msg["X-Kaffe-Key"]).startswith("followup:"):
            body = msg.get_body(("plain",))
            found.append((sorted(a.addr_spec for a in msg["To"].addresses),
                          body.get_content() if body else ""))
    return found


def test_robot_invitations_by_gmail_become_drafts_to_the_people(gmail) -> None:
    emu, cfg = gmail
    _cli(cfg, "once", "--now", BEFORE)
    assert _followups(emu) == []  # the meetings are still ahead
    drafts_before = len(emu.drafts())
    plan = json.loads(_cli(cfg, "plan", "--json", "--now", AFTER))["actions"]
    _cli(cfg, "once", "--now", AFTER)
    written = _followups(emu)
    assert sorted(to for to, _ in written) == [
        ["jo@example.net", "lea@example.net"], ["karim@example.fr"]]
    due = [a for a in plan if a["state"] == "due"]
    assert len(due) == len(emu.drafts()) - drafts_before  # plan promised what once wrote
    (karim,) = [body for to, body in written if to == ["karim@example.fr"]]
    assert "Karim" in karim and "and 2" not in karim
    with Store.open(database_path(load(cfg))) as store:
        contacts = set(store.interactions()) | set(store.contacts())
    assert not {"noreply@insideicloud.icloud.com", "calendar-notification@google.com"} & contacts
    assert not any("imip.me.com" in c for c in contacts)


def test_robot_invitations_by_imap_are_read(tmp_path) -> None:
    received = datetime(2026, 3, 1, 11, 0, 5, tzinfo=UTC)
    with DovecotServer() as dovecot:
        dovecot.append("INBOX", icloud_mail(), when=received)
        dovecot.append("INBOX", google_mail(), when=received)
        source = ImapMailSource(ImapAccount(
            "work", dovecot.host, dovecot.port, username=dovecot.user,
            password=dovecot.password, tls="none", address="homer@example.org", timeout=10))
        batch = source.sync(None, since=received - timedelta(days=7), now=received)
    assert all(m.bulk for m in batch.messages)  # robots: still no contact
    by_summary = {e.summary: e for e in batch.invitations}
    assert set(by_summary) == {"Coffee with Karim", "Coffee chat"}
    assert by_summary["Coffee with Karim"].organizer == "karim@example.fr"
    assert {a.email for a in by_summary["Coffee chat"].attendees} == {
        "lea@example.net", "jo@example.net", "homer@example.org"}
