"""kaffe under Gmail's per-user quota, over real HTTP against the emulator's quota:
its three refusal forms are waited out as told, kaffe paces itself so that none comes,
whole threads are read with one threads.get, and old mail in the bulk tabs is not read."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import Config, GmailConfig, GoogleConfig
from kaffe.connectors.google import open_google
from kaffe.connectors.google.gmail_source import GmailMailSource
from kaffe.connectors.google.pacing import QuotaBucket, bucket_for
from kaffe.daemon.executor import Executor
from kaffe.emulator import Emulator
from kaffe.emulator.token import write_emulator_token
from kaffe.model import DONE, DUE, Action, Draft, Recipient
from kaffe.store import Store
from tests.emulator.helpers import mail

SINCE_DAYS = 180
LIST = "/gmail/v1/users/me/messages"


class SimClock:
    """Seconds that pass only when kaffe sleeps (the emulator's quota reads the same)."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def _source(emu: Emulator, tmp_path: Path, clock: SimClock, **gmail: Any) -> GmailMailSource:
    token = tmp_path / "token.json"
    write_emulator_token(token, emu.url)
    config = Config(google=GoogleConfig(api_endpoint=emu.url, num_retries=5),
                    gmail=GmailConfig(**gmail))
    source = open_google(config, token, sleep=clock.sleep).mail
    assert source is not None
    source.bucket = bucket_for(config.gmail.quota_per_minute, config.gmail.quota_share,
                               clock=clock.now, sleep=clock.sleep)
    return source


def _fill(emu: Emulator, count: int, now: datetime, labels: tuple[str, ...] = ("INBOX",),
          days_ago: float = 1, tag: str = "m") -> list[str]:
    date = format_datetime(now - timedelta(days=days_ago))
    return [emu.add_message(mail(f"{tag} {i}", msgid=f"<{tag}{i}@example.org>", date=date),
                            list(labels))["id"]
            for i in range(count)]


@pytest.mark.parametrize(("form", "header"), [("429", False), ("403-user", True),
                                              ("403-rate", True)])
def test_each_refusal_is_waited_out_as_google_says(
    tmp_path: Path, now: datetime, form: str, header: bool
) -> None:
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_clock=clock.now) as emu:
        _fill(emu, 30, now)
        source = _source(emu, tmp_path, clock, skip_tabs=())
        source.bucket = None  # kaffe's own pacing off: the server's refusals must do
        emu.set_quota(60, form=form, retry_after_header=header)
        batch = source.sync(None, since=now - timedelta(days=SINCE_DAYS), now=now)
        stats = emu.quota_stats()
    assert len(batch.messages) == 30
    assert stats["refused"] > 0 and stats["peak"] <= 60
    # every wait was at least what the window needed, never a guess below it
    assert clock.sleeps and min(clock.sleeps) >= 1
    assert sum(clock.sleeps) >= 60  # 156 units at 60 a minute: two minutes of waiting


def test_kaffe_paces_itself_under_googles_limit_and_is_never_refused(
    tmp_path: Path, now: datetime
) -> None:
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_clock=clock.now, quota_per_minute=6000) as emu:
        _fill(emu, 1500, now)
        source = _source(emu, tmp_path, clock)
        batch = source.sync(None, since=now - timedelta(days=SINCE_DAYS), now=now)
        stats = emu.quota_stats()
    assert len(batch.messages) == 1500
    assert stats["refused"] == 0 and stats["peak"] <= 0.8 * 6000 + 500
    spent = source.last_cost.units
    assert spent == stats["total"]
    assert clock.t >= (spent - 500) / 4800 * 60  # paced at 80% of the limit, after a burst


def test_a_bucket_sized_batch_never_costs_more_than_the_bucket_holds() -> None:
    clock = SimClock()
    bucket = QuotaBucket(600, burst=100, clock=clock.now, sleep=clock.sleep)
    assert bucket.fits(5, 50) == 20 and bucket.fits(10, 50) == 10 and bucket.fits(500, 50) == 1
    assert bucket.take(100) == 0 and bucket.take(10) == pytest.approx(1.0)
    assert clock.t == pytest.approx(1.0)


def test_a_thread_of_three_or_more_is_one_threads_get(tmp_path: Path, now: datetime) -> None:
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_clock=clock.now) as emu:
        day = format_datetime(now - timedelta(days=2))
        first = emu.add_message(mail("Plans", msgid="<t0@example.org>", date=day), ["INBOX"])
        for i in range(1, 4):
            emu.add_message(mail("Re: Plans", msgid=f"<t{i}@example.org>", date=day,
                                 extra=f"In-Reply-To: <t{i - 1}@example.org>\r\n"
                                       f"References: <t0@example.org>\r\n"), ["INBOX"])
        singles = _fill(emu, 2, now, tag="single")
        source = _source(emu, tmp_path, clock, skip_tabs=())
        emu.clear_requests()
        batch = source.sync(None, since=now - timedelta(days=SINCE_DAYS), now=now)
        paths = [r["path"] for r in emu.requests()]
    assert len(batch.messages) == 6
    assert paths.count(f"/gmail/v1/users/me/threads/{first['threadId']}") == 1
    assert sorted(p for p in paths if p.startswith(LIST + "/")) == sorted(
        f"{LIST}/{i}" for i in singles)
    assert source.last_cost.units == 1 + 5 + 10 + 2 * 5  # not 1 + 5 + 6 * 5


