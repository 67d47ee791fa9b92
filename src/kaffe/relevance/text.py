"""Text analysis for relevance: Unicode tokens, stop words, Snowball stems.

Articles are analysed in one language (their own, or a guess from stop-word
hits). Topics are short and written by you in whichever language the talk was
in, so every topic word is stemmed with both stemmers and each stem remembers
the surface word it came from: a match can then name "vindmøller" or "AI"
exactly as you wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import snowballstemmer

from kaffe.relevance.stopwords import ALL, STOP_WORDS

LANGUAGES = ("en", "da")
_STEMMER_NAMES = {"en": "english", "da": "danish"}
# Letters and digits of any script; "_" is a word character for \w, not for us.
_TOKEN = re.compile(r"[^\W_]+")
_MIN_LENGTH = 2
# Splits a lower-case word of a language ("da"/"en", "" if unknown) into the words of a
# compound, () if it is none (:class:`kaffe.relevance.compounds.Splitter`).
Split = Callable[[str, str], tuple[str, ...]]


@dataclass(frozen=True)
class TopicWord:
    """One content word of a topic: as written, and its stems in every language.
    ``unit`` numbers the words of the topic as written: the parts of one compound are
    words of their own with the compound's surface and unit."""

    surface: str
    stems: tuple[str, ...]
    unit: int = 0
    part: str = ""  # the (lower-case) part of the surface word these are the stems of
    # a translation's: the topic words it translates, as written (else ``surface``)
    sources: tuple[str, ...] = ()


def surface_tokens(text: str) -> list[str]:
    """Words of ``text`` as written (case kept), letters and digits only."""
    return [t for t in _TOKEN.findall(text) if len(t) >= _MIN_LENGTH]


def tokens(text: str) -> list[str]:
    """Lower-cased words of ``text``; accents are kept ("møde" stays "møde")."""
    return [t.lower() for t in surface_tokens(text)]


def guess_language(words: Iterable[str]) -> str:
    """"en" or "da" from stop-word hits (words in both lists do not count).

    Returns "" on a tie, e.g. when there are no stop words at all.
    """
    hits = dict.fromkeys(LANGUAGES, 0)
    for word in words:
        found = [lang for lang in LANGUAGES if word in STOP_WORDS[lang]]
        if len(found) == 1:
            hits[found[0]] += 1
    en, da = hits["en"], hits["da"]
    return "" if en == da else ("en" if en > da else "da")


def article_language(declared: str, words: Iterable[str]) -> str:
    """The language to analyse an article in: declared if supported, else guessed.

    ``declared`` may be a tag such as "en-US". Unsupported or unknown languages
    are guessed between English and Danish, English on a tie.
    """
    lang = declared.split("-")[0].split("_")[0].lower()
    if lang in LANGUAGES:
        return lang
    return guess_language(words) or "en"


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """Snowball stem of a lower-cased ``word`` in ``language`` ("en"/"da").

    Danish nouns and adjectives in -el drop the e when inflected ("mangel", "mangler",
    "at mangle"; "regel", "regler"; "kabel", "kabler"), which Snowball leaves as two
    stems ("mangel", "mangl"): a Danish stem ending in a consonant and "el" loses the e
    (:func:`_syncope`), so the forms meet.
    """
    return stem_once(word, language)


def stem_once(word: str, language: str) -> str:
    """:func:`stem` without remembering the answer: for fragments of words."""
    return _syncope(_stemmer(language).stemWord(word), language)


_SYNCOPE = re.compile(r"(?<=[^aeiouyæøå])el$")  # "mangel" -> "mangl"; "del", "hel": too short


def _syncope(stem_: str, language: str) -> str:
    """A Danish stem of five letters or more in consonant + "el" without the e."""
    if language == "da" and len(stem_) >= 5:
        return _SYNCOPE.sub("l", stem_)
    return stem_


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    # Snowball stemmers keep state between calls: one per language is fine
    # because kaffe analyses text on one thread.
    return snowballstemmer.stemmer(_STEMMER_NAMES[language])


def article_terms(words: Iterable[str], language: str, split: Split | None = None) -> list[str]:
    """Stems of the content words of an article, in one language; with ``split``, a
    compound gives the stems of its parts instead of its own."""
    stop = STOP_WORDS[language]
    terms: list[str] = []
    for word in words:
        if word in stop:
            continue
        parts = split(word, language) if split is not None else ()
        terms.extend(stem(p, language) for p in parts or (word,))
    return terms


def topic_words(text: str, split: Split | None = None) -> list[TopicWord]:
    """The content words of a topic, each stemmed in English and in Danish.

    Stop words of the topic's own language are dropped; when its language
    cannot be told, stop words of either language are. With ``split``, a compound
    ("sundhedsdataplatforme", "#digitaltwins") gives its parts as words, split in the
    topic's language ("" when it cannot be told).
    """
    surface = surface_tokens(text)
    lowered = [w.lower() for w in surface]
    lang = guess_language(lowered)
    stop = STOP_WORDS[lang] if lang else ALL
    result = []
    for unit, (word, low) in enumerate(zip(surface, lowered, strict=True)):
        if low in stop:
            continue
        for part in _parts(low, lang, split):
            stems = tuple(dict.fromkeys(stem(part, lg) for lg in LANGUAGES))
            result.append(TopicWord(word, stems, unit, part))
    return result


def _parts(low: str, lang: str, split: Split | None) -> tuple[str, ...]:
    """The parts of a lower-case topic word, or the word alone."""
    return (split(low, lang) if split is not None else ()) or (low,)
