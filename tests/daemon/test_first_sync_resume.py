"""A Gmail first sync kept in the store: killed halfway it resumes where it stopped, a
batch that keeps failing is put back instead of failing the whole sync, and `kaffe
status` says how far it got. Over real HTTP against the emulator."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import Config, GmailConfig, GoogleConfig
from kaffe.connectors.google import gmail_source, open_google
from kaffe.connectors.google.gmail_source import GmailMailSource
from kaffe.daemon import firstsync
from kaffe.daemon.sync import sync_mail
from kaffe.emulator import Emulator
from kaffe.emulator.token import write_emulator_token
from kaffe.errors import TransientError
from kaffe.store import Store
from tests.emulator.helpers import mail

COUNT = 400  # 8 batches of 50


class Killed(BaseException):
    """The process dies (SIGKILL, power cut): nothing after this point runs."""


def _config(emu: Emulator) -> Config:
    return Config(google=GoogleConfig(api_endpoint=emu.url, num_retries=2),
                  gmail=GmailConfig(skip_tabs=()))


def _source(emu: Emulator, tmp_path: Path, sleeps: list[float]) -> GmailMailSource:
    token = tmp_path / "token.json"
    write_emulator_token(token, emu.url)
    source = open_google(_config(emu), token, sleep=sleeps.append).mail
    assert source is not None
    source.bucket = None  # the pacing is tested elsewhere; here only what is read counts
    return source


def _fetched(emu: Emulator) -> list[str]:
    """Ids of the messages whose metadata was read, in the emulator's request log."""
    prefix = "/gmail/v1/users/me/messages/"
    return [r["path"][len(prefix):] for r in emu.requests()
            if r["path"].startswith(prefix) and r["query"].get("format") == ["metadata"]]


@pytest.fixture
def emu(now: datetime) -> Any:
    with Emulator(clock=lambda: now) as emulator:
        date = format_datetime(now - timedelta(days=3))
        for i in range(COUNT):
            emulator.add_message(mail(f"hello {i}", sender=f"P{i} <p{i}@example.org>",
                                      msgid=f"<h{i}@example.org>", date=date), ["INBOX"])
        yield emulator


def test_killed_halfway_the_first_sync_resumes_and_rereads_almost_nothing(
    emu: Emulator, tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(emu)
    saves = {"n": 0}
    real_save = firstsync.StoreCheckpoint.save

    def dying_save(self: firstsync.StoreCheckpoint, part: Any, progress: Any) -> None:
        real_save(self, part, progress)
        saves["n"] += 1
        if saves["n"] == 4:
            raise Killed

    with Store.open(tmp_path / "kaffe.db") as store:
        monkeypatch.setattr(firstsync.StoreCheckpoint, "save", dying_save)
        with pytest.raises(Killed):
            sync_mail(store, _source(emu, tmp_path, []), now, config)
        monkeypatch.undo()
        kept = {m.id for m in store.messages(account="gmail")}
        assert len(kept) == COUNT // 2 and store.get_cursor("gmail") is None
        assert firstsync.progress_line(store, "gmail").startswith(
            "first sync: 200 of 400 messages read (50%)")

        emu.clear_requests()
        result = sync_mail(store, _source(emu, tmp_path, []), now, config)  # a new process
        again = set(_fetched(emu))
        assert result.error == "" and store.get_cursor("gmail")
        assert store.message_count("gmail") == COUNT
        reread = len(again & kept) / len(kept)
        assert reread < 0.10, f"re-read {reread:.0%} of what the killed run had stored"
        assert not any(r["path"] == "/gmail/v1/users/me/messages" for r in emu.requests())
        assert firstsync.progress_line(store, "gmail") == ""


def test_a_batch_failing_after_its_retries_is_put_back_not_the_whole_sync(
    emu: Emulator, tmp_path: Path, now: datetime, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _config(emu)
    monkeypatch.setattr(gmail_source, "PROGRESS_EVERY", 4)  # a line every 200 messages
    victim = sorted(emu.gmail.messages)[7]
    emu.inject(503, count=3, path_contains=f"/messages/{victim}")  # 1 try + 2 retries
    with Store.open(tmp_path / "kaffe.db") as store:
        with caplog.at_level(logging.INFO, logger="kaffe.progress"), \
                pytest.raises(TransientError, match="first sync paused: 350 of 400"):
            sync_mail(store, _source(emu, tmp_path, []), now, config)
        assert store.message_count("gmail") == COUNT - 50
        assert store.get_cursor("gmail") is None
        line = firstsync.progress_line(store, "gmail")
        assert "350 of 400 messages read (87%); 1 batches to read again" in line
        said = [r.getMessage() for r in caplog.records if r.name == "kaffe.progress"]
        assert len(said) == 2  # after 4 and after 8 batches (the last)
        assert said[-1].startswith("gmail: first sync: 350 of 400 messages read (87%")

        emu.clear_requests()
        result = sync_mail(store, _source(emu, tmp_path, []), now, config)
        assert result.error == "" and store.get_cursor("gmail")
        assert store.message_count("gmail") == COUNT
        assert len(_fetched(emu)) == 50  # only the batch put back
        assert firstsync.progress_line(store, "gmail") == ""


def test_status_shows_the_progress_of_a_first_sync(tmp_path: Path) -> None:
    from kaffe.cli.report import source_lines

    with Store.open(tmp_path / "kaffe.db") as store:
        store.record_source_run("gmail", datetime(2026, 3, 1), True, "")
        store.set_meta("first_sync:gmail", '{"read": 4000, "total": 20000, "retry": []}')
        lines = source_lines(store)
    assert lines[1] == ("    first sync: 4,000 of 20,000 messages read (20%); "
                        "it goes on next cycle")


def test_a_stop_request_ends_the_first_sync_between_batches_and_keeps_what_was_read(
    emu: Emulator, tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaffe.daemon.sync import sync_all

    config = _config(emu)
    stop = {"now": False}
    real_save = firstsync.StoreCheckpoint.save

    def save_then_sigterm(self: firstsync.StoreCheckpoint, part: Any, progress: Any) -> None:
        real_save(self, part, progress)
        stop["now"] = progress["read"] >= 100  # SIGTERM arrives after two batches

    monkeypatch.setattr(firstsync.StoreCheckpoint, "save", save_then_sigterm)
    with Store.open(tmp_path / "kaffe.db") as store:
        results = sync_all(store, ([], [_source(emu, tmp_path, [])], []), now, config,
                           stop=lambda: stop["now"])
        assert results == []  # cut short, not failed: it resumes next time
        assert store.message_count("gmail") == 100
        assert firstsync.progress_line(store, "gmail").startswith("first sync: 100 of 400")
