"""Gmail as a source, end to end: interactions from real mail, threads, invitations."""

from __future__ import annotations

import email
import shutil
from datetime import UTC, datetime, timedelta
from email import policy
from email.utils import getaddresses, parsedate_to_datetime

import pytest

from kaffe.cli import main
from kaffe.config import load
from kaffe.config.paths import database_path
from kaffe.emulator import Emulator
from kaffe.store import Store
from tests.helpers import DEMO_SEED, write_config

DEMO_NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
ME = 'name = "Homer"\naddresses = ["homer@example.org"]\n'
TUNED = '[detect]\nkeywords = ["testaus", "coffee"]\nrequire_external = true\n'
SINCE = datetime(2022, 6, 1, tzinfo=UTC) - timedelta(days=3650)
OUTLOOK_INVITE = "thunderbird__outlook_invite_exchange.eml"
INVITE_UID = (
    "030000008200E00074C5B7101A82E0080000000060B608D090DDD7010000000000000000"
    "100000004BE0CFFA54BCF64E956E34143362C3C0"
)


def drafts(emu: Emulator) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(d["raw"], policy=policy.default) for d in emu.drafts()]


def open_store(cfg) -> Store:
    return Store.open(database_path(load(cfg)))


def once(cfg, now: str | datetime) -> int:
    stamp = now if isinstance(now, str) else now.isoformat()
    return main(["--config", str(cfg), "once", "--now", stamp])


@pytest.fixture
def demo(tmp_path):
    with Emulator(DEMO_SEED) as emu:
        yield emu, write_config(tmp_path, emu.url)


def test_real_mail_becomes_contacts_and_interactions_matching_the_headers(tmp_path, corpus):
    seed = tmp_path / "seed"
    (seed / "gmail" / "inbox").mkdir(parents=True)
    for eml in sorted((corpus / "eml").glob("*.eml")):
        shutil.copy(eml, seed / "gmail" / "inbox" / eml.name)
    with Emulator(seed, user_email="receiver@example.com") as emu:
        me = 'name = "R"\naddresses = ["receiver@example.com"]\n'
        cfg = write_config(tmp_path, emu.url, "[mailboxes]\nwindow_days = 3650\n", me=me)
        assert once(cfg, "2022-06-01T00:00Z") == 0
        with open_store(cfg) as store:
            interactions = store.interactions()
            contacts = store.contacts()
    expected = set()
    for eml in (corpus / "eml").glob("*.eml"):
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.compat32)
        if parsedate_to_datetime(msg["Date"]) < SINCE:
            continue  # older than the sync window
        (_, sender), *_ = getaddresses([str(msg.get("From", ""))]) or [("", "")]
        sender = sender.lower()
        if sender and "@" in sender and sender != "receiver@example.com" and not _bulk(msg, sender):
            expected.add(sender)
    assert set(interactions) == expected
    assert set(contacts) >= expected
    for contact, items in interactions.items():
        assert all(i.direction == "received" and i.contact == contact for i in items)


def _bulk(msg: email.message.Message, sender: str) -> bool:
    local = sender.split("@")[0]
    return bool(msg.get("List-Id") or msg.get("List-Unsubscribe")) or local in {
        "noreply", "no-reply", "donotreply", "mailer-daemon", "notifications",
    } or str(msg.get("Precedence", "")).lower() in {"bulk", "list", "junk"}


def test_mailing_lists_and_noreply_senders_are_not_contacts(demo):
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    with open_store(cfg) as store:
        contacts = store.interactions()
    assert "newsletter@dataweekly.example" not in contacts
    assert "ana.silva@northwind.example" in contacts


def test_you_wrote_after_the_meeting_so_no_draft(demo, capsys):
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    recipients = [str(d["To"]) for d in drafts(emu)]
    assert not any("priya" in r for r in recipients)
    assert "you wrote to priya.raman@acme-analytics.example on 2026-03-06 09:05 UTC" in (
        capsys.readouterr().out + _plan_text(cfg)
    )


def _plan_text(cfg) -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["--config", str(cfg), "plan", "--now", DEMO_NOW.isoformat()])
    return buffer.getvalue()


def test_followup_is_a_reply_in_the_arranging_thread(demo):
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    (ana,) = [d for d in emu.drafts() if b"ana.silva@northwind.example" in d["raw"]]
    message = email.message_from_bytes(ana["raw"], policy=policy.default)
    assert message["Subject"] == "Re: Coffee next week?"
    assert message["In-Reply-To"] == "<demo-alex-1@mail.example.com>"
    assert message["References"].split() == [
        "<CAF1demo-ana-1@mail.northwind.example>", "<demo-alex-1@mail.example.com>",
    ]
    with open_store(cfg) as store:
        (arranged,) = {m.thread_id for m in store.messages() if "Coffee next week" in m.subject}
    assert ana["thread_id"] == arranged  # Gmail put the draft in the conversation


@pytest.fixture
def homer(tmp_path, corpus):
    """Homer's mailbox holding only the real Outlook invitation, and his config."""
    seed = tmp_path / "seed"
    (seed / "gmail" / "inbox").mkdir(parents=True)
    shutil.copy(corpus / "eml" / OUTLOOK_INVITE, seed / "gmail" / "inbox")
    with Emulator(seed, user_email="homer@example.org") as emu:
        yield emu, write_config(tmp_path, emu.url, TUNED, me=ME)


