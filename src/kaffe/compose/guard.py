"""The guard: no draft may read like asking for a job ("Never chase with 'is there a
job for me now?'"). Phrase patterns in English and Danish, extended by ``[guard]
patterns`` and relaxed by ``[guard] allow``.

Text is normalised before matching: Unicode NFKC, case-folded, typographic
apostrophes made plain, and every run of whitespace and in-sentence punctuation
(commas, dashes, quotes, brackets, ellipses) turned into one space; ``.``, ``?``
and ``!`` stay. Patterns (the defaults and yours) are regular expressions over that
normalised text. An ``allow`` pattern un-blocks every blocking match it overlaps.

The defaults aim at *you asking them* for work: first person ("I'm looking for a
new job"), or a question to them ("are you hiring?", "har I en stilling til
mig?"). Statements about the world ("the job market in Denmark", "your team is
hiring engineers", "antallet af ledige stillinger steg") pass.

Patterns are the explainable backstop. Each sentence (:func:`kaffe.jobask.sentences`:
mail text with greetings, sign-offs, lists, URLs and "P.S.") is also judged by a
classifier trained on labelled sentences (:mod:`kaffe.jobask`), in the sentence's
language (English or Danish; the whole text's when the sentence alone cannot tell),
except a line that only greets or signs off with names ("Hi Lea and Jo,"). An
``allow`` pattern un-blocks a sentence it overlaps, whoever flagged it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from kaffe import jobask
from kaffe.config.schema import GuardConfig
from kaffe.language import CONFIDENCE_FLOOR, identify
from kaffe.model import Draft

_I_AM = r"(?:i am|i'm|im|i've been|i have been|am)(?: (?:currently|actively|now|still|also))?"
_ROLE = r"(?:job|position|role|post|opening|vacancy|opportunit(?:y|ies))"
_CV = r"(?:cv|resume|résumé|curriculum vitae)"

ENGLISH: tuple[str, ...] = (
    rf"\b(?:is|are) there (?:a|an|any) (?:\w+ )?{_ROLE}s? (?:for me|i could)\b",
    r"\bany (?:job |open |new )?(?:openings|vacancies)\b(?! (?:in|on) (?:your|the|my) "
    r"(?:calendar|schedule|diary|agenda))",
    r"\b(?:are|is) (?:you|your (?:team|company|firm|department|group|org|organisation|"
    r"organization)) (?:currently |still |by any chance |now )?hiring\b",
    r"\b(?:could|can|would|will) you (?:please |possibly |kindly )?(?:refer|recommend) me\b"
    r"(?! to (?:the|that|this|an?|your) (?:article|paper|book|post|link|report|talk|source))",
    rf"\b{_I_AM} (?:looking|searching|applying|hunting) for (?:a |an )?(?:new |next )?"
    rf"(?:job|position|role|work|opportunit)",
    rf"\b{_I_AM} (?:open to|available for) (?:new |a new )?{_ROLE}s?\b",
    rf"\b{_ROLE}s? (?:for me|i could apply for)\b",
    r"\bhire me\b",
    r"\bkeep me in mind (?:for|if)\b",
    rf"\bif you hear of (?:a|an|any) (?:\w+ )?{_ROLE}s?\b",
    rf"\blet me know if (?:a|an|any) (?:\w+ )?{_ROLE}s? (?:opens?|comes?|becomes?)\b",
    rf"\b(?:attached|enclosed|here) is my {_CV}\b",
    rf"\b(?:look at|forward|pass on|share) my {_CV}\b",
    r"\bput in a good word for me\b",
    r"\b(?:i|i'd|i would) (?:love|like) to work (?:for|with|at) (?:you|your)\b",
    r"\bmy job (?:search|hunt)\b",
)
DANISH: tuple[str, ...] = (
    r"\b(?:har|er der|findes der|kender du(?: til)?|hvis der (?:er|kommer|bliver))"
    r"(?: \w+){0,3} ledige? stilling(?:er)?\b",
    r"\bledige? stilling(?:er)? (?:hos|i|til) (?:jer|dig|mig|jeres|din|dit)\b",
    r"\bhar (?:i|du|jeres \w+) (?:en|nogen|et) (?:ledig |ledigt )?(?:stilling|job)(?: til mig)?\b",
    r"\b(?:kan|vil|kunne|ville) du (?:måske |evt |eventuelt )?anbefale mig "
    r"(?:til|hos|over for)\b",
    r"\bsøger (?:et )?nyt job\b",
    r"\b(?:jeg|vi) (?:søger|leder efter|er på udkig efter|er på jagt efter) (?:et |en )?"
    r"(?:nyt |ny )?(?:job|stilling|arbejde)\b",
    r"\bjob ?muligheder (?:for mig|til mig|hos (?:jer|dig))\b",
    r"\b(?:nogen|har i|er der) jobmuligheder\b",
    r"\bansætter (?:i|du|jeres \w+)(?: for tiden| stadig| nu| lige nu)? ?\?",
    r"\bmangler (?:i|du) (?:folk|medarbejdere|en \w+)(?: for tiden| lige nu)? ?\?",
    r"\bansætte mig\b",
    r"\b(?:tænk|husk|tænke|huske) på mig,? (?:hvis|når)\b",
    rf"\b(?:vedhæftet|her er|se) (?:mit|mit opdaterede) {_CV}\b",
    rf"\bsende (?:dig |jer )?mit {_CV}\b",
    r"\blægge et godt ord ind for mig\b",
    r"\bjeg er (?:åben for|ledig til) (?:et |en )?(?:nyt |ny )?(?:job|stilling)",
)
DEFAULT_PATTERNS: tuple[str, ...] = ENGLISH + DANISH

_SPACE = re.compile(r"[\s,;:\-\u2010-\u2015\"'“”‘’«»()\[\]{}…/*_]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


@dataclass(frozen=True)
class GuardVerdict:
    """Whether a text is blocked and why: the sentence that blocked, the phrase of it a
    pattern matched (or the whole sentence, for the model), and the pattern or the
    model's score, threshold and the words that weighed most."""

    blocked: bool
    phrase: str = ""
    pattern: str = ""  # "" when the model blocked
    sentence: str = ""
    score: jobask.Score | None = None

    @property
    def reason(self) -> str:
        """``pattern <regex>`` or ``model 0.97 >= 0.42 (en): "hire", "your team"``."""
        if not self.blocked:
            return ""
        if self.score is None:
            return f"pattern {self.pattern}"
        words = ", ".join(f'"{w}"' for w in self.score.top)
        return (f"model {self.score.score:.2f} >= {self.score.threshold:.2f} "
                f"({self.score.language}){': ' + words if words else ''}")


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as patterns see it, and for each of its characters the index of the
    character of ``text`` (after NFKC) it came from."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        # An apostrophe inside a word ("i'm") stays; elsewhere it is a quote.
        inner = char == "'" and 0 < i < len(text) - 1 and text[i - 1].isalnum()
        if _SPACE.match(char) and not inner:
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        for folded in char.casefold():
            out.append(folded)
            where.append(i)
    return "".join(out), where


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def check(text: str, config: GuardConfig, *, fitted: jobask.Model | None = None,
          model: bool = True) -> GuardVerdict:
    """Block ``text`` when a default or configured pattern matches, or the model judges
    a sentence a job ask, and no ``allow`` pattern overlaps the match (the sentence, for
    the model). The verdict quotes the text as written. ``fitted``: another model (the
    training script's); ``model=False``: patterns only."""
    if not config.enabled:
        return GuardVerdict(False)
    plain = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    folded, where = normalise(text)
    allowed = [(where[a], where[b - 1] + 1)
               for a, b in (m.span() for p in _compiled(config.allow) for m in p.finditer(folded)
                            if m.end() > m.start())]
    def sentence_at(start: int, end: int) -> str:
        for a, b in jobask.sentences(plain):
            if a <= start < b:
                return plain[a:max(b, min(end, len(plain)))]
        return plain[start:end]

    for pattern, start, end in _matches(folded, DEFAULT_PATTERNS + tuple(config.patterns)):
        first, last = where[start], where[end - 1] + 1
        if not any(a < last and first < b for a, b in allowed):
            return GuardVerdict(True, plain[first:last], pattern.pattern,
                                sentence_at(first, last))
    if not model:
        return GuardVerdict(False)
    # the whole text's language, found once and only when a sentence cannot tell
    whole_text = cache(lambda: identify(plain, jobask.LANGUAGES).language or "en")
    for a, b in jobask.sentences(plain):
        sentence = plain[a:b]
        if jobask.salutation(sentence):
            continue  # "Hi Lea and Jo,": addresses someone, asks nothing
        language = sentence_language(sentence, whole_text)
        judged = jobask.score(sentence, language, fitted)
        if judged.blocked and not any(x < b and a < y for x, y in allowed):
            return GuardVerdict(True, sentence, "", sentence, judged)
    return GuardVerdict(False)


