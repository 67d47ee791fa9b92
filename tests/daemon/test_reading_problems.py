"""What a source could not read is kept per source (kaffe.daemon.problems), and a
calendar read with problems never wipes the meetings it could not read."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kaffe.config import load
from kaffe.config.schema import Config, FeedOptionsConfig
from kaffe.connectors.ics_source import IcsCalendarSource
from kaffe.daemon.sync import sync_all, sync_calendar, sync_mail
from kaffe.model import CalendarBatch, MailBatch
from kaffe.store import Store
from tests.connectors.ical.test_ical_reading_problems import NOT_CALENDARS, calendar, event

COFFEE = event("coffee", "DTSTART:20260312T100000Z\r\nDTEND:20260312T110000Z\r\n")
LUNCH = event("lunch", "DTSTART:20260313T120000Z\r\nDTEND:20260313T130000Z\r\n")
LUNCH_BROKEN = event("lunch", "DTSTART:2026-03-13 12:00\r\nDTEND:20260313T130000Z\r\n")


def config_at(tmp_path: Path) -> Config:
    path = tmp_path / "config.toml"
    path.write_text('[me]\nname = "Me"\naddresses = ["me@example.com"]\n'
                    '[storage]\ndatabase = "kaffe.db"\n'
                    '[[calendars]]\ntype = "ics"\nname = "home"\nurl = "home.ics"\n')
    return load(path)


def stored_ids(store: Store) -> list[str]:
    return sorted(e.id for e in store.events(calendar="ics:home"))


def test_a_broken_event_keeps_its_stored_meeting_and_the_problem_is_kept(
    tmp_path: Path, now: datetime
) -> None:
    from kaffe.daemon import problems

    config, ics = config_at(tmp_path), tmp_path / "home.ics"
    source = IcsCalendarSource("home", str(ics), options=FeedOptionsConfig())
    with Store.open(tmp_path / "kaffe.db") as store:
        ics.write_text(calendar(COFFEE, LUNCH))
        sync_calendar(store, source, now, config)
        assert stored_ids(store) == ["coffee", "lunch"]
        ics.write_text(calendar(COFFEE, LUNCH_BROKEN))
        result = sync_calendar(store, source, now + timedelta(minutes=15), config)
        assert stored_ids(store) == ["coffee", "lunch"]  # lunch could not be read: kept
        assert len(result.problems) == 1
        [(text, _seen)] = problems.load(store, "ics:home").items
        assert text.endswith("UID lunch skipped: its DTSTART '2026-03-13 12:00' cannot be read")
        ics.write_text(calendar(COFFEE))  # fixed, and lunch really is gone now
        sync_calendar(store, source, now + timedelta(minutes=30), config)
        assert stored_ids(store) == ["coffee"]
        assert problems.load(store, "ics:home").items == ()  # a full read replaces them


def test_a_file_that_is_not_a_calendar_is_a_failed_sync_that_wipes_nothing(
    tmp_path: Path, now: datetime
) -> None:
    config, ics = config_at(tmp_path), tmp_path / "home.ics"
    source = IcsCalendarSource("home", str(ics), options=FeedOptionsConfig())
    with Store.open(tmp_path / "kaffe.db") as store:
        ics.write_text(calendar(COFFEE, LUNCH))
        sync_calendar(store, source, now, config)
        ics.write_bytes(NOT_CALENDARS["an RSS feed"])
        [result] = sync_all(store, ([source], [], []), now + timedelta(minutes=15), config)
        assert "not an iCalendar file (it looks like an RSS feed)" in result.error
        assert result.hint.startswith('check the url of the [[calendars]] entry "home"')
        assert stored_ids(store) == ["coffee", "lunch"]
        assert store.source_runs()["ics:home"]["ok"] is False


def test_a_full_batch_that_lost_an_unnamed_event_deletes_nothing(
    tmp_path: Path, now: datetime
) -> None:
    window = (now - timedelta(days=30), now + timedelta(days=30))
    with Store.open(tmp_path / "kaffe.db") as store:
        ics = IcsCalendarSource("home", str(tmp_path / "home.ics"), options=FeedOptionsConfig())
        (tmp_path / "home.ics").write_text(calendar(COFFEE, LUNCH))
        full = ics.sync(None, window_start=window[0], window_end=window[1])
        store.apply_calendar_batch(full, window_start=window[0], window_end=window[1])
        lossy = CalendarBatch("ics:home", (), None, full=True, incomplete=True)
        store.apply_calendar_batch(lossy, window_start=window[0], window_end=window[1])
        assert stored_ids(store) == ["coffee", "lunch"]


class MetaDict(dict[str, str]):
    def get_meta(self, key: str) -> str | None:
        return self.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self[key] = value


def test_mail_problems_accumulate_deduplicated_capped_and_age_out(now: datetime) -> None:
    from kaffe.daemon import problems

    meta = MetaDict()
    problems.record(meta, "gmail", ["<a@x> part 1: bad"], now, replace=False)
    problems.record(meta, "gmail", ["<a@x> part 1: bad", "<b@x> part 1: bad"],
                    now + timedelta(hours=1), replace=False)
    kept = problems.load(meta, "gmail")
    assert [t for t, _ in kept.items] == ["<a@x> part 1: bad", "<b@x> part 1: bad"]
    problems.record(meta, "gmail", [f"<{n}@x>: bad" for n in range(30)],
                    now + timedelta(hours=2), replace=False)
    kept = problems.load(meta, "gmail")
    assert len(kept.items) == problems.MAX_KEPT and kept.count == 32
    later = now + problems.KEEP_FOR + timedelta(hours=3)
    problems.record(meta, "gmail", ["<c@x>: bad"], later, replace=False)
    kept = problems.load(meta, "gmail")
    assert [t for t, _ in kept.items] == ["<c@x>: bad"] and kept.count == 1
    problems.record(meta, "gmail", [], later, replace=True)  # a full read without any
    assert problems.load_all(meta, ["gmail"]) == []


class FakeMail:
    """A mailbox whose syncs return the given problems, nothing else."""

    name = "imap:work"

    def __init__(self) -> None:
        self.batches: list[MailBatch] = []

    def sync(self, cursor: str | None, *, since: datetime, now: datetime) -> MailBatch:
        return self.batches.pop(0)

    def own_addresses(self) -> tuple[str, ...]:
        return ()


def test_mail_problems_add_up_across_incremental_syncs(tmp_path: Path, now: datetime) -> None:
    from kaffe.daemon import problems

    config, mail = config_at(tmp_path), FakeMail()
    mail.batches = [MailBatch("imap:work", (), "c1", full=False, problems=("<a@x>: bad",)),
                    MailBatch("imap:work", (), "c2", full=False, problems=("<b@x>: bad",)),
                    MailBatch("imap:work", (), "c3", full=True)]
    with Store.open(tmp_path / "kaffe.db") as store:
        for minutes in (0, 15):
            sync_mail(store, mail, now + timedelta(minutes=minutes), config)
        texts = [t for t, _ in problems.load(store, "imap:work").items]
        assert texts == ["<b@x>: bad", "<a@x>: bad"]  # newest first
        sync_mail(store, mail, now + timedelta(minutes=30), config)
        assert problems.load(store, "imap:work").items == ()  # a full read found none