def test_emailed_outlook_invitation_becomes_a_followup(homer):
    emu, cfg = homer
    assert once(cfg, "2021-11-20T12:00Z") == 0
    assert emu.drafts() == []  # the meeting is still ahead
    assert once(cfg, "2021-11-27T10:00Z") == 0
    (draft,) = drafts(emu)
    assert draft["To"].addresses[0].addr_spec == "marge@example.org"
    assert draft["X-Kaffe-Key"] == f"followup:{INVITE_UID}"


CANCEL = """\
From: Marge <marge@example.org>
To: Homer <homer@example.org>
Subject: Canceled: Testaus
Date: Mon, 22 Nov 2021 08:00:00 +0000
Message-ID: <cancel-testaus@example.org>
MIME-Version: 1.0
Content-Type: text/calendar; charset="utf-8"; method=CANCEL

BEGIN:VCALENDAR
METHOD:CANCEL
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VEVENT
ORGANIZER;CN=Marge:mailto:marge@example.org
ATTENDEE;CN=Homer:mailto:homer@example.org
UID:{uid}
SUMMARY:Canceled: Testaus
DTSTART:20211127T070000Z
DTEND:20211127T073000Z
DTSTAMP:20211122T080000Z
STATUS:CANCELLED
SEQUENCE:1
END:VEVENT
END:VCALENDAR
"""


def test_a_later_cancel_by_mail_removes_the_pending_followup(homer):
    emu, cfg = homer
    assert once(cfg, "2021-11-20T12:00Z") == 0
    assert "waiting" in _plan_json_states(cfg, "2021-11-20T12:00Z")
    raw = CANCEL.format(uid=INVITE_UID).replace("\n", "\r\n").encode()
    emu.add_message(raw, ["INBOX", "UNREAD"])
    assert once(cfg, "2021-11-22T12:00Z") == 0
    assert _plan_json_states(cfg, "2021-11-27T10:00Z") == []
    assert once(cfg, "2021-11-27T10:00Z") == 0
    assert emu.drafts() == []


def _plan_json_states(cfg, now: str) -> list[str]:
    import contextlib
    import io
    import json

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["--config", str(cfg), "plan", "--json", "--now", now])
    return [a["state"] for a in json.loads(buffer.getvalue())["actions"]]


def test_second_cycle_with_nothing_new_is_one_history_list(demo):
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    emu.clear_requests()
    once(cfg, DEMO_NOW + timedelta(minutes=15))
    calls = [r for r in emu.requests() if not r["path"].endswith("/token")]
    gmail = [r for r in calls if "/gmail/" in r["path"]]
    # one history.list, and one drafts.list (your drafts, read before you send them:
    # kaffe's own, as it wrote them, are not read)
    assert [r["path"].rsplit("/", 1)[-1] for r in gmail] == ["history", "drafts"]
    assert len(calls) == 3  # plus the calendar's one events.list with its syncToken


def test_stale_history_and_429_bursts_lose_and_duplicate_nothing(demo):
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    with open_store(cfg) as store:
        before = store.interactions()
    extra = (
        b"From: Ana Silva <ana.silva@northwind.example>\r\nTo: alex@example.com\r\n"
        b"Subject: Thanks!\r\nDate: Fri, 6 Mar 2026 13:00:00 +0000\r\n"
        b"Message-ID: <ana-thanks@northwind.example>\r\n\r\nThanks for the coffee!\r\n"
    )
    emu.add_message(extra, ["INBOX", "UNREAD"])
    emu.expire_history()
    emu.inject(429, count=6, retry_after=0)  # more than one call's retries absorb
    once(cfg, DEMO_NOW + timedelta(hours=1))  # may end with the mailbox still failing
    assert once(cfg, DEMO_NOW + timedelta(hours=2)) == 0
    with open_store(cfg) as store:
        after = store.interactions()
    ana = after["ana.silva@northwind.example"]
    assert len(ana) == len(before["ana.silva@northwind.example"]) + 1
    assert len({i.message_key for i in ana}) == len(ana)
    assert {c: len(v) for c, v in after.items() if c != "ana.silva@northwind.example"} == {
        c: len(v) for c, v in before.items() if c != "ana.silva@northwind.example"
    }


def test_status_shows_who_wrote_last_and_that_they_answered(demo, capsys):
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    (mette,) = [d for d in emu.drafts() if b"mette.jensen@groenenergi.dk" in d["raw"]]
    # You send the draft as it is (it keeps its X-Kaffe-Key); Mette answers the day after.
    sent = mette["raw"].replace(b"Subject:", b"Date: Fri, 6 Mar 2026 14:00:00 +0000\r\nSubject:", 1)
    emu.add_message(sent, ["SENT"])
    reply = (
        b"From: Mette Jensen <mette.jensen@groenenergi.dk>\r\nTo: alex@example.com\r\n"
        b"Subject: Re: Tak for kaffen\r\nDate: Sat, 7 Mar 2026 09:00:00 +0000\r\n"
        b"Message-ID: <mette-reply@groenenergi.dk>\r\n\r\nSelv tak!\r\n"
    )
    emu.add_message(reply, ["INBOX", "UNREAD"])
    once(cfg, DEMO_NOW + timedelta(days=1, hours=1))
    capsys.readouterr()
    assert main(["--config", str(cfg), "status"]) == 0
    out = capsys.readouterr().out
    (line,) = [x for x in out.splitlines() if x.strip().startswith("mette.jensen@")]
    assert "you wrote 2026-03-06" in line and "they wrote 2026-03-07" in line
    assert "kaffe drafts 1, sent 1, answered" in line
    (ana,) = [x for x in out.splitlines() if x.strip().startswith("ana.silva@")]
    assert "sent 0, not sent yet" in ana