def sentence_language(sentence: str, fallback: Callable[[], str]) -> str:
    """The language the model judges ``sentence`` in: its own when it can tell, else
    ``fallback()`` (the whole text's)."""
    guess = identify(sentence, jobask.LANGUAGES)
    if guess.confidence < CONFIDENCE_FLOOR:
        return fallback()
    return guess.language or fallback()


def check_patterns(text: str, config: GuardConfig) -> GuardVerdict:
    """The patterns alone (the baseline the model is measured against)."""
    return check(text, config, model=False)


def check_draft(draft: Draft, config: GuardConfig) -> GuardVerdict:
    """A rendered draft as the executor and ``kaffe plan`` check it: subject and body.

    A draft addressed only to its sender (a prep brief) asks no one for anything: it is
    held to the patterns alone, so that its prompts ("How can I be useful to you?") are
    not read as an ask."""
    me = draft.sender.email.casefold()
    to_others = any(r.email.casefold() != me for r in draft.to)
    return check(f"{draft.subject}\n\n{draft.body}", config, model=to_others)


def _matches(folded: str, patterns: tuple[str, ...]) -> Iterator[tuple[re.Pattern[str], int, int]]:
    for pattern in _compiled(patterns):
        for found in pattern.finditer(folded):
            if found.end() > found.start():
                yield pattern, found.start(), found.end()
