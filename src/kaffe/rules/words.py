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


def fold(text: str) -> str:
    """Normalise ``text`` for matching: HTML tags and entities removed, NFC, casefolded."""
    plain = html.unescape(_TAG.sub(" ", text)) if "<" in text or "&" in text else text
    return unicodedata.normalize("NFC", plain).casefold()


@lru_cache(maxsize=256)
def _pattern(word: str) -> re.Pattern[str] | None:
    parts = [re.escape(p) for p in _SPLIT.split(fold(word).strip()) if p]
    if not parts:
        return None
    return re.compile(r"(?<!\w)" + _PART_SEPARATOR.join(parts) + r"(?!\w)")


def find_word(text: str, words: Iterable[str]) -> str | None:
    """Return the first of ``words`` that occurs in ``text`` as a whole word or phrase."""
    if not text:
        return None
    folded = fold(text)
    for word in words:
        pattern = _pattern(word)
        if pattern is not None and pattern.search(folded):
            return word
    return None
