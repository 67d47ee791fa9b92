"""Meeting new people end to end against the emulator (issue 17): a targets file ->
outreach drafts, paced -> one is sent in Gmail -> one nudge in its thread after
nudge_after_days of silence -> their reply -> nothing more; a draft never sent gets
no nudge. The emulator's clock follows the simulated one."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

from kaffe.cli import main
from kaffe.config import load
from kaffe.config.paths import database_path
from kaffe.emulator import Emulator
from kaffe.rules.stages import progress
from kaffe.store import Store
from kaffe.topics.targets import load_targets
from tests.helpers import write_config

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ME = 'name = "Alex Morgan"\naddresses = ["alex@example.com"]\ndomains = ["example.com"]\n'
BO, CY, DI = "bo@harbor.example", "cy@crane.example", "di@dock.example"
TARGETS = ("name,email,company,theme\n"
           f"Bo Berg,{BO},Harbor Logistics,port automation\n"
           f"Cy Crane,{CY},Crane Works,\n"
           f"Di Dock,{DI},,\n")


def _once(cfg: Path, clock: list[datetime], at: datetime) -> None:
    clock[0] = at
    assert main(["--config", str(cfg), "once", "--now", at.isoformat()]) == 0


def _drafts(emu: Emulator) -> dict[str, dict[str, Any]]:
    """Drafts in the mailbox by their X-Kaffe-Key, each with its parsed message."""
    found = {}
    for draft in emu.drafts():
        msg = email.message_from_bytes(draft["raw"], policy=policy.default)
        found[str(msg["X-Kaffe-Key"])] = {**draft, "msg": msg}
    return found


def _stage(cfg: Path, who: str, at: datetime) -> str:
    config = load(cfg)
    (target,) = [t for t in load_targets(config).targets if t.email == who]
    from kaffe.daemon.storeview import read_snapshot

    with Store.open(database_path(config)) as store:
        snapshot = read_snapshot(store, at, config, (target,))
    return progress(target, snapshot, at, config).stage


def test_outreach_paced_one_nudge_then_silence(tmp_path: Path) -> None:
    clock = [T0]
    (tmp_path / "targets.csv").write_text(TARGETS, encoding="utf-8")
    with Emulator(None, user_email="alex@example.com", clock=lambda: clock[0]) as emu:
        extra = '[outreach]\ntargets_file = "targets.csv"\nper_week = 2\n'
        cfg = write_config(tmp_path, emu.url, extra, me=ME)

        _once(cfg, clock, T0)
        made = _drafts(emu)
        assert set(made) == {f"outreach:{BO}", f"outreach:{CY}"}  # paced: 2 a week
        bo = made[f"outreach:{BO}"]["msg"]
        assert bo["Subject"] == "Coffee and your view on port automation?"
        assert "30 minutes" in bo.get_content() and BO in str(bo["To"])

        _once(cfg, clock, T0 + DAY)
        assert set(_drafts(emu)) == set(made)  # nothing new within the week

        clock[0] = T0 + DAY + timedelta(hours=2)
        emu.send_draft(made[f"outreach:{BO}"]["id"])  # the user sends Bo's, not Cy's
        _once(cfg, clock, T0 + 2 * DAY)
        assert _stage(cfg, BO, T0 + 2 * DAY) == "asked"
        assert _stage(cfg, CY, T0 + 2 * DAY) == "target"

        _once(cfg, clock, T0 + 7 * DAY + timedelta(hours=1))
        assert f"outreach:{DI}" in _drafts(emu)  # the week is over: Di's turn
        assert f"nudge:{BO}" not in _drafts(emu)

        sent_at = T0 + DAY + timedelta(hours=2)
        _once(cfg, clock, sent_at + 8 * DAY + timedelta(hours=1))
        drafts = _drafts(emu)
        nudge = drafts[f"nudge:{BO}"]
        assert nudge["msg"]["Subject"] == "Re: Coffee and your view on port automation?"
        assert nudge["msg"]["In-Reply-To"] == bo["Message-ID"]
        sent_thread = [m for m in emu.gmail.messages.values() if "SENT" in m.labels]
        assert nudge["thread_id"] == sent_thread[0].thread_id
        assert f"nudge:{CY}" not in drafts  # never sent: no nudge

        clock[0] = sent_at + 9 * DAY
        emu.send_draft(nudge["id"])
        _once(cfg, clock, sent_at + 9 * DAY + timedelta(hours=1))
        assert _stage(cfg, BO, sent_at + 9 * DAY + timedelta(hours=1)) == "nudged"

        reply = (f"From: Bo Berg <{BO}>\r\nTo: Alex Morgan <alex@example.com>\r\n"
                 "Subject: Re: Coffee and your view on port automation?\r\n"
                 "Date: Fri, 13 Mar 2026 10:00:00 +0000\r\n"
                 f"Message-ID: <bo-reply@harbor.example>\r\nIn-Reply-To: {bo['Message-ID']}\r\n"
                 "Content-Type: text/plain\r\n\r\nHappy to! Tuesday?\r\n").encode()
        clock[0] = sent_at + 10 * DAY
        emu.add_message(reply, ["INBOX", "UNREAD"])
        for days in (10.5, 20, 40):
            _once(cfg, clock, sent_at + timedelta(days=days))
        left = [k for k in _drafts(emu) if BO in k]
        assert left == []  # the nudge was sent, nothing else came for Bo
        assert _stage(cfg, BO, sent_at + 40 * DAY) == "replied"
        assert emu.send_attempts == 0


def test_the_guard_checks_every_outreach_draft(tmp_path: Path, capsys) -> None:
    """A job ask that slips into a target's row (here its offer) blocks that draft; the
    others are made."""
    (tmp_path / "targets.csv").write_text(
        "name,email,offer\n"
        f"Bo Berg,{BO},is there a job for me at Harbor\n"
        f"Cy Crane,{CY},\n", encoding="utf-8")
    with Emulator(None, user_email="alex@example.com", clock=lambda: T0) as emu:
        cfg = write_config(tmp_path, emu.url, '[outreach]\ntargets_file = "targets.csv"\n',
                           me=ME)
        assert main(["--config", str(cfg), "plan", "--now", T0.isoformat()]) == 0
        plan = capsys.readouterr().out
        assert main(["--config", str(cfg), "once", "--now", T0.isoformat()]) == 0
        assert set(_drafts(emu)) == {f"outreach:{CY}"}
    assert "BLOCKED" in plan and 'blocked by the guard: "is there a job for me' in plan


def test_a_referral_in_a_note_becomes_outreach_then_a_thank_you(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    ana = "ana.silva@northwind.example"
    (notes / f"{ana}.md").write_text(
        "Topics: ports\n\n## Referrals\n"
        f"- Cy Crane <{CY}> — runs the crane yard, worth a talk\n", encoding="utf-8")
    clock = [T0]
    with Emulator(None, user_email="alex@example.com", clock=lambda: clock[0]) as emu:
        extra = f'[topics]\nnotes_dir = "{notes}"\n'
        cfg = write_config(tmp_path, emu.url, extra, me=ME)
        _once(cfg, clock, T0)
        outreach = _drafts(emu)[f"outreach:{CY}"]["msg"]
        assert "Ana suggested I get in touch with you" in outreach.get_content()
        assert "crane yard" not in outreach.get_content()  # your note's words stay yours
        emu.add_event("primary", {
            "id": "coffeecy1", "summary": "Coffee with Cy", "location": "Café Noir",
            "start": {"dateTime": "2026-03-10T09:00:00Z"},
            "end": {"dateTime": "2026-03-10T10:00:00Z"},
            "organizer": {"email": "alex@example.com", "self": True},
            "attendees": [{"email": "alex@example.com", "self": True,
                           "responseStatus": "accepted"},
                          {"email": CY, "displayName": "Cy Crane",
                           "responseStatus": "accepted"}]})
        _once(cfg, clock, datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
        assert f"thanks:{ana}:{CY}" not in _drafts(emu)  # not met yet
        _once(cfg, clock, datetime(2026, 3, 10, 13, 0, tzinfo=UTC))
        thanks = _drafts(emu)[f"thanks:{ana}:{CY}"]["msg"]
        assert ana in str(thanks["To"])
        assert thanks["Subject"] == "Thank you for introducing me to Cy Crane"
        _once(cfg, clock, datetime(2026, 3, 12, 13, 0, tzinfo=UTC))
        assert len([k for k in _drafts(emu) if k.startswith("thanks:")]) == 1
