"""The index before any article arrived: answers like an empty :class:`ArticleIndex`
without importing numpy (about 15 MB a process), so that a configuration
without feeds never loads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from kaffe.model import Match, Topic


class EmptyIndex:
    """No articles: nothing to count, nothing to match. Replaced by an
    :class:`~kaffe.relevance.index.ArticleIndex` when the first article comes."""

    generation = 0

    def count_since(self, since: datetime) -> int:
        return 0

    def __len__(self) -> int:
        return 0

    def __contains__(self, article_id: object) -> bool:
        return False

    def discard_older_than(self, moment: datetime) -> int:
        return 0

    def match(self, profiles: Mapping[str, Sequence[Topic]], *,
              since: datetime | None = None, exclude: Mapping[str, set[str]] | None = None,
              limit: int = 5, threshold: float | None = None) -> dict[str, tuple[Match, ...]]:
        return {}
