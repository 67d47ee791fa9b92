"""What a cycle may reuse from the ones before: a steady cycle (nothing new anywhere)
should cost next to nothing, yet give exactly what a cycle from scratch gives.

Each part is keyed by what it was computed from, so that a change invalidates it:

- the snapshot: tables are read again only after they changed (:mod:`.storeview`);
- verdicts: kept per event (by its content) for the ``[me]`` and ``[detect]`` config;
- topics are learnt from the meetings again only when the meetings, the mail, the
  config or the topics table changed (the notes folder is read every cycle);
- matches: kept while the article index, the set of fresh articles, the topics, the
  contacts asked for and the ledger are the same;
- the targets (``[outreach] targets_file`` and the referrals in the notes folder):
  read again only when one of their files changed (size or modification time);
- what the rules keep from plan to plan (:class:`~kaffe.rules.reuse.Reuse`), handed to
  them as an argument.

Planning always runs afresh: time passing alone makes follow-ups and check-ins due.
A config reload opens a new runtime, and with it a new, empty memo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from kaffe.config.schema import Config
from kaffe.daemon.storeview import StoreView
from kaffe.model import (
    DraftFinding,
    Event,
    Interaction,
    LedgerEntry,
    Match,
    Snapshot,
    Target,
    Theme,
    Topic,
    Verdict,
)
from kaffe.relevance.empty import EmptyIndex
from kaffe.relevance.live import Relevance
from kaffe.rules.detect import detect
from kaffe.rules.drip import shared_by_contact
from kaffe.rules.people import external_people
from kaffe.rules.plan import coffee_meetings, judge, ordered_meetings
from kaffe.rules.reuse import Reuse
from kaffe.store import Store
from kaffe.topics.learn import learn_from_meetings, learn_from_notes
from kaffe.windows import snapshot_window

if TYPE_CHECKING:
    from kaffe.topics.targets import TargetsRead
    from kaffe.topics.trends import Analysis, Concept, Grouped

log = logging.getLogger(__name__)

Verdicts = tuple[tuple[Event, Verdict], ...]
Key = tuple[object, ...]
# Reads your drafts to these people (the coffee contacts), given the ledger: what reads
# like a job ask and has no note yet (kaffe.daemon.review.review_drafts, bound).
Review = Callable[[frozenset[str], Mapping[str, LedgerEntry]], tuple[DraftFinding, ...]]


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
    bench's baseline, and a way to rule the memo out. ``reuse`` is what the rules
    keep for the next cycle (:class:`~kaffe.rules.reuse.Reuse`; None when disabled):
    the cycle passes it into :func:`kaffe.rules.plan.evaluate`."""

    def __init__(self, store: Store, *, enabled: bool = True) -> None:
        self.store = store
        self.enabled = enabled
        self.view = StoreView(store)
        self.reuse: Reuse | None = Reuse() if enabled else None
        self._verdicts: dict[Event, Verdict] = {}
        self._verdict_config: Key | None = None
        self._judged: tuple[tuple[Event, ...], Verdicts] | None = None
        self._learnt: Key | None = None
        self._matched: tuple[Key, dict[str, tuple[Match, ...]]] | None = None
        self._targets: tuple[Key, TargetsRead] | None = None
        self._analysis: tuple[bool, Analysis] | None = None
        self._concepts: dict[str, Concept] = {}
        self._grouped: Grouped | None = None

    def build(self, now: datetime, config: Config, relevance: Relevance, *,
              near: bool = False, review: Review | None = None,
              unread: tuple[str, ...] = ()) -> tuple[Snapshot, Verdicts]:
        """The cycle's snapshot, built once, and the verdicts on its meetings: the
        events are judged, the coffee meetings (and the notes folder) teach topics,
        the contacts met are matched with ``relevance``'s articles, and the rules get
        all of it, topics and matches included, in one :class:`Snapshot`. ``near``
        (``kaffe plan``): the near misses too (:func:`near_misses`). ``review`` reads
        the drafts in your mailbox to the people met (:mod:`kaffe.daemon.review`);
        ``unread``: the calendars and mailboxes this cycle could not read."""
        view = self.view if self.enabled else StoreView(self.store)  # afresh: read once
        start, end, since, _ = snapshot_window(now, config)
        events = view.events(start, end)
        verdicts = self.judge(events, config)
        meetings = coffee_meetings(verdicts)
        people = frozenset(p.email for e in meetings
                           for p in external_people(e, config.me, self.reuse))
        self.learn(meetings, view.interactions(since), people, config)
        ledger = view.table("ledger", self.store.ledger)
        topics = view.topics()  # with what learn() added
        matches = self.matches(relevance, topics, ledger, people, now)
        findings = review(people, ledger) if review is not None else ()
        snapshot = view.snapshot(now, config, matches=matches, findings=findings,
                                 targets=self.targets(config), unread=unread,
                                 themes=self.themes(topics, now, config, events))
        if near:
            unmatched = people.difference(matches)
            shared = shared_by_contact(ledger, self.reuse)
            missed = near_misses(relevance, snapshot.topics, shared, unmatched, now)
            snapshot = replace(snapshot, near=missed)
        return snapshot, verdicts

    def targets(self, config: Config) -> tuple[Target, ...]:
        """The targets of ``config`` (:func:`~kaffe.topics.targets.load_targets`), read
        again only when one of their files changed; what could not be read is logged
        when it is read. Without a targets file or notes folder the module (and csv) is
        not even imported."""
        if config.outreach.targets_file is None and config.topics.notes_dir is None:
            return ()
        from kaffe.topics.targets import load_targets, target_files

        key: Key = (config.outreach, config.topics, config.me, target_files(config))
        if self.enabled and self._targets is not None and self._targets[0] == key:
            return self._targets[1].targets
        found = load_targets(config)
        for problem in found.problems:
            log.warning("targets: %s", problem)
        if self.enabled:
            self._targets = (key, found)
        return found.targets

    def judge(self, events: tuple[Event, ...], config: Config) -> Verdicts:
        """What :func:`kaffe.rules.plan.judge` gives, judging only events not seen before."""
        if not self.enabled:
            return judge(Snapshot(events=events), config)
        if self._verdict_config != (config.me, config.detect):
            self._verdict_config, self._verdicts = (config.me, config.detect), {}
            self._judged = None
        if self._judged is not None and self._judged[0] is events:
            return self._judged[1]
        verdicts = tuple((e, self._verdict(e, config)) for e in ordered_meetings(events))
        self._verdicts = dict(verdicts)  # the events that are gone are forgotten
        self._judged = (events, verdicts)
        return verdicts

    def _verdict(self, event: Event, config: Config) -> Verdict:
        found = self._verdicts.get(event)
        return (found if found is not None
                else detect(event, config.me, config.detect, self.reuse))

    def learn(self, meetings: Sequence[Event], interactions: Mapping[str, tuple[Interaction, ...]],
              people: Collection[str], config: Config) -> int:
        """Store what the meetings, the notes folder and (optionally) mail say was
        discussed, without re-reading meetings and mail that taught everything they
        could already; returns how many topics they added. ``people``: the meetings'
        people from outside."""
        mail = interactions if config.topics.from_mail else None
        key = (tuple(meetings), mail, config.me, config.topics)
        if self.enabled and same_key((*key, self.store.version("topics")), self._learnt):
            added = 0  # every topic these give is stored, and none was forgotten since
        else:
            added = learn_from_meetings(
                self.store, meetings, interactions, people, config,
                lambda event: external_people(event, config.me, self.reuse))
        if self.enabled:  # the new key either way: equal meetings read again replace the old ones
            self._learnt = (*key, self.store.version("topics"))
        learn_from_notes(self.store, config)
        return added

    def themes(self, topics: Mapping[str, tuple[Topic, ...]], now: datetime, config: Config,
               events: Sequence[Event] = ()) -> tuple[Theme, ...]:
        """The themes across everyone's topics (:mod:`kaffe.topics.trends`), for the prep
        brief and the follow-up's insight; none when neither is enabled or no two people
        have topics (then not even the stemmers are loaded). Each topic's words are read
        once per runtime."""
        if not (config.prep.enabled or config.followup.enabled) or len(topics) < 2:
            return ()
        from kaffe.topics.trends import Grouped, names_of, theme_analysis, themes

        compounds = bool(config.feeds)
        if self._analysis is None or self._analysis[0] != compounds or not self.enabled:
            self._analysis, self._concepts = (compounds, theme_analysis(compounds)), {}
            self._grouped = Grouped() if self.enabled else None
        if len(self._concepts) > _MAX_CONCEPTS:
            self._concepts.clear()
        names = names_of(self.view.table("contacts", self.store.contacts), events)
        return themes(topics, now, self._analysis[1], names, known=self._concepts,
                      grouped=self._grouped)

    def matches(self, relevance: Relevance, topics: Mapping[str, tuple[Topic, ...]],
                ledger: Mapping[str, LedgerEntry], people: Collection[str], now: datetime
                ) -> dict[str, tuple[Match, ...]]:
        """What :meth:`Relevance.matches` gives, kept while its inputs stay the same."""
        if not self.enabled:
            return relevance.matches(topics, shared_by_contact(ledger), people, now)
        index = relevance.index
        fresh = index.count_since(relevance.since(now))  # one generation: nested sets
        key = (relevance, index.generation, fresh, topics, ledger, frozenset(people))
        if self._matched is not None and same_key(key, self._matched[0]):
            return self._matched[1]
        found = relevance.matches(topics, shared_by_contact(ledger, self.reuse), people, now)
        self._matched = (key, found)
        return found


# Topics whose words a memo remembers, at most (then it starts again).
_MAX_CONCEPTS = 50_000
# Any score above zero: a near miss shares at least one word that counts.
_ANY_SCORE = 1e-9


def near_misses(relevance: Relevance, topics: Mapping[str, tuple[Topic, ...]],
                shared: Mapping[str, set[str]], contacts: Collection[str], now: datetime
                ) -> dict[str, tuple[Match, ...]]:
    """For each of ``contacts`` (those without a match), the best fresh articles that
    share a word with their topics however low they score: below the threshold, as
    they have no match. ``kaffe plan`` says how near the best came
    (:func:`kaffe.rules.drip.no_article`); the daemon never asks.

    The index is asked with a threshold just above zero for this one call."""
    if isinstance(relevance.index, EmptyIndex) or not contacts:
        return {}
    return relevance.matches(topics, shared, contacts, now, threshold=_ANY_SCORE)
