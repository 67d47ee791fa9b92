"""Counted nouns and cut lists, as plan, status and doctor print them."""

from __future__ import annotations

import pytest

from kaffe.wording import listed, plural


@pytest.mark.parametrize(("count", "noun", "expected"), [
    (1, "person", "1 person"),
    (2, "person", "2 people"),
    (0, "change", "0 changes"),
    (1, "coffee meeting", "1 coffee meeting"),
    (1.0, "day", "1 day"),
    (2.5, "day", "2.5 days"),
    (30, "minute", "30 minutes"),
])
def test_plural(count: float, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_a_cut_list_says_how_many_more() -> None:
    assert listed(["a", "b", "c"]) == "a, b, c"
    assert listed(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    assert listed([]) == ""
