"""The rules' view of the store (a :class:`~kaffe.model.Snapshot`), read from scratch
or kept between cycles.

:class:`StoreView` reads a table again only when its change counter moved
(:meth:`kaffe.store.Store.version`). Windows that move with the clock are narrowed
in memory, and a view that holds the same objects as the previous one is handed out
as the *same* object: what is computed from it (verdicts, matches, the rules'
per-snapshot indexes) can tell by identity that nothing changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from kaffe.config.schema import Config
from kaffe.identity import same_items
from kaffe.model import (
    Article,
    DraftFinding,
    Event,
    Interaction,
    Match,
    Snapshot,
    Target,
    Theme,
    Topic,
)
from kaffe.store import Store
from kaffe.store.codec import dt_to_text
from kaffe.windows import SKEW, snapshot_window

log = logging.getLogger(__name__)

T = TypeVar("T")
RELOAD_AHEAD = timedelta(days=1)  # events are read this much further ahead than needed


def read_snapshot(store: Store, now: datetime, config: Config,
                  targets: tuple[Target, ...] = (), unread: tuple[str, ...] = (),
                 themes: tuple[Theme, ...] = ()) -> Snapshot:
    """A read-only view of what the rules need, read from the store afresh (the
    ``targets`` are read from their files: :func:`kaffe.topics.targets.load_targets`)."""
    start, end, since, recent = snapshot_window(now, config)
    articles = [a for a in store.articles(since=recent) if (a.published or now) <= now + SKEW]
    return Snapshot(
        events=tuple(store.events(start=start, end=end)),
        contacts=store.contacts(),
        ledger=store.ledger(),
        interactions=store.interactions(since=since),
        topics=store.topics(),
        articles={a.id: a for a in articles},
        languages=store.written_languages(),
        targets=targets,
    )


class StoreView:
    """The store's tables as last read; a table is read again only after it changed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._tables: dict[str, tuple[int, Any]] = {}
        self._windows: dict[str, tuple[int, Any, Any]] = {}  # version, bounds, rows
        self._views: dict[str, Any] = {}

    def snapshot(self, now: datetime, config: Config, *,
                 matches: dict[str, tuple[Match, ...]] | None = None,
                 findings: tuple[DraftFinding, ...] = (),
                 targets: tuple[Target, ...] = (), unread: tuple[str, ...] = (),
                 themes: tuple[Theme, ...] = ()) -> Snapshot:
        """What :func:`read_snapshot` gives, from what is already read where possible;
        with the ``matches`` of the cycle."""
        start, end, since, recent = snapshot_window(now, config)
        return Snapshot(
            events=self.events(start, end),
            contacts=self.table("contacts", self.store.contacts),
            ledger=self.table("ledger", self.store.ledger),
            interactions=self.interactions(since),
            topics=self.topics(),
            articles=self.articles(recent, now),
            matches={} if matches is None else matches,
            languages=self.table("languages", self.store.written_languages),
            findings=findings,
            targets=targets,
            unread=unread,
            themes=themes,
        )

    def table(self, name: str, read: Callable[[], T]) -> T:
        """``read()``'s result, kept until table ``name`` changes."""
        version = self.store.version(name)
        kept = self._tables.get(name)
        if kept is None or kept[0] != version:
            kept = (version, read())
            self._tables[name] = kept
        return kept[1]

    def topics(self) -> dict[str, tuple[Topic, ...]]:
        """Topics by contact, as :meth:`Store.topics` gives them."""
        return self.table("topics", self.store.topics)

    def events(self, start: datetime, end: datetime) -> tuple[Event, ...]:
        """Events overlapping ``[start, end)`` in the order :meth:`Store.events` gives."""
        self._extend_events(start, end)
        rows = self._window("events", lambda b: b[0] <= start and end <= b[1],
                            lambda: ((start, end + RELOAD_AHEAD),
                                     self.store.events(start=start, end=end + RELOAD_AHEAD)))
        view = tuple(e for e in rows if e.start < end and e.end > start)
        return self._same("events", view, view)

    def _extend_events(self, start: datetime, end: datetime) -> None:
        """When the clock moved the window past the events read and the table did not
        change, read only the events that start in the new part and keep the objects
        already read: reading the whole window again made 1,000 new events while the
        old ones were still alive, and RSS stayed 1.7 MB higher for good."""
        kept = self._windows.get("events")
        if kept is None or kept[0] != self.store.version("events") or end <= kept[1][1]:
            return
        (low, high), rows = kept[1], kept[2]
        if start < low:
            return
        ahead = end + RELOAD_AHEAD
        cut = dt_to_text(high)  # rows hold every event with start_at < cut
        new = [e for e in self.store.events(start=high, end=ahead) if dt_to_text(e.start) >= cut]
        self._windows["events"] = (kept[0], (start, ahead),
                                   [*(e for e in rows if e.end > start), *new])

    def interactions(self, since: datetime) -> dict[str, tuple[Interaction, ...]]:
        """Interactions at or after ``since`` by contact, as :meth:`Store.interactions`."""
        rows = self._window("interactions", lambda b: b <= since,
                            lambda: (since, self.store.interactions(since=since)))
        if not all(items[0].at >= since for items in rows.values()):
            narrowed = {c: tuple(i for i in items if i.at >= since) for c, items in rows.items()}
            rows = {c: items for c, items in narrowed.items() if items}
            self._windows["interactions"] = (self._windows["interactions"][0], since, rows)
        return self._same("interactions", rows, [*rows.values()])

    def articles(self, since: datetime, now: datetime) -> dict[str, Article]:
        """Articles from ``since`` on, not dated after ``now`` (+ skew), by id, in the
        order :meth:`Store.articles` gives."""
        rows = self._window("articles", lambda b: b <= since,
                            lambda: (since, self.store.articles_timed(since=since)))
        cut, late = dt_to_text(since), now + SKEW
        view = {a.id: a for when, a in rows if when >= cut and (a.published or now) <= late}
        return self._same("articles", view, [*view.values()])

    def _window(self, name: str, covers: Callable[[Any], bool],
                read: Callable[[], tuple[Any, Any]]) -> Any:
        """The rows of ``name`` as read with bounds that ``covers`` accepts, else read
        again (``read`` returns the bounds it used and the rows)."""
        version = self.store.version(name)
        kept = self._windows.get(name)
        if kept is None or kept[0] != version or not covers(kept[1]):
            kept = (version, *read())
            self._windows[name] = kept
            log.debug("read %s again", name)
        return kept[2]

    def _same(self, name: str, view: T, items: Sequence[Any]) -> T:
        """``view``, or the previous view of ``name`` when it holds the same objects."""
        previous = self._views.get(name)
        if previous is not None and same_items(items, previous[1]):
            return previous[0]
        self._views[name] = (view, items)
        return view
