"""A Google event kaffe cannot read is a located reading problem, and a full sync
keeps what was stored of it (its iCalUID is in ``CalendarBatch.unread``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kaffe.connectors.google import GoogleConnection

from .test_calendar_source import CAL, _resource, _sync


def test_an_unreadable_event_is_named_and_kept(
    emu: Any, google: GoogleConnection, now: datetime
) -> None:
    emu.add_event(CAL, _resource("good", now))
    emu.add_event(CAL, _resource("bad", now + timedelta(hours=2), iCalUID="bad@example.org",
                                 end={"dateTime": "not a time"}))
    batch = _sync(google, now)
    assert [e.id for e in batch.events] == ["good"]
    assert batch.unread == ("bad@example.org",) and not batch.incomplete
    [problem] = batch.problems
    assert problem.startswith("google:primary: event 'Coffee bad' id bad skipped: ")
