"""Whole-word, case-insensitive, Unicode-aware matching of words and phrases.

Calendar text is messy: Google sends HTML descriptions, people write "Catch up",
"catch-up" or "catchup". A configured word matches only as a whole word or
phrase, so "cafe" never matches "cafeteria".
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_TAG = re.compile(r"<[^>]*>")
# Inside a phrase, any run of spaces, hyphens or underscores (or none at all)
# separates the parts: "catch-up" matches "catch up", "catch-up" and "catchup".
_PART_SEPARATOR = r"[\s\-_\u2010-\u2015]*"
_SPLIT = re.compile(r"[\s\-_\u2010-\u2015]+")


def fold_once(text: str) -> str:
    """Normalise ``text`` for matching: HTML tags and entities removed, NFC, casefolded.
    For a text the caller keeps folded itself (an article's): :func:`fold` would keep
    a second and third copy in its cache."""
    plain = html.unescape(_TAG.sub(" ", text)) if "<" in text or "&" in text else text
    return unicodedata.normalize("NFC", plain).casefold()


# The same titles and descriptions are asked about every cycle.
fold = lru_cache(maxsize=4096)(fold_once)


@lru_cache(maxsize=256)
def _pattern(word: str) -> tuple[str, re.Pattern[str]] | None:
    """The word's first part (a match contains it literally: a cheap test first) and
    its whole-word pattern."""
    parts = [p for p in _SPLIT.split(fold(word).strip()) if p]
    if not parts:
        return None
    body = _PART_SEPARATOR.join(re.escape(p) for p in parts)
    return parts[0], re.compile(r"(?<!\w)" + body + r"(?!\w)")


def find_word(text: str, words: Iterable[str]) -> str | None:
    """Return the first of ``words`` that occurs in ``text`` as a whole word or phrase."""
    if not text:
        return None
    return find_folded(fold(text), words)


def find_folded(folded: str, words: Iterable[str]) -> str | None:
    """:func:`find_word` in a text already passed through :func:`fold`."""
    for word in words:
        compiled = _pattern(word)
        if compiled is not None and compiled[0] in folded and compiled[1].search(folded):
            return word
    return None
