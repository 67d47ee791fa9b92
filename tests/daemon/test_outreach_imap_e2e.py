"""Outreach, the one nudge and stages against a real Dovecot (IMAP drafts and Sent) and an
ICS calendar: kaffe sees the outreach you sent in Sent, nudges once in its thread, and
their reply in the inbox ends it."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.config import load
from kaffe.config.paths import database_path
from kaffe.daemon.storeview import read_snapshot
from kaffe.rules.stages import progress
from kaffe.store import Store
from kaffe.topics.targets import load_targets
from tests.servers.dovecot import DovecotServer

ME = "ana@example.org"
BO = "bo@harbor.example"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PASSWORD_ENV = "KAFFE_TEST_IMAP_PASSWORD"
EMPTY_ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kaffe tests//EN\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def dovecot(monkeypatch: pytest.MonkeyPatch):
    with DovecotServer() as server:
        monkeypatch.setenv(PASSWORD_ENV, server.password)
        yield server


def _config(tmp_path: Path, dovecot: DovecotServer) -> Path:
    (tmp_path / "calendar.ics").write_text(EMPTY_ICS)
    (tmp_path / "targets.csv").write_text(
        f"name,email,company,theme\nBo Berg,{BO},Harbor Logistics,port automation\n")
    path = tmp_path / "config.toml"
    path.write_text(f"""
[me]
name = "Ana"
addresses = ["{ME}"]
domains = ["example.org"]

[[calendars]]
type = "ics"
name = "home"
url = "{tmp_path / 'calendar.ics'}"

[[mail]]
type = "imap"
name = "work"
host = "{dovecot.host}"
port = {dovecot.port}
tls = "none"
username = "{dovecot.user}"
password_env = "{PASSWORD_ENV}"
address = "{ME}"

[outreach]
targets_file = "targets.csv"

[storage]
database = "{tmp_path / 'kaffe.db'}"
""")
    return path


def _drafts(dovecot: DovecotServer) -> dict[str, email.message.EmailMessage]:
    conn = dovecot.connect()
    try:
        conn.select("Drafts", readonly=True)
        _, data = conn.uid("SEARCH", "ALL")
        found = {}
        for uid in data[0].split():
            _, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            msg = email.message_from_bytes(parts[0][1], policy=policy.default)
            found[str(msg["X-Kaffe-Key"])] = msg
        return found
    finally:
        conn.logout()


def _once(cfg: Path, at: datetime) -> None:
    assert main(["--config", str(cfg), "once", "--now", at.isoformat()]) == 0


def _stage(cfg: Path, at: datetime) -> str:
    config = load(cfg)
    targets = load_targets(config).targets
    with Store.open(database_path(config)) as store:
        snapshot = read_snapshot(store, at, config, targets)
    return progress(targets[0], snapshot, at, config).stage


def test_outreach_nudge_and_reply_over_imap(tmp_path: Path, dovecot: DovecotServer) -> None:
    cfg = _config(tmp_path, dovecot)
    _once(cfg, T0)
    outreach = _drafts(dovecot)[f"outreach:{BO}"]
    assert outreach["Subject"] == "Coffee and your view on port automation?"

    sent_at = T0 + DAY
    dovecot.append("Sent", outreach.as_bytes(), when=sent_at)  # you send it
    _once(cfg, sent_at + timedelta(hours=1))
    assert _stage(cfg, sent_at + timedelta(hours=1)) == "asked"
    _once(cfg, T0 + 7 * DAY)
    assert f"nudge:{BO}" not in _drafts(dovecot)

    _once(cfg, sent_at + 8 * DAY + timedelta(hours=1))
    nudge = _drafts(dovecot)[f"nudge:{BO}"]
    assert nudge["In-Reply-To"] == outreach["Message-ID"]
    assert nudge["Subject"] == "Re: Coffee and your view on port automation?"

    reply = (f"From: Bo Berg <{BO}>\r\nTo: Ana <{ME}>\r\n"
             "Subject: Re: Coffee and your view on port automation?\r\n"
             "Date: Thu, 12 Mar 2026 10:00:00 +0000\r\nMessage-ID: <bo-1@harbor.example>\r\n"
             f"In-Reply-To: {outreach['Message-ID']}\r\n\r\nGladly! Tuesday?\r\n").encode()
    dovecot.append("INBOX", reply, when=sent_at + 9 * DAY)
    _once(cfg, sent_at + 10 * DAY)
    _once(cfg, sent_at + 30 * DAY)
    assert sorted(_drafts(dovecot)) == [f"nudge:{BO}", f"outreach:{BO}"]  # nothing more
    assert _stage(cfg, sent_at + 30 * DAY) == "replied"
