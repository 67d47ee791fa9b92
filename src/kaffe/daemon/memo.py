"""What a cycle may reuse from the ones before: a steady cycle (nothing new anywhere)
should cost next to nothing, yet give exactly what a cycle from scratch gives.

Each part is keyed by what it was computed from, so that a change invalidates it:

- the snapshot: tables are read again only after they changed (:mod:`.storeview`);
- verdicts: kept per event (by its content) for the ``[me]`` and ``[detect]`` config;
- topics are learnt from the meetings again only when the meetings, the mail, the
  config or the topics table changed (the notes folder is read every cycle);
- matches: kept while the article index, the set of fresh articles, the topics, the
  contacts asked for and the ledger are the same.

Planning always runs afresh: time passing alone makes follow-ups and check-ins due.
A config reload opens a new runtime, and with it a new, empty memo.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime

from kaffe.config.schema import Config
from kaffe.daemon.learn import Relevance, learn_from_meetings, learn_from_notes, learn_topics
from kaffe.daemon.storeview import StoreView, read_snapshot
from kaffe.model import Event, Match, Snapshot, Topic, Verdict
from kaffe.rules.detect import detect
from kaffe.rules.plan import judge, ordered_meetings
from kaffe.store import Store

log = logging.getLogger(__name__)

Verdicts = tuple[tuple[Event, Verdict], ...]
Key = tuple[object, ...]


def same_key(new: Key, old: Key | None) -> bool:
    """Keys match part by part: by identity, or by value for numbers, tuples and
    frozensets (tuples of the same objects compare fast)."""
    return old is not None and len(new) == len(old) and all(
        a is b or (isinstance(a, int | tuple | frozenset) and a == b)
        for a, b in zip(new, old, strict=True)
    )


class CycleMemo:
    """The parts of earlier cycles a new cycle can reuse (see the module docstring).

    ``enabled=False`` computes everything afresh, as before there was a memo: the
    bench's baseline, and a way to rule the memo out."""

    def __init__(self, store: Store, *, enabled: bool = True) -> None:
        self.store = store
        self.enabled = enabled
        self.view = StoreView(store)
        self._verdicts: dict[Event, Verdict] = {}
        self._verdict_config: Key | None = None
        self._judged: tuple[tuple[Event, ...], Verdicts] | None = None
        self._learnt: Key | None = None
        self._matched: tuple[Key, dict[str, tuple[Match, ...]]] | None = None

    def snapshot(self, now: datetime, config: Config) -> Snapshot:
        """The rules' view of the store at ``now``."""
        if not self.enabled:
            return read_snapshot(self.store, now, config)
        return self.view.snapshot(now, config)

    def topics(self) -> dict[str, tuple[Topic, ...]]:
        """The topics table (again, after learning)."""
        return self.view.topics() if self.enabled else self.store.topics()

    def judge(self, snap: Snapshot, config: Config) -> Verdicts:
        """What :func:`kaffe.rules.plan.judge` gives, judging only events not seen before."""
        if not self.enabled:
            return judge(snap, config)
        if self._verdict_config != (config.me, config.detect):
            self._verdict_config, self._verdicts = (config.me, config.detect), {}
            self._judged = None
        if self._judged is not None and self._judged[0] is snap.events:
            return self._judged[1]
        verdicts = tuple((e, self._verdict(e, config)) for e in ordered_meetings(snap.events))
        self._verdicts = dict(verdicts)  # the events that are gone are forgotten
        self._judged = (snap.events, verdicts)
        return verdicts

    def _verdict(self, event: Event, config: Config) -> Verdict:
        found = self._verdicts.get(event)
        return found if found is not None else detect(event, config.me, config.detect)

    def learn(self, meetings: Sequence[Event], snap: Snapshot, config: Config) -> int:
        """:func:`kaffe.daemon.learn.learn_topics`, without re-reading meetings and mail
        that taught everything they could already; returns how many topics they added."""
        if not self.enabled:
            return learn_topics(self.store, meetings, snap, config)
        mail = snap.interactions if config.topics.from_mail else None
        key = (tuple(meetings), mail, config.me, config.topics)
        if same_key((*key, self.store.version("topics")), self._learnt):
            added = 0  # every topic these give is stored, and none was forgotten since
        else:
            added = learn_from_meetings(self.store, meetings, snap, config)
        # the new key either way: equal meetings read again replace the old ones
        self._learnt = (*key, self.store.version("topics"))
        learn_from_notes(self.store, config)
        return added

    def matches(self, relevance: Relevance, snap: Snapshot, people: Collection[str],
                now: datetime) -> dict[str, tuple[Match, ...]]:
        """What :meth:`Relevance.matches` gives, kept while its inputs stay the same."""
        if not self.enabled:
            return relevance.matches(snap, people, now)
        index = relevance.index
        fresh = index.count_since(relevance.since(now))  # one generation: nested sets
        key = (relevance, index.generation, fresh, snap.topics, snap.ledger, frozenset(people))
        if self._matched is not None and same_key(key, self._matched[0]):
            return self._matched[1]
        found = relevance.matches(snap, people, now)
        self._matched = (key, found)
        return found