def test_old_mail_in_the_bulk_tabs_is_not_read_new_mail_is(tmp_path: Path, now: datetime) -> None:
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_clock=clock.now) as emu:
        old_promo = _fill(emu, 3, now, ("INBOX", "CATEGORY_PROMOTIONS"), days_ago=100, tag="op")
        new_promo = _fill(emu, 2, now, ("INBOX", "CATEGORY_PROMOTIONS"), days_ago=5, tag="np")
        old_social = _fill(emu, 2, now, ("INBOX", "CATEGORY_SOCIAL"), days_ago=90, tag="os")
        old_person = _fill(emu, 2, now, ("INBOX", "CATEGORY_PERSONAL"), days_ago=100, tag="pp")
        sent = _fill(emu, 1, now, ("SENT",), days_ago=150, tag="s")
        # a person's mail misfiled in Promotions: answered, it is read (its thread is
        # listed anyway); never answered, it is not
        day = format_datetime(now - timedelta(days=120))
        misfiled = emu.add_message(mail("Lunch?", msgid="<mis@example.org>", date=day),
                                   ["INBOX", "CATEGORY_PROMOTIONS"])["id"]
        reply = emu.add_message(mail("Re: Lunch?", sender="Me <me@example.com>",
                                     to="ada@example.org", msgid="<mis-re@example.com>",
                                     date=day, extra="In-Reply-To: <mis@example.org>\r\n"
                                     "References: <mis@example.org>\r\n"), ["SENT"])["id"]
        source = _source(emu, tmp_path, clock)  # invite_days = 60
        emu.clear_requests()
        batch = source.sync(None, since=now - timedelta(days=SINCE_DAYS), now=now)
        queries = [r["query"]["q"][0] for r in emu.requests() if r["path"] == LIST]
    got = {m.id for m in batch.messages}
    assert got == set(new_promo + old_person + sent + [misfiled, reply])
    assert not got & set(old_promo + old_social)
    assert "-category:promotions -category:social -category:updates -category:forums" in \
        queries[1]
    assert len(queries) == 6 and "category:forums" in queries[5]


def test_a_first_sync_then_many_drafts_draw_from_one_bucket_and_none_is_refused(
    tmp_path: Path, now: datetime
) -> None:
    """drafts.list/get (5 units) and drafts.create (10) count against the same per-user
    limit as the sync's reads: 150 drafts right after a 1,500-message first sync, in
    the same minute, are paced by the bucket the sync drained, not refused by Google."""
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_clock=clock.now, quota_per_minute=6000) as emu:
        _fill(emu, 1500, now)
        token = tmp_path / "token.json"
        write_emulator_token(token, emu.url)
        config = Config(google=GoogleConfig(api_endpoint=emu.url, num_retries=5))
        google = open_google(config, token, sleep=clock.sleep, clock=clock.now)
        assert google.mail is not None and google.mail.bucket is google.drafts.bucket
        google.mail.sync(None, since=now - timedelta(days=SINCE_DAYS), now=now)
        actions = [Action("followup", f"followup:k{i}", DUE, "because",
                          to=(Recipient(f"p{i}@example.org"),)) for i in range(150)]
        with Store.open(tmp_path / "kaffe.db") as store:
            outcomes = Executor(store, google.drafts, _render).execute(actions, now)
        stats = emu.quota_stats()
        drafts = emu.drafts()
    assert [o.state for o in outcomes] == [DONE] * 150 and len(drafts) == 150
    assert stats["refused"] == 0 and stats["peak"] <= 6000


def _render(action: Action) -> Draft:
    return Draft(action.key, Recipient("me@example.com"), action.to, "Coffee", "Thanks!")


def test_the_account_keeps_one_bucket_across_reopening(tmp_path: Path) -> None:
    """A reload (SIGHUP) opens Google again: the units spent just before still count."""
    token = tmp_path / "token.json"
    write_emulator_token(token, "http://127.0.0.1:9")
    clock = SimClock()
    config = Config(google=GoogleConfig(api_endpoint="http://127.0.0.1:9"))
    first = open_google(config, token, sleep=clock.sleep, clock=clock.now, lazy=True)
    again = open_google(config, token, sleep=clock.sleep, clock=clock.now, lazy=True)
    assert first.bucket is not None and again.bucket is first.bucket
    assert again.drafts.bucket is first.bucket
