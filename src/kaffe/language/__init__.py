"""Which language a short text is in: a mail subject, Gmail's snippet, a meeting title.

A naive Bayes model over character 1-, 2- and 3-grams, restricted to the languages kaffe
has templates for (``profiles.tsv``, cut from the profiles inside the ``langdetect``
package by ``bench/language_profiles.py``). Chosen by measurement on
``tests/data/language/short.jsonl`` against lingua-language-detector and langdetect
(``bench/language.py``, ``bench/RESULTS.md``): as accurate on en/da subjects and snippets
as lingua's high-accuracy mode, for about 0.4 MB instead of 14-75 MB.

:func:`identify` is a pure function of the text. The model is read from the package on
first use and kept: it is data, the same for every caller.
"""

from __future__ import annotations

import math
import re
from array import array
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Below this confidence a verdict is not evidence: the next source decides.
CONFIDENCE_FLOOR = 0.9
# Reply and forward prefixes are the mail client's language, not the writer's.
_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|sv|vs|aw|wg|ang|tr)\s*(?:\[\d+\])?\s*:\s*)+",
                     re.IGNORECASE)
_NOISE = re.compile(r"\S+@\S+|\w+://\S+|www\.\S+")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")  # "let's" is "lets", not "let s"
ORDERS = (1, 2, 3)
FULL_LETTERS = 12


@dataclass(frozen=True, slots=True)
class Guess:
    """A language and how sure: 0.5 is a coin toss between two, 1.0 certain."""

    language: str  # two-letter code, "" when the text has no letters
    confidence: float


@dataclass(frozen=True, slots=True)
class Choice:
    """A language to write in and the evidence that chose it (kaffe.rules.language)."""

    language: str
    reason: str  # "en: 3 of their last 3 mails are in English"


@dataclass(frozen=True)
class _Model:
    languages: tuple[str, ...]
    # n-gram -> its row in ``logs``, which holds ln P of each language, row after row
    # (one flat array: a tuple of floats per n-gram cost twice the memory)
    rows: dict[str, int]
    logs: array[float]


@cache
def _model() -> _Model:
    text = resources.files(__package__).joinpath("profiles.tsv").read_text(encoding="utf-8")
    languages: tuple[str, ...] = ()
    rows: dict[str, int] = {}
    logs = array("f")
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        gram, *values = line.split("\t")
        if gram == "languages":
            languages = tuple(values)
            continue
        # "unseen1".."unseen3": rows 0-2, what a missing n-gram of that length scores
        rows[gram] = len(rows)
        logs.extend(float(v) for v in values)
    return _Model(languages, rows, logs)


def languages() -> tuple[str, ...]:
    """The languages :func:`identify` can answer."""
    return _model().languages


def clean(text: str) -> str:
    """The words of ``text`` that say something about its language, lower-cased."""
    text = _NOISE.sub(" ", _PREFIX.sub("", text))
    return _NOT_LETTERS.sub(" ", _APOSTROPHE.sub("", text.lower())).strip()


def identify(text: str, among: tuple[str, ...] | None = None) -> Guess:
    """The language of ``text`` among ``among`` (default: all of :func:`languages`).

    Confidence is the logistic of the log-likelihood margin between the best language
    and the runner-up, per n-gram order (so roughly per letter of evidence), scaled down
    for texts under FULL_LETTERS letters: one short word lands near 0.5-0.8, a
    sentence near 1.0.
    """
    model = _model()
    words = clean(text)
    wanted = [i for i, lang in enumerate(model.languages) if among is None or lang in among]
    if not words or not wanted:
        return Guess("", 0.0)
    if len(wanted) == 1:
        return Guess(model.languages[wanted[0]], 1.0)
    padded = f" {words} "
    scores = [0.0] * len(model.languages)
    width, rows, logs = len(model.languages), model.rows, model.logs
    for n in ORDERS:
        unseen = n - 1  # the row of "unseen<n>"
        for start in range(len(padded) - n + 1):
            gram = padded[start:start + n]
            if gram.isspace():
                continue
            row = rows.get(gram, unseen) * width
            for i in wanted:
                scores[i] += logs[row + i]
    ranked = sorted(wanted, key=lambda i: -scores[i])
    margin = (scores[ranked[0]] - scores[ranked[1]]) / len(ORDERS)
    # A word or two says little however clear its n-grams look ("meet" looks Danish):
    # below FULL_LETTERS letters the margin counts in proportion.
    letters = len(words) - words.count(" ")
    margin *= min(1.0, letters / FULL_LETTERS)
    confidence = 1.0 / (1.0 + math.exp(-min(margin, 50.0)))
    return Guess(model.languages[ranked[0]], round(confidence, 4))
