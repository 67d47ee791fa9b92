"""Compounds split into their words against the background table as a dictionary.

Danish writes compounds as one word: "sundhedsdataplatforme" is sundhed + data +
platforme (the "s" links), and a topic "data i sundhed" shares no stem with it
unless it is split. Hashtags do the same in English: "#dataquality", "DigitalTwins".
A word is split into the fewest parts that are all common words of the language
(the table's Danish and English word lists), linked by nothing or, in Danish, an "s" or
"e"; ties go to the split whose rarest part is most common, then to the more common
parts, then to fewer linking letters. The last Danish part may be any inflection of a
common word ("-henvendelserne"). A part is at least three letters, never a stop word
("for-", "over-", "under-" would
split "forsikring" and "overskud" into nonsense) nor a suffix that is also a word
("-inger", "-hed"). A word that does not split into at least two parts, or is more common than its
rarest part ("betaling" is not beta + ling), is left whole; an English word the table
knows is not split at all ("cybersecurity" is a word). Long parts that are
compounds themselves are split too, so that a word mostly gives the same parts wherever
it stands.
"""

from __future__ import annotations

import numpy as np

from kaffe.relevance.background import Background
from kaffe.relevance.stopwords import STOP_WORDS
from kaffe.relevance.text import stem, stem_once

MIN_PART = 3
# Shorter words are not tried: a compound of two three-letter words ("havvind") is rare.
MIN_WORD = {"da": 6, "en": 8}
# A part must be at least this common (Zipf: log10 per billion words): rarer entries of
# the word lists are often fragments, names and misspellings.
MIN_ZIPF = {"da": 3.0, "en": 3.3}
# An English word the table knows this well is a word, not a run-together hashtag.
_KNOWN_ENGLISH = 3.0
_LINKS = ("s", "e")  # Danish linking letters between parts ("forsyning-s-selskab")
# Endings and fragments that the word lists hold as words but that are not the words a
# compound is made of ("betal-inger", "kunde-hen-ven-del-erne").
_NOT_PARTS = frozenset({
    "ende", "ene", "ens", "ere", "erne", "hed", "heder", "hen", "inger", "ing", "inge",
    "isk", "iske", "lig", "lige", "ning", "ninger", "else", "elser", "bar", "ist", "ister",
    "tion", "ion", "ness", "ment", "able", "ers", "ter", "ted",
})
_CACHE_LIMIT = 50_000
_RESPLIT = 8  # parts at least this long are split again
# A way to split the rest of a word: parts, minus the rarest part's Zipf value, minus
# their sum, linking letters, the parts' (start, end): the smallest is the best.
_Way = tuple[int, float, float, int, tuple[tuple[int, int], ...]]


class Splitter:
    """Splits words of a language into the words they are made of (see the module
    docstring). Remembers the words it was asked about (up to a bound), as articles
    repeat their words: make one per batch of articles, not one for good."""

    def __init__(self, background: Background) -> None:
        self.background = background
        self._seen: dict[tuple[str, str], tuple[str, ...]] = {}

    def split(self, word: str, language: str) -> tuple[str, ...]:
        """The parts of lower-case ``word`` in ``language`` ("da"/"en"), () if it is not
        a compound. ``language`` "" (a topic's, when it cannot be told): an English word
        the table knows is left whole, anything else is tried as Danish, then as English
        (an English article leaves "healthcare" whole, and so must the topic)."""
        if not language:
            if len(word) < MIN_WORD["da"] or self._english_not_danish(word):
                return ()
            return self.split(word, "da") or self.split(word, "en")
        if len(word) < MIN_WORD[language] or not word.isalpha():
            return ()
        if language == "en" and self._known_english(word):
            return ()  # most long English words: answered without remembering them
        key = (word, language)
        found = self._seen.get(key)
        if found is None:
            found = self._split(word, language)
            if len(self._seen) >= _CACHE_LIMIT:
                self._seen.clear()
            self._seen[key] = found
        return found

    def _split(self, word: str, language: str) -> tuple[str, ...]:
        n = len(word)
        spans = [(i, j) for i in range(n) for j in range(i + MIN_PART, n + 1)
                 if (i, j) != (0, n)]
        subs = [word[i:j] for i, j in spans]
        kind = "d" if language == "da" else "e"
        zipf = self.background.lookup(kind, subs)
        if language == "da":  # a last part: any inflection of a common word
            last = [k for k, (_i, j) in enumerate(spans) if j == n and j - spans[k][0] >= 4]
            # stems of fragments: not worth a place in stem()'s cache
            stems = self.background.stem_zipf([stem_once(subs[k], "da") for k in last])
            zipf[last] = np.maximum(zipf[last], stems)
        stop = STOP_WORDS[language]
        good = {span: float(z) for span, sub, z in zip(spans, subs, zipf.tolist(), strict=True)
                if z >= MIN_ZIPF[language] and sub not in stop and sub not in _NOT_PARTS}
        # best[i]: the best way (see _Way) to split the rest of the word from i
        best: dict[int, _Way] = {n: (0, -99.0, 0.0, 0, ())}
        for i in range(n - 1, -1, -1):
            options: list[_Way] = []
            for j in range(i + MIN_PART, n + 1):
                z = good.get((i, j))
                if z is None:
                    continue
                nexts = [j] + ([j + 1] if j < n and language == "da" and word[j] in _LINKS
                               else [])
                for k in nexts:
                    rest = best.get(k)
                    if rest is not None and (k < n or k == j):
                        options.append((rest[0] + 1, max(rest[1], -z), rest[2] - z,
                                        rest[3] + (k - j), ((i, j), *rest[4])))
            if options:
                best[i] = min(options)
        found = best.get(0)
        whole = self.background.lookup(kind, [word])[0] if language == "da" else 0.0
        if found is None or found[0] < 2 or -found[1] < whole:
            return ()  # not a compound, or one more common than a part of it ("betal-ing")
        # a long part that is a compound itself is split too: "havvindmølle-parker" has
        # the parts of "vindmøller" (short ones are left: "genbrug" is not gen + brug)
        return tuple(piece for i, j in found[4]
                     for piece in ((self.split(word[i:j], language) if j - i >= _RESPLIT else ())
                                   or (word[i:j],)))

    def _known_english(self, word: str) -> bool:
        return bool(self.background.stem_zipf([stem(word, "en")])[0] >= _KNOWN_ENGLISH)

    def _english_not_danish(self, word: str) -> bool:
        """A common English word, or one whose stem is known and that is no common Danish
        word (the stem table holds Danish stems too: "madspild" is one)."""
        if self.background.lookup("e", [word])[0] >= MIN_ZIPF["en"]:
            return True
        danish = self.background.lookup("d", [word])[0] >= MIN_ZIPF["da"]
        return not danish and self._known_english(word)
