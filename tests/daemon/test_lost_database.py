"""A lost database (reinstall, new machine, deleted data folder, a second kaffe on the
same mailbox) must not draft again what is already in Drafts: Gmail through the
emulator, IMAP through a real Dovecot. The drafts carry a Date (the cycle's `now`)
and an ASCII X-Kaffe-Key, even for a meeting whose UID is not ASCII."""

from __future__ import annotations

import email
import json
from dataclasses import replace
from email import policy
from pathlib import Path

from kaffe.cli import main
from kaffe.emulator import Emulator
from kaffe.mailids import wire_key
from kaffe.store import Store
from tests.daemon.test_backends_e2e import (  # noqa: F401 (dovecot is a fixture)
    ME,
    NOW,
    SCENARIO,
    SENT_TO_PRIYA,
    dovecot,
    google_event,
    imap_config,
    imap_drafts,
    scenario_ics,
)
from tests.helpers import write_config
from tests.servers.dovecot import DovecotServer

# A meeting whose UID is not ASCII (Apple and some CalDAV servers write such UIDs).
BO = SCENARIO[0]
AASE = replace(BO, uid="kaffe-møde-Åse@kaffe.test", title="Coffee with Åse",
               guest="aase@studio.example", name="Åse Ørsted")
MEETINGS = (*SCENARIO, AASE)
EXPECTED = {  # the weekly series gets none: see test_backends_e2e.EXPECTED
    "followup:coffee-bo@kaffe.test",
    "followup:kaffe-møde-Åse@kaffe.test",
}
DRAFT_APIS = ("gmail.users.drafts.list", "gmail.users.drafts.get")


def parsed(raws: list[bytes]) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(r, policy=policy.default) for r in raws]


def once(cfg: Path) -> int:
    return main(["--config", str(cfg), "once", "--now", NOW.isoformat()])


def lose_database(folder: Path) -> None:
    for path in folder.glob("kaffe.db*"):
        path.unlink()


def check_drafts(raws: list[bytes]) -> None:
    """One draft per key, each with an ASCII key and the cycle's `now` as its Date."""
    messages = parsed(raws)
    keys = [m["X-Kaffe-Key"] for m in messages]
    assert sorted(keys) == sorted(wire_key(k) for k in EXPECTED)
    assert all(k.isascii() for k in keys)
    assert all(m["Date"].datetime == NOW for m in messages)


def ledger_ids(db: Path) -> dict[str, str]:
    with Store.open(db) as store:
        return {k: e.draft_id for k, e in store.ledger().items() if k in EXPECTED}


def test_google_lost_database_drafts_nothing_twice(tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    (seed / "calendar").mkdir(parents=True)
    (seed / "gmail" / "sent").mkdir(parents=True)
    (seed / "calendar" / "primary.json").write_text(
        json.dumps([google_event(m) for m in MEETINGS]))
    (seed / "gmail" / "sent" / "priya.eml").write_bytes(SENT_TO_PRIYA)
    with Emulator(seed, user_email=ME) as emu:
        cfg = write_config(tmp_path, emu.url, me=f'name = "Ana"\naddresses = ["{ME}"]\n')
        assert once(cfg) == 0
        first = {d["id"] for d in emu.drafts()}
        lose_database(tmp_path)
        emu.clear_requests()
        assert once(cfg) == 0
        check_drafts([d["raw"] for d in emu.drafts()])
        assert {d["id"] for d in emu.drafts()} == first
        apis = [r.get("api") for r in emu.requests()]
    assert "gmail.users.drafts.create" not in apis
    # one look-up of kaffe's keys for the whole cycle, and the review's listing (issue 16)
    assert apis.count("gmail.users.drafts.list") == 2
    assert set(ledger_ids(tmp_path / "kaffe.db").values()) == first


def test_imap_lost_database_drafts_nothing_twice(tmp_path: Path,
                                                 dovecot: DovecotServer) -> None:  # noqa: F811
    ics = tmp_path / "calendar.ics"
    ics.write_text(scenario_ics(MEETINGS), encoding="utf-8")
    cfg = imap_config(tmp_path, dovecot, f'[[calendars]]\ntype = "ics"\nname = "home"\n'
                                         f'url = "{ics}"')
    assert once(cfg) == 0
    first = set(ledger_ids(tmp_path / "kaffe.db").values())
    lose_database(tmp_path)
    assert once(cfg) == 0
    check_drafts(imap_drafts(dovecot))
    assert set(ledger_ids(tmp_path / "kaffe.db").values()) == first
