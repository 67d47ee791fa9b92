"""``kaffe trends [--json] [--now ISO] [--limit N]``: the trends notebook (issue 17).

The themes across all your meetings, notes and remembered topics
(:mod:`kaffe.topics.trends` groups and ranks them), each with who raised it and when,
and the recent articles on it from the article index the drip uses. Only the themes of
people you wrote down yourself: nothing marked private is in the store to begin with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from kaffe.config.schema import Config
from kaffe.model import Article, Theme
from kaffe.store import Store
from kaffe.timeutil import local_day
from kaffe.topics.trends import (
    HALF_LIFE_DAYS,
    articles_on,
    names_of,
    profiles,
    theme_analysis,
    themes,
)
from kaffe.wording import plural

DEFAULT_LIMIT = 10
MAX_PEOPLE_SHOWN = 5
FORMULA = (f"score = sum over the people who raised it of 0.5 ** (days since they last "
           f"did / {HALF_LIFE_DAYS:g})")
EMPTY = ("no meetings or notes yet: kaffe finds themes in a \"Topics:\" line or #hashtags "
         "in a coffee meeting's description, in `kaffe note CONTACT \"…\"`, and in the files "
         "of [topics] notes_dir; add some and run `kaffe trends` again")


def gather(store: Store, config: Config, now: datetime
           ) -> tuple[tuple[Theme, ...], list[list[Article]]]:
    """The themes in ``store`` at ``now``, best first, and the recent articles on each."""
    topics = store.topics()
    if not topics:
        return (), []
    names = names_of(store.contacts(), store.events())
    found = themes(topics, now, theme_analysis(bool(config.feeds)), names)
    return found, _articles(store, config, found, now)


def _articles(store: Store, config: Config, found: Sequence[Theme], now: datetime
              ) -> list[list[Article]]:
    if not config.feeds or not found:  # no feeds: no articles, and numpy stays unloaded
        return [[] for _ in found]
    from kaffe.relevance.live import Relevance

    relevance = Relevance(config)
    relevance.update(store, [], now)
    wanted = profiles(found)
    matches = relevance.matches(wanted, {}, wanted, now)
    by_id = {a.id: a for a in store.articles(since=relevance.since(now))}
    return articles_on(found, matches, by_id)


def trends_text(found: Sequence[Theme], articles: Sequence[Sequence[Article]], zone: tzinfo,
                limit: int = DEFAULT_LIMIT) -> str:
    """The notebook as text: the top ``limit`` themes, each with who, when and articles."""
    if not found:
        return EMPTY
    people = {m.contact for t in found for m in t.mentions}
    lines = [f"trends: {plural(len(found), 'theme')} from {plural(len(people), 'person')}"
             f", ranked by who raised them and how recently ({FORMULA})"]
    for rank, (theme, reading) in enumerate(zip(found[:limit], articles, strict=False), 1):
        lines += ["", *_theme_lines(rank, theme, reading, zone)]
    if len(found) > limit:
        lines += ["", f"… and {len(found) - limit} more (--limit N shows more)"]
    return "\n".join(lines)


def _theme_lines(rank: int, theme: Theme, reading: Sequence[Article], zone: tzinfo
                 ) -> list[str]:
    also = [t for t in theme.texts if t != theme.label]
    head = (f"{rank}. {theme.label}: {plural(len(theme.mentions), 'person')}, latest "
            f"{local_day(theme.latest, zone)}" + (f" (also: {', '.join(also)})" if also else ""))
    lines = [head]
    for m in theme.mentions[:MAX_PEOPLE_SHOWN]:
        who = f"{m.name} <{m.contact}>" if m.name else m.contact
        lines.append(f"   {local_day(m.at, zone)}  {who}: \"{m.text}\"")
    if len(theme.mentions) > MAX_PEOPLE_SHOWN:
        lines.append(f"   … and {len(theme.mentions) - MAX_PEOPLE_SHOWN} more")
    for article in reading:
        when = f"{local_day(article.published, zone)}, " if article.published else ""
        lines.append(f"   read: {article.title} ({when}{article.feed})")
        lines.append(f"         {article.url}")
    return lines


def trends_json(found: Sequence[Theme], articles: Sequence[Sequence[Article]], now: datetime,
                zone: tzinfo, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """The notebook for machines: stable keys, dates as ISO days in ``zone``, moments
    in UTC."""
    return {
        "now": now.isoformat(),
        "formula": FORMULA,
        "half_life_days": HALF_LIFE_DAYS,
        "total": len(found),
        "themes": [_theme_json(rank, t, a, zone) for rank, (t, a)
                   in enumerate(zip(found[:limit], articles, strict=False), 1)],
    }


def _theme_json(rank: int, theme: Theme, reading: Sequence[Article], zone: tzinfo
                ) -> dict[str, Any]:
    return {
        "rank": rank,
        "theme": theme.label,
        "texts": list(theme.texts),
        "score": theme.score,
        "people": len(theme.mentions),
        "latest": local_day(theme.latest, zone).isoformat(),
        "mentions": [{"email": m.contact, "name": m.name, "text": m.text,
                      "date": local_day(m.at, zone).isoformat()} for m in theme.mentions],
        "articles": [_article_json(a, zone) for a in reading],
    }


def _article_json(article: Article, zone: tzinfo) -> Mapping[str, Any]:
    return {"title": article.title, "url": article.url, "feed": article.feed,
            "published": (local_day(article.published, zone).isoformat()
                          if article.published else None)}
