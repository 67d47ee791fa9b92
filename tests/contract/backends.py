"""Each backend, started once per test class and written to by its own native means:
the emulator's seed directory and store (Google), a file and an HTTP URL on 127.0.0.1
(ICS), Radicale (CalDAV), Dovecot via APPEND (IMAP), the emulator's control endpoint
``POST /_emulator/messages`` over HTTP (Gmail). Sources and sinks are built through
:mod:`kaffe.connectors.registry`, from config entries, as the daemon builds them."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from kaffe.config.schema import CalendarEntryConfig, Config, GoogleConfig, MailEntryConfig, MeConfig
from kaffe.connectors import registry
from kaffe.connectors.base import CalendarSource, DraftSink, MailSource
from tests.contract import scenario as sc

CONFIG = Config(me=MeConfig(name="Ana", addresses=(sc.ME,), domains=("example.org",),
                            timezone=sc.TIMEZONE))


def google_config(url: str) -> Config:
    return Config(me=CONFIG.me, google=GoogleConfig(api_endpoint=url))


def password_file(root: Path, password: str) -> Path:
    path = root / "password"
    path.write_text(password)
    path.chmod(0o600)
    return path


# -- calendars ---------------------------------------------------------------------------------
def google_seed(root: Path, calendars: list[str]) -> Path:
    """A seed directory with the scenario in each of ``calendars``."""
    seed = root / "seed"
    items = [e for m in sc.MEETINGS for e in sc.google_events(m)]
    for name in calendars:
        (seed / "calendar" / name).mkdir(parents=True)
        (seed / "calendar" / name / "events.json").write_text(json.dumps(items))
    (seed / "profile.json").write_text(json.dumps({"emailAddress": sc.ME}))
    return seed


@dataclass
class GoogleCalendars:
    emu: Any
    token: Path
    sources: dict[str, CalendarSource] = field(default_factory=dict)

    def source(self, name: str) -> CalendarSource:
        from kaffe.connectors.google import open_google

        config = google_config(self.emu.url)
        google = open_google(config, self.token, sleep=lambda s: None)
        entry = CalendarEntryConfig(type="google", name=name, calendar_id=name)
        return registry.calendar_source(entry, config, google=google)

    def change(self, name: str) -> None:
        self.emu.update_event(name, sc.BY_UID[sc.CHANGED_UID].google_id,
                              {"summary": sc.CHANGED_TITLE})
        self.emu.delete_event(name, sc.BY_UID[sc.DELETED_UID].google_id)

    def add_malformed(self, name: str) -> None:
        # Google never stores an event without a start; an unreadable one is what
        # a client may still meet (a start that is no time at all)
        with self.emu.calendar.lock:
            self.emu.calendar.put(name, {
                "kind": "calendar#event", "id": "broken", "iCalUID": "broken@kaffe.test",
                "status": "confirmed", "summary": "Coffee with nobody", "etag": '"1"',
                "updated": "2026-02-01T00:00:00.000Z",
                "start": {"dateTime": "2026-03-03 noon"}, "end": {"dateTime": "later"}})


@dataclass
class IcsCalendars:
    """ICS files in ``root``; with ``http`` they are read over HTTP from a local server."""

    root: Path
    http: Any = None  # a StaticServer

    def _write(self, name: str, text: str) -> None:
        (self.root / f"{name}.ics").write_text(text, encoding="utf-8")
        if self.http is not None:
            self.http.documents[f"/{name}.ics"] = ("text/calendar", text.encode())

    def source(self, name: str) -> CalendarSource:
        if not (self.root / f"{name}.ics").exists():
            self._write(name, sc.scenario_ics())
        url = f"{self.http.url}/{name}.ics" if self.http else str(self.root / f"{name}.ics")
        return registry.calendar_source(CalendarEntryConfig(type="ics", name=name, url=url),
                                        CONFIG)

    def change(self, name: str) -> None:
        self._write(name, sc.scenario_ics(changed=True))

    def add_malformed(self, name: str) -> None:
        self._write(name, sc.scenario_ics(malformed=True))


@dataclass
class CalDavCalendars:
    server: Any  # a RadicaleServer
    root: Path
    urls: dict[str, str] = field(default_factory=dict)

    def source(self, name: str) -> CalendarSource:
        if name not in self.urls:
            self.urls[name] = self.server.make_calendar(name, name)
            with self.server.client() as client:
                calendar = client.calendar(url=self.urls[name])
                for text in sc.caldav_objects().values():
                    calendar.save_event(text)
        entry = CalendarEntryConfig(
            type="caldav", name=name, url=self.server.url, username=self.server.user,
            password_file=password_file(self.root, self.server.password), calendar=name)
        return registry.calendar_source(entry, CONFIG)

    def change(self, name: str) -> None:
        meeting = sc.BY_UID[sc.CHANGED_UID]
        self.server.put_event(self.urls[name], sc.vcalendar(sc.vevents(meeting,
                                                                       sc.CHANGED_TITLE)))
        self.server.delete_event(self.urls[name], sc.DELETED_UID)

    def add_malformed(self, name: str) -> None:
        # Radicale refuses an unreadable object on PUT, so it is written on its disk,
        # where a sync client or a hand edit leaves one
        folder = self.server.root / "collections" / "collection-root" / self.server.user / name
        (folder / "broken.ics").write_text(sc.vcalendar(sc.MALFORMED_VEVENT))


# -- mail ------------------------------------------------------------------------------------
def gmail_deliver(emu_url: str, mail: sc.Mail) -> None:
    """Deliver one message through the emulator's control endpoint, over HTTP."""
    raw = base64.urlsafe_b64encode(mail.raw()).decode().rstrip("=")
    labels = ["SENT"] if mail.sent else ["INBOX", "UNREAD"]
    answer = httpx.post(f"{emu_url}/_emulator/messages", json={"raw": raw, "labelIds": labels},
                        timeout=10)
    answer.raise_for_status()


