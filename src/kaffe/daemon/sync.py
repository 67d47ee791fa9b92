"""Sync: each source pulls what changed since its cursor into the store.

One failing source never stops the others; a failing feed backs off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from kaffe.config.schema import Config, FeedOptionsConfig
from kaffe.connectors import deadline
from kaffe.connectors.base import CalendarSource, FeedSource, MailSource
from kaffe.connectors.deadline import Cancelled
from kaffe.daemon import firstsync, health
from kaffe.daemon import problems as read_problems
from kaffe.errors import KaffeError, StorageError
from kaffe.model import Article, CalendarBatch, Event
from kaffe.rules.merge import is_older, merge_meetings
from kaffe.store import Store
from kaffe.windows import sync_window
from kaffe.wording import plural

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    source: str
    changed: int = 0
    full: bool = False
    error: str = ""
    articles: tuple[Article, ...] = ()  # new articles (feeds), for the relevance index
    skipped: str = ""  # why the source was not asked this cycle (a feed backing off)
    hint: str = ""  # how to fix the error (e.g. "run `kaffe auth`")
    problems: tuple[str, ...] = ()  # what this sync could not read (kaffe.daemon.problems)


def sync_calendar(
    store: Store, source: CalendarSource, now: datetime, config: Config
) -> SyncResult:
    """Sync one calendar; an incremental cursor is used while the stored window still
    reaches far enough ahead, else the window is listed afresh (events that drift into
    the look-ahead are never reported by an incremental sync)."""
    start, end = sync_window(now, config)
    cursor = store.get_cursor(source.name)
    covered = store.get_meta(f"window_end:{source.name}")
    if cursor and (covered is None or covered < end.isoformat()):
        cursor = None
    if cursor is None:
        end = end + timedelta(days=config.detect.lookahead_days)
    batch = source.sync(cursor, window_start=start, window_end=end)
    with store.transaction():
        changed = store.apply_calendar_batch(batch, window_start=start, window_end=end)
        store.set_cursor(source.name, batch.cursor)
        if batch.full:
            store.set_meta(f"window_end:{source.name}", end.isoformat())
        read_problems.record(store, source.name, batch.problems, now, replace=batch.full)
        store.record_source_run(source.name, now, True, plural(changed, "change"))
    return SyncResult(source.name, changed, batch.full, problems=batch.problems)


def sync_mail(store: Store, source: MailSource, now: datetime, config: Config) -> SyncResult:
    """Sync one mailbox: messages become interactions, invitations become meetings.

    A source that can resume (Gmail) stores its first sync chunk by chunk through
    :class:`~kaffe.daemon.firstsync.StoreCheckpoint`: a first sync cut short goes on
    where it stopped next cycle instead of starting over."""
    since = now - timedelta(days=config.mailboxes.window_days)
    cursor = store.get_cursor(source.name)
    resumable = getattr(source, "sync_resumable", None)
    checkpoint = None
    if resumable is None:
        batch = source.sync(cursor, since=since, now=now)
    else:
        checkpoint = firstsync.StoreCheckpoint(
            store, source.name,
            lambda: tuple(config.me.addresses) + tuple(source.own_addresses()),
            lambda part: _apply_invitations(store, part.invitations, now, config))
        batch = resumable(cursor, since=since, now=now, checkpoint=checkpoint)
    # Own addresses are needed only to file new messages (and may cost a getProfile).
    own = tuple(config.me.addresses) + (tuple(source.own_addresses()) if batch.messages else ())
    with store.transaction():
        changed = store.apply_mail_batch(batch, own_addresses=own)
        changed += _apply_invitations(store, batch.invitations, now, config)
        if checkpoint is not None:
            changed += checkpoint.changed
            if batch.cursor and checkpoint.load() is not None:
                firstsync.finish(store, source.name)
        store.set_cursor(source.name, batch.cursor)
        read_problems.record(store, source.name, batch.problems, now, replace=batch.full)
        store.record_source_run(source.name, now, True, plural(changed, "change"))
    return SyncResult(source.name, changed, batch.full or checkpoint is not None and not cursor,
                      problems=batch.problems)


def _apply_invitations(
    store: Store, events: tuple[Event, ...], now: datetime, config: Config
) -> int:
    """Store meetings from invitations; an older REQUEST never overwrites a newer
    CANCEL (mail arrives in any order, and a full resync reads it all again)."""
    start, end = sync_window(now, config)
    fresh = [e for e in merge_meetings(events) if not is_older(e, store.event(e.key))]
    changed = 0
    for calendar in sorted({e.calendar for e in fresh}):
        mine = tuple(e for e in fresh if e.calendar == calendar)
        batch = CalendarBatch(calendar, mine, cursor=None, full=False)
        changed += store.apply_calendar_batch(batch, window_start=start, window_end=end)
    return changed


def next_attempt(failures: int, last_failure: datetime, options: FeedOptionsConfig) -> datetime:
    """When a feed that failed ``failures`` times in a row may be tried again:
    1, 2, 4, ... hours after the last failure, at most ``max_backoff_hours``."""
    if failures <= 0:
        return last_failure
    hours = min(2.0 ** min(failures - 1, 30), options.max_backoff_hours)
    return last_failure + timedelta(hours=hours)


def sync_feed(store: Store, source: FeedSource, now: datetime, config: Config) -> SyncResult:
    """Fetch one feed (conditionally); a failing feed waits longer each time."""
    name = f"feed:{source.name}"
    retry_at = store.get_meta(f"retry_at:{name}")
    if retry_at and retry_at > now.isoformat():
        return SyncResult(name, skipped=f"backing off until {retry_at[:16]}")
    try:
        batch = source.fetch(store.get_cursor(name), now=now)
    except Cancelled:
        raise  # kaffe is stopping: not the feed's fault, no back-off
    except KaffeError:
        failures = int(store.get_meta(f"failures:{name}") or 0) + 1
        store.set_meta(f"failures:{name}", str(failures))
        later = next_attempt(failures, now, config.feed_options)
        store.set_meta(f"retry_at:{name}", later.isoformat())
        raise
    with store.transaction():
        new = store.apply_feed_batch(batch, now=now)
        store.set_cursor(name, batch.cursor)
        store.set_meta(f"failures:{name}", "0")
        store.set_meta(f"retry_at:{name}", "")
        detail = "not modified" if batch.not_modified else f"{len(new)} new articles"
        if not batch.not_modified:  # a 304 read nothing: the last read's problems stand
            read_problems.record(store, name, batch.problems, now, replace=True)
        store.record_source_run(name, now, True, detail)
    return SyncResult(name, len(new), articles=tuple(new), problems=batch.problems)


def sync_all(
    store: Store,
    sources: tuple[list[CalendarSource], list[MailSource], list[FeedSource]],
    now: datetime,
    config: Config,
    *,
    stop: Callable[[], bool] | None = None,
) -> list[SyncResult]:
    """Sync every source; one failing source never stops the others.

    ``stop`` is asked between sources (SIGTERM), and aborts a fetch in flight
    (:mod:`kaffe.connectors.deadline`): the rest waits for the next cycle."""
    calendars, mailboxes, feeds = sources
    jobs: list[tuple[str, Callable[[], SyncResult]]] = [
        (s.name, partial(sync_calendar, store, s, now, config)) for s in calendars
    ]
    jobs += [(s.name, partial(sync_mail, store, s, now, config)) for s in mailboxes]
    jobs += [(f"feed:{s.name}", partial(sync_feed, store, s, now, config)) for s in feeds]
    results = []
    with deadline.stop_when(stop):
        for name, sync in jobs:
            if deadline.stop_requested():
                log.info("stop requested: %s and the sources after it sync next time", name)
                break
            result = _sync_one(store, name, sync, now)
            if result is not None:
                results.append(result)
    return results


def _sync_one(
    store: Store, name: str, sync: Callable[[], SyncResult], now: datetime
) -> SyncResult | None:
    """Run one source's sync; its failure is recorded and logged through :mod:`.health`
    (at ERROR once, then hourly while it keeps failing; its recovery once at INFO).
    None: the sync was aborted because kaffe is stopping (it resumes next time)."""
    what = f"sync of {name}"
    try:
        result = sync()
    except StorageError:
        raise  # kaffe's own disk, not the source: the whole cycle stops and says so
    except deadline.Cancelled:
        log.info("stop requested: the sync of %s was cut short; it resumes next time", name)
        return None
    except KaffeError as exc:
        health.note_failure(store, name, health.failure_of(exc), now, what=what)
        store.record_source_run(name, now, False, str(exc))
        return SyncResult(name, error=str(exc), hint=exc.hint)
    if not result.skipped:
        health.note_ok(store, name, now, what=what)
    return result
