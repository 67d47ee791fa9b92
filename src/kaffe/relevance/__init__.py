"""Relevance: which new articles match which contact's topics, and why."""

from __future__ import annotations

from kaffe.relevance.index import ArticleIndex

__all__ = ["ArticleIndex"]
