"""What the Gmail source could not read comes back in ``MailBatch.problems``, each
naming the message: an unreadable message, an invitation whose event is broken."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kaffe.emulator import Emulator

from .test_gmail_source import SINCE, _source, emu, sleeps  # noqa: F401 (fixtures)

BROKEN_INVITATION = (
    b"From: Bo <bo@example.org>\r\nTo: me@example.com\r\nSubject: Coffee?\r\n"
    b"Date: Mon, 09 Mar 2026 09:00:00 +0000\r\nMessage-ID: <inv-1@example.org>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n"
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:c1@example.org\r\n"
    b"SUMMARY:Coffee\r\nDTSTART:2026-03-12 10:00\r\nORGANIZER:mailto:bo@example.org\r\n"
    b"ATTENDEE:mailto:me@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_unread_messages_and_invitations_are_named_in_the_batch(
    emu: Emulator, tmp_path: Path, sleeps: list[float], now: datetime  # noqa: F811
) -> None:
    source = _source(emu, tmp_path, sleeps, invite_days=3650)
    cursor = source.sync(None, since=SINCE, now=now).cursor
    anonymous = emu.add_message(b"To: me@example.com\r\nSubject: anon\r\n\r\nhi\r\n", ["INBOX"])
    emu.add_message(BROKEN_INVITATION, ["INBOX"])
    batch = source.sync(cursor, since=SINCE, now=now)
    assert f"gmail: message {anonymous['id']} skipped: no readable From address" in batch.problems
    assert ("<inv-1@example.org> part 1: event 'Coffee' UID c1@example.org skipped: its "
            "DTSTART '2026-03-12 10:00' cannot be read") in batch.problems
