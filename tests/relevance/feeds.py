"""Real English articles from the shared corpus, parsed with feedparser in place."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from kaffe.model import Article

FEEDS = {
    "cloudflare": "feedrs__cloudflare_blog_html.xml",
    "wapo": "nodefeedparser__washingtonpost_wellness.xml",
    "samruby": "nodefeedparser__intertwingly_sam_ruby.atom",
    "japantoday": "fastfeedparser__japantoday_world.xml",
}
_TAG = re.compile(r"<[^>]+>")
FETCHED = datetime(2026, 3, 1, tzinfo=UTC)


def plain(text: str) -> str:
    """HTML to plain text, roughly: enough for tests of ranking."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def corpus_articles(corpus: Path) -> list[Article]:
    """Articles of the four English feeds; ids are "<feed>-<n>" in feed order."""
    articles = []
    for name, filename in FEEDS.items():
        parsed = feedparser.parse((corpus / "feeds" / filename).read_bytes())
        for n, entry in enumerate(parsed.entries):
            articles.append(Article(
                id=f"{name}-{n}", feed=name, url=entry.get("link", ""),
                title=plain(entry.get("title", "")), summary=plain(entry.get("summary", "")),
                published=FETCHED, language="en" if name != "samruby" else "",
                tags=tuple(t.term for t in entry.get("tags", []) if t.get("term")),
            ))
    return articles
