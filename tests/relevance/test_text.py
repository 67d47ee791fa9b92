"""Tokens, stop words, language guessing and stemming."""

from __future__ import annotations

import pytest

from kaffe.relevance.stopwords import DANISH, ENGLISH
from kaffe.relevance.text import (
    article_language,
    article_terms,
    guess_language,
    stem,
    tokens,
    topic_words,
)


def test_tokens_are_lower_case_unicode_words_with_accents_kept():
    assert tokens("Møde i København: 5G, AI & data_platform — Straße!") == [
        "møde", "københavn", "5g", "ai", "data", "platform", "straße"]


def test_single_characters_and_punctuation_are_not_tokens():
    assert tokens("a b - c ... ok") == ["ok"]


@pytest.mark.parametrize(("words", "expected"), [
    ("the data and the platform", "en"),
    ("det er en god dag og vi er glade", "da"),
    ("vindmøller grøn omstilling", ""),  # no stop words: cannot tell
    ("i", ""),  # a stop word in both languages decides nothing
])
def test_guess_language_from_stop_words(words, expected):
    assert guess_language(words.split()) == expected


@pytest.mark.parametrize(("declared", "text", "expected"), [
    ("en-US", "det er en god dag", "en"),  # a declared, supported language wins
    ("da", "the data", "da"),
    ("", "det er en god dag og vi er glade", "da"),
    ("de", "the weather and the roads", "en"),  # unsupported: guessed
    ("", "", "en"),
])
def test_article_language(declared, text, expected):
    assert article_language(declared, text.split()) == expected


@pytest.mark.parametrize(("a", "b", "language"), [
    ("migrating", "migration", "en"),
    ("platforms", "platform", "en"),
    ("vindmøller", "vindmølle", "da"),
    ("dataplatforme", "dataplatform", "da"),
    ("mangel", "mangler", "da"),  # -el drops its e when inflected
    ("mangel", "mangle", "da"),
    ("regel", "regler", "da"),
    ("kabler", "kabel", "da"),
])
def test_snowball_stems_join_word_forms(a, b, language):
    assert stem(a, language) == stem(b, language)


@pytest.mark.parametrize(("word", "expected"), [
    ("del", "del"),  # too short to be a word in -el
    ("hotel", "hotl"),  # the same in every form: "hoteller" too
    ("model", "modl"),
    ("hjul", "hjul"),
    ("spinkel", "spinkl"),
])
def test_danish_stems_in_el_lose_the_e(word, expected):
    assert stem(word, "da") == expected


def test_english_stems_keep_el():
    assert stem("channel", "en") == "channel"


def test_article_terms_drop_the_language_stop_words():
    assert article_terms(["the", "migrating", "of", "data"], "en") == ["migrat", "data"]
    assert article_terms(["og", "vindmøller", "på", "havet"], "da") == ["vindmøl", "hav"]


def test_topic_words_keep_surface_and_stem_in_both_languages():
    words = topic_words("Vindmøller og grøn omstilling")
    assert [w.surface for w in words] == ["Vindmøller", "grøn", "omstilling"]
    assert stem("vindmøller", "da") in words[0].stems
    assert stem("vindmøller", "en") in words[0].stems
    assert {"omstil", "omstilling"} == set(words[2].stems)


def test_topic_stop_words_are_dropped_in_either_language():
    assert [w.surface for w in topic_words("the data and the platform")] == ["data", "platform"]
    assert topic_words("og i på det") == []


def test_stop_word_lists_are_function_words_only():
    for topical in ("data", "health", "security", "møde", "vind", "omstilling"):
        assert topical not in ENGLISH | DANISH