def imap_entry(server: Any, root: Path) -> MailEntryConfig:
    return MailEntryConfig(type="imap", name="work", host=server.host, port=server.port,
                           tls="none", username=server.user,
                           password_file=password_file(root, server.password), address=sc.ME)


def imap_deliver(server: Any, mail: sc.Mail) -> None:
    server.append("Sent" if mail.sent else "INBOX", mail.raw(), when=mail.date)


class GmailBox:
    """One emulator holding one Gmail mailbox with the scenario's mail."""

    def __init__(self, root: Path) -> None:
        from kaffe.emulator import Emulator
        from kaffe.emulator.token import write_emulator_token

        self.emu = Emulator(None, user_email=sc.ME, clock=lambda: sc.NOW).start()
        self.token = root / "token.json"
        write_emulator_token(self.token, self.emu.url)
        self.config = google_config(self.emu.url)
        for mail in sc.MAILS:
            self.deliver(mail)

    def close(self) -> None:
        self.emu.stop()

    def _google(self) -> Any:
        from kaffe.connectors.google import open_google

        return open_google(self.config, self.token, sleep=lambda s: None)

    def source(self) -> MailSource:
        entry = MailEntryConfig(type="google", name="gmail")
        return registry.mail_source(entry, self.config, self._google())

    def sink(self) -> DraftSink:
        return registry.draft_sink(self.config, self._google())

    def deliver(self, mail: sc.Mail) -> None:
        gmail_deliver(self.emu.url, mail)

    def drafts(self) -> list[bytes]:
        return [d["raw"] for d in self.emu.drafts()]

    def write_draft(self, raw: bytes) -> str:
        """The user writes a draft in Gmail (drafts.create, as any mail client does)."""
        gmail = self._user().gmail
        body = {"message": {"raw": base64.urlsafe_b64encode(raw).decode()}}
        return str(gmail.users().drafts().create(userId="me", body=body).execute()["id"])

    def edit_draft(self, draft_id: str, raw: bytes) -> str:
        """The user edits a draft: drafts.update keeps the draft id, the message is new."""
        gmail = self._user().gmail
        body = {"message": {"raw": base64.urlsafe_b64encode(raw).decode()}}
        gmail.users().drafts().update(userId="me", id=draft_id, body=body).execute()
        return draft_id

    def _user(self) -> Any:
        from tests.emulator.helpers import connect  # every method: the user's own tools

        return connect(self.emu)

    def sent(self) -> int:
        """Messages in Sent, and every call that tried to send."""
        with self.emu.gmail.lock:
            sent = [m for m in self.emu.gmail.messages.values() if "SENT" in m.labels]
        return len(sent) + self.emu.send_attempts


class ImapBox:
    """One Dovecot holding one IMAP mailbox with the scenario's mail."""

    def __init__(self, root: Path) -> None:
        from tests.servers.dovecot import DovecotServer

        self.server = DovecotServer()
        self.server.start()
        self.entry = imap_entry(self.server, root)
        self.config = Config(me=CONFIG.me, mail=(self.entry,))
        for mail in sc.MAILS:
            self.deliver(mail)

    def close(self) -> None:
        self.server.stop()

    def source(self) -> MailSource:
        return registry.mail_source(self.entry, self.config)

    def sink(self) -> DraftSink:
        return registry.draft_sink(self.config, None)

    def deliver(self, mail: sc.Mail) -> None:
        imap_deliver(self.server, mail)

    def _fetch(self, folder: str, criteria: str) -> list[bytes]:
        conn = self.server.connect()
        try:
            conn.select(folder, readonly=True)
            _, data = conn.uid("SEARCH", criteria)
            raws = []
            for uid in data[0].split():
                _, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                raws.append(parts[0][1])
            return raws
        finally:
            conn.logout()

    def drafts(self) -> list[bytes]:
        return self._fetch("Drafts", "DRAFT")

    def write_draft(self, raw: bytes) -> str:
        """The user's mail client saves a draft: APPEND with \\Draft (APPENDUID names it)."""
        conn = self.server.connect()
        try:
            typ, data = conn.append("Drafts", "(\\Draft)", None, raw)
            assert typ == "OK", data
            found = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
            assert found, data
            return f"drafts/{int(found.group(1))}/{int(found.group(2))}"
        finally:
            conn.logout()

    def edit_draft(self, draft_id: str, raw: bytes) -> str:
        """An edit as IMAP clients save it: the new version appended, the old one expunged."""
        new_id = self.write_draft(raw)
        conn = self.server.connect()
        try:
            conn.select("Drafts")
            conn.uid("STORE", draft_id.rsplit("/", 1)[1], "+FLAGS", "(\\Deleted)")
            conn.expunge()
        finally:
            conn.logout()
        return new_id

    def sent(self) -> int:
        return len(self._fetch("Sent", "ALL"))


@dataclass
class Mailboxes:
    """Mailboxes of one kind, one per name, each seeded once and closed at the end."""

    kind: type[GmailBox] | type[ImapBox]
    root: Path
    boxes: dict[str, Any] = field(default_factory=dict)

    def box(self, name: str) -> Any:
        if name not in self.boxes:
            folder = self.root / name
            folder.mkdir()
            self.boxes[name] = self.kind(folder)
        return self.boxes[name]

    def close(self) -> None:
        for box in self.boxes.values():
            box.close()


def mailboxes(kind: type[GmailBox] | type[ImapBox], root: Path) -> Iterator[Mailboxes]:
    """Body of a class-scoped fixture."""
    boxes = Mailboxes(kind, root)
    try:
        yield boxes
    finally:
        boxes.close()
