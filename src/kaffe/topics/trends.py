"""The trends notebook (issue 17): the themes across everyone's topics, grouped and
ranked. Pure: the topics, the names, the lexicon and ``now`` are passed in.

**Grouping.** Each topic is read into its content words (stop words dropped, Danish
compounds split when a ``split`` is given: :mod:`kaffe.relevance.compounds`); a word is
known by its Snowball stems in English and Danish and by what the en <-> da lexicon
translates it to (phrase by phrase, the longest run first, word for word where the
lengths agree). Two words are the same when they share one of those. Two topics are the
same theme when every word of each is a word of the other ("grøn brint" and "green
hydrogen"); a topic all of whose words are words of a longer one ("hydrogen") joins the
one such theme raised by the most people (then the latest, then by name), so a broad
word never chains unrelated themes together ("data" joins "data quality" or "data
mesh", not both).

**Ranking.** A theme's score is the number of distinct people who raised it, each
weighted by how recently they last did: ``score = sum over people of
0.5 ** (age_in_days / half_life_days)`` (half-life :data:`HALF_LIFE_DAYS`), so three
people this month outrank five people a year ago. Ties: more people, then the latest,
then the label. A meeting's topics dated after ``now`` (an upcoming meeting's agenda)
are not yet raised and are left out; any other topic dated after ``now`` (a notes file
touched by a clock ahead of kaffe's) counts as raised ``now``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kaffe.model import Article, Contact, Event, Match, Mention, Theme, Topic

HALF_LIFE_DAYS = 90.0
MAX_RUN = 5  # the longest phrase looked up in the lexicon, in words
PROFILE_PREFIX = "theme:"
_OTHER = {"en": "da", "da": "en"}

Word = frozenset[str]  # "en:<stem>" / "da:<stem>" keys of one word
Concept = tuple[Word, ...]


class Translations(Protocol):
    """The lexicon, as :class:`kaffe.relevance.lexicon.Lexicon` reads it."""

    def translations(self, language: str, stems: Sequence[str]) -> list[tuple[str, ...]]: ...


class Split(Protocol):
    """A compound splitter (:meth:`kaffe.relevance.compounds.Splitter.split`)."""

    def __call__(self, word: str, language: str) -> tuple[str, ...]: ...


@dataclass
class Grouped:
    """A grouping kept by its caller between calls of :func:`themes` (the daemon's memo),
    with what it was made from: (text, contact, when) of every topic raised."""

    basis: frozenset[tuple[str, str, datetime]] = frozenset()
    groups: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Analysis:
    """How topics are read into words: the lexicon, and a compound splitter if any."""

    lexicon: Translations | None = None
    split: Split | None = None


def theme_analysis(compounds: bool) -> Analysis:
    """How kaffe reads topics into themes: stems and the en <-> da lexicon
    (:class:`kaffe.relevance.lexicon.Lexicon`, numpy-free, so a daemon without feeds groups
    its topics too without loading numpy, issue 14) and, with ``compounds``, Danish
    compounds split too. kaffe splits them when feeds are configured (the relevance index
    loads the word table anyway), so that `kaffe trends`, the prep brief and the follow-up
    group alike under one config. Read when asked, not at import."""
    from kaffe.relevance.lexicon import Lexicon

    split = None
    if compounds:
        from kaffe.relevance.background import Background
        from kaffe.relevance.compounds import Splitter

        split = Splitter(Background.load()).split
    return Analysis(Lexicon.load(), split)


def concept(text: str, analysis: Analysis) -> Concept:
    """The words of a topic, each as the set of keys it is known by."""
    from kaffe.relevance.text import stem, topic_words  # the stemmers: only when asked

    parts = [w.part for w in topic_words(text, analysis.split)]
    stems = {lang: [stem(p, lang) for p in parts] for lang in ("en", "da")}
    keys = [{f"en:{e}", f"da:{d}"} for e, d in zip(stems["en"], stems["da"], strict=True)]
    if analysis.lexicon is not None:
        for language in ("en", "da"):
            for at, extra in enumerate(_bridged(stems[language], language, analysis.lexicon)):
                keys[at] |= extra
    return tuple(frozenset(k) for k in keys)


def _bridged(stems: list[str], language: str, lexicon: Translations) -> list[set[str]]:
    """Per word, the other language's keys its phrase translates to."""
    other, extra = _OTHER[language], [set[str]() for _ in stems]
    i = 0
    while i < len(stems):
        for end in range(min(len(stems), i + MAX_RUN), i, -1):
            targets = lexicon.translations(language, stems[i:end])
            if targets:
                for k in range(i, end):
                    same = [t[k - i] for t in targets if len(t) == end - i]
                    words = same or [s for t in targets for s in t]
                    extra[k] |= {f"{other}:{s}" for s in words}
                i = end
                break
        else:
            i += 1
    return extra


def covers(big: Concept, small: Concept) -> bool:
    """Every word of ``small`` is a word of ``big``."""
    return all(any(word & other for other in big) for word in small)


def themes(
    topics: Mapping[str, Sequence[Topic]],
    now: datetime,
    analysis: Analysis,
    names: Mapping[str, str] | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
    known: dict[str, Concept] | None = None,
    grouped: Grouped | None = None,
) -> tuple[Theme, ...]:
    """The themes of ``topics`` (contact -> topics), best first (see the module).
    ``known``: concepts read before with the same ``analysis`` (the caller's, kept from
    cycle to cycle); the new ones are added to it. ``grouped``: the last grouping and
    what it was made from, reused while who raised what when stays the same."""
    raised = _raised(topics, now)
    known = {} if known is None else known
    for text in raised.keys() - known.keys():
        known[text] = concept(text, analysis)
    concepts = {text: known[text] for text in raised}
    concepts = {t: c for t, c in concepts.items() if c}
    basis = frozenset((t, c, at) for t in concepts for c, at in raised[t].items())
    if grouped is not None and grouped.basis == basis:
        groups = grouped.groups
    else:
        groups = _grouped(concepts, raised)
        if grouped is not None:
            grouped.basis, grouped.groups = basis, groups
    sizes = {t: len(c) for t, c in concepts.items()}
    built = [_theme(texts, raised, sizes, now, names or {}, half_life_days) for texts in groups]
    return tuple(sorted(built, key=lambda t: (-t.score, -len(t.mentions),
                                              -t.latest.timestamp(), t.label)))


def _raised(topics: Mapping[str, Sequence[Topic]], now: datetime
            ) -> dict[str, dict[str, datetime]]:
    """text -> contact -> when they last raised it (up to ``now``)."""
    found: dict[str, dict[str, datetime]] = defaultdict(dict)
    for contact, items in topics.items():
        for topic in items:
            at = topic.at if topic.at <= now else None if _is_meeting(topic) else now
            if at is not None and topic.text:
                seen = found[topic.text].get(contact)
                if seen is None or seen < at:
                    found[topic.text][contact] = at
    return dict(found)


def _is_meeting(topic: Topic) -> bool:
    """A meeting's topic is dated by the meeting: later than ``now``, it is an agenda."""
    return topic.source.startswith("event:")


def _grouped(concepts: dict[str, Concept], raised: dict[str, dict[str, datetime]]
             ) -> list[list[str]]:
    """The texts in groups: the same theme together, then narrower themes into one
    wider one each."""
    parent = {t: t for t in concepts}

    def root(text: str) -> str:
        seen = set()
        while parent[text] != text and text not in seen:
            seen.add(text)
            text = parent[text]
        return text

    holding = _holding(concepts)
    order = sorted(concepts)
    for text in order:  # the same theme: each covers the other
        for other in sorted(_covering(concepts[text], holding) - {text}):
            if covers(concepts[text], concepts[other]):
                parent[root(other)] = root(text)
    classes: dict[str, list[str]] = defaultdict(list)
    for text in order:
        classes[root(text)].append(text)
    return _nested(classes, concepts, raised)


def _holding(concepts: Mapping[str, Concept]) -> dict[str, set[str]]:
    """key -> the names whose concept has a word known by it."""
    found: dict[str, set[str]] = defaultdict(set)
    for name, words in concepts.items():
        for word in words:
            for key in word:
                found[key].add(name)
    return found


def _covering(words: Concept, holding: Mapping[str, set[str]]) -> set[str]:
    """The names whose concept covers ``words`` (:func:`covers`), by the index alone."""
    found: set[str] | None = None
    for word in sorted(words, key=lambda w: sum(len(holding.get(k, ())) for k in w)):
        having = set().union(*(holding.get(k, set()) for k in word))
        found = having if found is None else found & having
        if not found:
            break
    return found or set()


def _nested(classes: dict[str, list[str]], concepts: dict[str, Concept],
            raised: dict[str, dict[str, datetime]]) -> list[list[str]]:
    """Each class whose words all belong to a wider class joins the best such class."""
    people = {c: {p for t in texts for p in raised[t]} for c, texts in classes.items()}
    latest = {c: max(at for t in texts for at in raised[t].values())
              for c, texts in classes.items()}
    holding = _holding({c: concepts[c] for c in classes})
    into: dict[str, str] = {}
    for name in sorted(classes, key=lambda c: (len(concepts[c]), c)):
        wider = [c for c in _covering(concepts[name], holding)
                 if len(concepts[c]) > len(concepts[name])]
        if wider:
            into[name] = min(wider, key=lambda c: (-len(people[c]), -latest[c].timestamp(), c))
    merged: dict[str, list[str]] = defaultdict(list)
    for name, texts in classes.items():
        top, hops = name, 0
        while top in into and hops < len(classes):
            top, hops = into[top], hops + 1
        merged[top] += texts
    return [sorted(texts) for _, texts in sorted(merged.items())]


def _theme(texts: list[str], raised: dict[str, dict[str, datetime]], sizes: Mapping[str, int],
           now: datetime, names: Mapping[str, str], half_life_days: float) -> Theme:
    """One theme; its label is the wording most people used, then the widest (the theme
    a narrower one joined), then the latest."""
    latest: dict[str, Mention] = {}
    for text in texts:
        for contact, at in raised[text].items():
            seen = latest.get(contact)
            if seen is None or (seen.at, seen.text) < (at, text):
                latest[contact] = Mention(contact, text, at, names.get(contact, ""))
    mentions = sorted(latest.values(), key=lambda m: (-m.at.timestamp(), m.contact))
    score = sum(0.5 ** (max(0.0, (now - m.at).total_seconds()) / 86400 / half_life_days)
                for m in mentions)
    ranked = sorted(texts, key=lambda t: (-len(raised[t]), -sizes[t],
                                          -max(raised[t].values()).timestamp(), len(t), t))
    return Theme(ranked[0], tuple(ranked), tuple(mentions), round(score, 4))


def names_of(contacts: Mapping[str, Contact], events: Sequence[Event]) -> dict[str, str]:
    """Who is who: the contacts' names, else the name an invitation gave them."""
    found = {a.email: a.name for e in events for a in e.attendees if a.name}
    found.update({email: c.name for email, c in contacts.items() if c.name})
    return found


def profiles(found: Sequence[Theme]) -> dict[str, tuple[Topic, ...]]:
    """Each theme as a topic profile for the article index the drip uses (keyed
    ``theme:<rank>``), to find the recent articles on it."""
    return {f"{PROFILE_PREFIX}{rank}": tuple(Topic(f"{PROFILE_PREFIX}{rank}", text, "theme",
                                                   theme.latest) for text in theme.texts)
            for rank, theme in enumerate(found)}


def articles_on(found: Sequence[Theme], matches: Mapping[str, Sequence[Match]],
                articles: Mapping[str, Article], per_theme: int = 3) -> list[list[Article]]:
    """Per theme (in ``found``'s order), its best matched articles, newest first among
    equals, at most ``per_theme``."""
    out = []
    for rank in range(len(found)):
        hits = [articles[m.article_id] for m in matches.get(f"{PROFILE_PREFIX}{rank}", ())
                if m.article_id in articles]
        out.append(hits[:per_theme])
    return out


def others_on(found: Sequence[Theme], contact: str, exclude: frozenset[str] = frozenset()
              ) -> list[tuple[Theme, Mention, tuple[Mention, ...]]]:
    """The themes ``contact`` raised that others raised too: (theme, their mention, the
    others' mentions, latest first), best theme first. ``exclude``: people not to count
    (the others at the same meeting)."""
    out = []
    for theme in found:
        own = theme.mention_of(contact)
        if own is None:
            continue
        others = tuple(m for m in theme.mentions if m.contact != contact
                       and m.contact not in exclude)
        if others:
            out.append((theme, own, others))
    return out
