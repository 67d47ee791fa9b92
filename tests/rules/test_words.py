from __future__ import annotations

import pytest

from kaffe.rules.words import find_word, fold


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("Coffee with Ana", ("coffee",), "coffee"),
        ("COFFEE!", ("coffee",), "coffee"),
        ("Kaffe med Mette", ("kaffe",), "kaffe"),
        ("Kaffemøde med Mette", ("kaffe", "kaffemøde"), "kaffemøde"),
        ("KAFFEMØDE", ("kaffemøde",), "kaffemøde"),
        ("Lunch in the cafeteria", ("cafe", "café"), None),
        ("Coffeeshop tour", ("coffee",), None),
        ("Catch up", ("catch-up",), "catch-up"),
        ("catchup?", ("catch-up",), "catch-up"),
        ("Quick catch-up (Ana)", ("catch up",), "catch up"),
        ("catch – up", ("catch-up",), "catch-up"),
        ("Joe & the Juice, Nørrebro", ("joe & the juice",), "joe & the juice"),
        ("Joe &amp; the Juice", ("joe & the juice",), "joe & the juice"),
        ("Cafe\u0301 Norden", ("café",), "café"),  # decomposed é
        ("<p>Let's grab a <b>coffee</b></p>", ("coffee",), "coffee"),
        ("Straße", ("STRASSE",), "STRASSE"),
        ("", ("coffee",), None),
        ("anything", ("", "  "), None),
    ],
)
def test_find_word(text: str, words: tuple[str, ...], expected: str | None) -> None:
    assert find_word(text, words) == expected


def test_find_word_returns_first_configured_match() -> None:
    assert find_word("coffee or espresso", ("espresso", "coffee")) == "espresso"


def test_fold_strips_html_and_entities() -> None:
    assert fold("<div>Tak&nbsp;for <i>KAFFEN</i></div>").split() == ["tak", "for", "kaffen"]
