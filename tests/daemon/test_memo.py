"""The cycle memo: a cycle that reuses the last one's work gives exactly what a cycle
from scratch gives, and anything that changed (the store, the config, the clock)
is seen."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kaffe.daemon.cycle import run_cycle
from kaffe.daemon.memo import CycleMemo
from kaffe.daemon.storeview import StoreView, read_snapshot
from kaffe.model import (
    DUE,
    WAITING,
    Article,
    CalendarBatch,
    Contact,
    Event,
    FeedBatch,
    MailBatch,
    Message,
    Recipient,
    Snapshot,
)
from kaffe.relevance.live import Relevance
from kaffe.rules.plan import judge
from kaffe.store import Store
from tests.rules.factories import ANA_EMAIL, ME_EMAIL, START, guest, make_config, make_event

CAL = "google:primary"
NOW = START - timedelta(days=1)
NO_SOURCES: tuple[list, list, list] = ([], [], [])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


def put_events(store: Store, *events: Event) -> None:
    batch = CalendarBatch(CAL, events, "tok", full=False)
    store.apply_calendar_batch(batch, window_start=NOW - timedelta(days=400),
                               window_end=NOW + timedelta(days=60))


def put_mail(store: Store, *days_ago: float, now: datetime = NOW) -> None:
    ana = Recipient(ANA_EMAIL, "Ana")
    messages = tuple(
        Message(id=f"m{n}", account="gmail", thread_id=f"t{n}", date=now - timedelta(days=d),
                direction="received", sender=ana, subject=f"Hello {n}")
        for n, d in enumerate(days_ago)
    )
    store.apply_mail_batch(MailBatch("gmail", messages, "h1", full=True),
                           own_addresses=(ME_EMAIL,))


def article(n: int, published: datetime, title: str = "Data mesh in practice") -> Article:
    return Article(f"a{n}", "feed", f"https://news.example/{n}", title, published=published,
                   language="en")


def put_other_news(store: Store) -> None:
    """Articles on other things, so that BM25 finds "data mesh" rare enough to count."""
    others = tuple(article(100 + n, NOW - timedelta(days=1), f"Gardening tips {n}")
                   for n in range(8))
    store.apply_feed_batch(FeedBatch("other", others, "e"), now=NOW)


def same_snapshot(a: Snapshot, b: Snapshot) -> bool:
    return (a.events, a.contacts, a.ledger, a.interactions, a.topics, a.articles) == (
        b.events, b.contacts, b.ledger, b.interactions, b.topics, b.articles)


# The store's change counters --------------------------------------------------------


def test_a_write_moves_the_counter_of_its_table_only(store: Store) -> None:
    before = {t: store.version(t) for t in ("events", "ledger", "articles")}
    store.ledger_begin("followup:x", "followup", NOW)
    assert store.version("ledger") != before["ledger"]
    assert store.version("events") == before["events"]
    put_events(store, make_event())
    assert store.version("events") != before["events"]
    assert store.version("articles") == before["articles"]


def test_an_unchanged_batch_leaves_the_counter_alone(store: Store) -> None:
    put_events(store, make_event())
    version = store.version("events")
    put_events(store, make_event())  # stored exactly so already
    store.apply_feed_batch(FeedBatch("feed", (), "etag", not_modified=True), now=NOW)
    assert store.version("events") == version


def test_another_connection_s_write_moves_every_counter(tmp_path: Path, store: Store) -> None:
    version = store.version("topics")
    with Store.open(tmp_path / "kaffe.db") as other:
        other.upsert_contact(Contact("bo@else.example", "Bo"))
    assert store.version("topics") != version


# The store view ------------------------------------------------------------------


def test_the_view_gives_what_a_fresh_read_gives_as_the_clock_moves(store: Store) -> None:
    config = make_config()
    early = make_event(start=NOW - timedelta(days=300))  # leaves the window as time passes
    late = make_event(id="late", uid="late@x", start=NOW + timedelta(days=15))  # enters it
    put_events(store, early, late, make_event())
    put_mail(store, 1, 170, 179.9)
    store.apply_feed_batch(FeedBatch("feed", (article(1, NOW - timedelta(days=13.9)),
                                              article(2, NOW + timedelta(hours=3))), "e"),
                           now=NOW)
    view = StoreView(store)
    for hours in (0, 1, 2, 3, 6, 24, 24 * 3, 24 * 80):
        now = NOW + timedelta(hours=hours)
        assert same_snapshot(view.snapshot(now, config), read_snapshot(store, now, config))


def test_an_unchanged_store_gives_the_very_same_objects(store: Store) -> None:
    config = make_config()
    put_events(store, make_event())
    put_mail(store, 1, 2)
    view = StoreView(store)
    first = view.snapshot(NOW, config)
    second = view.snapshot(NOW + timedelta(minutes=15), config)
    assert second.events is first.events
    assert second.interactions is first.interactions
    assert second.ledger is first.ledger


def test_a_write_is_seen_on_the_next_snapshot(store: Store) -> None:
    config = make_config()
    put_events(store, make_event())
    view = StoreView(store)
    view.snapshot(NOW, config)
    put_events(store, make_event(summary="Board meeting"))
    store.ledger_begin("followup:x", "followup", NOW)
    snap = view.snapshot(NOW, config)
    assert [e.summary for e in snap.events] == ["Board meeting"]
    assert list(snap.ledger) == ["followup:x"]


def test_a_rolled_back_write_is_not_kept(store: Store) -> None:
    config = make_config()
    view = StoreView(store)
    view.snapshot(NOW, config)
    with pytest.raises(RuntimeError), store.transaction():
        store.ledger_begin("followup:x", "followup", NOW)
        assert "followup:x" in view.snapshot(NOW, config).ledger
        raise RuntimeError("undo")
    assert view.snapshot(NOW, config).ledger == {}


# Verdicts, topics, matches --------------------------------------------------------


def test_an_edited_event_is_judged_again(store: Store) -> None:
    config, memo = make_config(), CycleMemo(store)
    put_events(store, make_event())
    assert memo.judge(memo.view.snapshot(NOW, config).events, config)[0][1].is_coffee
    put_events(store, make_event(summary="Quarterly budget review", location="",
                                 attendees=(guest(), guest("x@y.example"), guest("z@y.example"),
                                            guest("w@y.example"), guest("v@y.example"))))
    snap = memo.view.snapshot(NOW, config)
    assert memo.judge(snap.events, config) == judge(read_snapshot(store, NOW, config), config)
    assert not memo.judge(snap.events, config)[0][1].is_coffee


def test_a_changed_detect_config_judges_again(store: Store) -> None:
    config, memo = make_config(), CycleMemo(store)
    put_events(store, make_event())
    snap = memo.view.snapshot(NOW, config)
    assert memo.judge(snap.events, config)[0][1].is_coffee
    strict = make_config(detect={"threshold": 1000})
    assert not memo.judge(snap.events, strict)[0][1].is_coffee


def test_forgotten_topics_are_learnt_again(store: Store) -> None:
    config, memo = make_config(), CycleMemo(store)
    put_events(store, make_event(description="Topics: data mesh, kafka"))
    snap = memo.view.snapshot(NOW, config)
    meetings = [e for e, v in memo.judge(snap.events, config) if v.is_coffee]
    mail, people = snap.interactions, {ANA_EMAIL}
    assert memo.learn(meetings, mail, people, config) == 2
    assert memo.learn(meetings, mail, people, config) == 0
    store.remove_topics(None, "event:")
    assert memo.learn(meetings, mail, people, config) == 2


def test_a_new_article_is_matched(store: Store) -> None:
    config, memo = make_config(), CycleMemo(store)
    relevance = Relevance(config)
    put_events(store, make_event(start=NOW - timedelta(days=3), description="Topics: data mesh"))
    put_other_news(store)
    run_cycle(store, NO_SOURCES, None, relevance, NOW, config, memo=memo)
    snap = memo.view.snapshot(NOW, config)
    assert memo.matches(relevance, snap.topics, snap.ledger, {ANA_EMAIL}, NOW) == {}
    new = article(1, NOW - timedelta(hours=2))
    store.apply_feed_batch(FeedBatch("feed", (new,), "e"), now=NOW)
    relevance.update(store, [new], NOW)
    found = memo.matches(relevance, snap.topics, snap.ledger, {ANA_EMAIL}, NOW)
    assert [m.article_id for m in found[ANA_EMAIL]] == ["a1"]


def test_an_article_that_ages_out_is_no_longer_matched(store: Store) -> None:
    config, memo = make_config(), CycleMemo(store)
    relevance = Relevance(config)
    put_events(store, make_event(start=NOW - timedelta(days=3), description="Topics: data mesh"))
    put_other_news(store)
    store.apply_feed_batch(FeedBatch("feed", (article(1, NOW - timedelta(days=13)),), "e"),
                           now=NOW)
    run_cycle(store, NO_SOURCES, None, relevance, NOW, config, memo=memo)
    snap = memo.view.snapshot(NOW, config)
    assert memo.matches(relevance, snap.topics, snap.ledger, {ANA_EMAIL}, NOW)
    later = NOW + timedelta(days=2)
    assert memo.matches(relevance, snap.topics, snap.ledger, {ANA_EMAIL}, later) == {}


# Whole cycles ---------------------------------------------------------------------


def test_time_passing_alone_makes_a_follow_up_due(store: Store) -> None:
    config, memo = make_config(), CycleMemo(store)
    relevance = Relevance(config)
    put_events(store, make_event(start=NOW + timedelta(hours=1)))

    def followup_state(now: datetime) -> str:
        report = run_cycle(store, NO_SOURCES, None, relevance, now, config, memo=memo)
        return next(a.state for a in report.plan.actions if a.kind == "followup")

    assert followup_state(NOW) == WAITING
    assert followup_state(NOW + timedelta(minutes=15)) == WAITING
    assert followup_state(NOW + timedelta(days=1)) == DUE


def test_cycles_with_and_without_the_memo_plan_alike(store: Store) -> None:
    config = make_config()
    put_events(store, make_event(start=NOW - timedelta(days=2), description="Topics: data mesh"),
               make_event(id="e2", uid="e2@x", start=NOW + timedelta(hours=20)))
    put_mail(store, 1, 40)
    put_other_news(store)
    store.apply_feed_batch(FeedBatch("feed", (article(1, NOW - timedelta(days=1)),), "e"),
                           now=NOW)
    memo, plain = CycleMemo(store), CycleMemo(store, enabled=False)
    rel_memo, rel_plain = Relevance(config), Relevance(config)
    for hours in (0, 0.25, 0.5, 5, 30, 24 * 20):
        now = NOW + timedelta(hours=hours)
        ours = run_cycle(store, NO_SOURCES, None, rel_memo, now, config, memo=memo)
        theirs = run_cycle(store, NO_SOURCES, None, rel_plain, now, config, memo=plain)
        assert ours.plan == theirs.plan
        assert [a.context for a in ours.plan.actions] == [a.context for a in theirs.plan.actions]


def test_the_snapshot_carries_the_themes_when_a_rule_reads_them(store: Store) -> None:
    from dataclasses import replace as _replace

    from kaffe.config.schema import FollowupConfig, PrepConfig
    from kaffe.model import Topic

    store.add_topics([Topic("a@x.example", "grøn brint", "note", NOW - timedelta(days=2)),
                      Topic("b@x.example", "green hydrogen", "note", NOW - timedelta(days=3)),
                      Topic("c@x.example", "kafka", "event:google:primary/up",
                            NOW + timedelta(days=3))])
    store.upsert_contact(Contact("a@x.example", "Ana"))
    config = make_config()
    memo = CycleMemo(store)
    snapshot, _ = memo.build(NOW, config, Relevance(config))
    (theme,) = snapshot.themes  # kafka is on the agenda of a meeting in three days
    assert set(theme.texts) == {"grøn brint", "green hydrogen"}
    assert theme.mention_of("a@x.example").name == "Ana"
    assert memo.build(NOW, config, Relevance(config))[0].themes == snapshot.themes
    off = make_config(followup={"enabled": False}, prep=_replace(PrepConfig(), enabled=False))
    assert isinstance(off.followup, FollowupConfig)
    assert CycleMemo(store).build(NOW, off, Relevance(off))[0].themes == ()
