"""The article the relevance tests index: one a day old at :data:`NOW`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kaffe.model import Article

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def article(aid: str, title: str, summary: str, language: str) -> Article:
    return Article(id=aid, feed="test", url=f"https://example.org/{aid}", title=title,
                   summary=summary, published=NOW - timedelta(days=1), language=language)
