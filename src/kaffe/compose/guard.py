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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from kaffe.config.schema import GuardConfig
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
    """Whether a text is blocked, the text that matched and the pattern it matched."""

    blocked: bool
    phrase: str = ""
    pattern: str = ""


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


def check(text: str, config: GuardConfig) -> GuardVerdict:
    """Block ``text`` when a default or configured pattern matches and no ``allow``
    pattern overlaps the match; the verdict names the phrase as written in ``text``."""
    if not config.enabled:
        return GuardVerdict(False)
    plain = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    folded, where = normalise(text)
    allowed = [m.span() for a in _compiled(config.allow) for m in a.finditer(folded)]
    for pattern, start, end in _matches(folded, DEFAULT_PATTERNS + tuple(config.patterns)):
        if not any(a < end and start < b for a, b in allowed):
            phrase = plain[where[start] : where[end - 1] + 1]
            return GuardVerdict(True, phrase, pattern.pattern)
    return GuardVerdict(False)


def check_draft(draft: Draft, config: GuardConfig) -> GuardVerdict:
    """A rendered draft as the executor and ``kaffe plan`` check it: subject and body."""
    return check(f"{draft.subject}\n{draft.body}", config)


def _matches(folded: str, patterns: tuple[str, ...]) -> Iterator[tuple[re.Pattern[str], int, int]]:
    for pattern in _compiled(patterns):
        for found in pattern.finditer(folded):
            if found.end() > found.start():
                yield pattern, found.start(), found.end()
