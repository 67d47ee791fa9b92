"""Counted nouns and cut lists in what a person reads (plan, status, doctor):
"1 person", not "1 people"; "a, b, c and 2 more", not a list silently cut."""

from __future__ import annotations

from collections.abc import Sequence

_IRREGULAR = {"person": "people"}


def plural(count: float, noun: str, many: str = "") -> str:
    """``count`` and ``noun``, in the plural unless ``count`` is exactly one:
    ``plural(1, "person")`` is "1 person", ``plural(2.5, "day")`` "2.5 days"."""
    word = noun if count == 1 else many or _IRREGULAR.get(noun) or f"{noun}s"
    number = f"{count:,}" if isinstance(count, int) else f"{count:g}"
    return f"{number} {word}"


def listed(items: Sequence[str], limit: int = 3) -> str:
    """The first ``limit`` items joined with commas, and how many more there are:
    a list cut short says so."""
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown
