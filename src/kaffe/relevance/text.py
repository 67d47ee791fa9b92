"""Text analysis for relevance: Unicode tokens, stop words, Snowball stems.

Articles are analysed in one language (their own, or a guess from stop-word
hits). Topics are short and written by you in whichever language the talk was
in, so every topic word is stemmed with both stemmers and each stem remembers
the surface word it came from: a match can then name "vindmøller" or "AI"
exactly as you wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import snowballstemmer

from kaffe.relevance.stopwords import ALL, STOP_WORDS

LANGUAGES = ("en", "da")
_STEMMER_NAMES = {"en": "english", "da": "danish"}
# Letters and digits of any script; "_" is a word character for \w, not for us.
_TOKEN = re.compile(r"[^\W_]+")
_MIN_LENGTH = 2


@dataclass(frozen=True)
class TopicWord:
    """One content word of a topic: as written, and its stems in every language."""

    surface: str
    stems: tuple[str, ...]


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
    """Snowball stem of a lower-cased ``word`` in ``language`` ("en"/"da")."""
    return _stemmer(language).stemWord(word)


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    # Snowball stemmers keep state between calls: one per language is fine
    # because kaffe analyses text on one thread.
    return snowballstemmer.stemmer(_STEMMER_NAMES[language])


def article_terms(words: Iterable[str], language: str) -> list[str]:
    """Stems of the content words of an article, in one language."""
    stop = STOP_WORDS[language]
    return [stem(w, language) for w in words if w not in stop]


def topic_words(text: str) -> list[TopicWord]:
    """The content words of a topic, each stemmed in English and in Danish.

    Stop words of the topic's own language are dropped; when its language
    cannot be told, stop words of either language are.
    """
    surface = surface_tokens(text)
    lowered = [w.lower() for w in surface]
    lang = guess_language(lowered)
    stop = STOP_WORDS[lang] if lang else ALL
    result = []
    for word, low in zip(surface, lowered, strict=True):
        if low not in stop:
            stems = tuple(dict.fromkeys(stem(low, lg) for lg in LANGUAGES))
            result.append(TopicWord(word, stems))
    return result
