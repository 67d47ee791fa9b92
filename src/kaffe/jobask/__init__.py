"""Does a sentence ask the reader for a job? A small neural network (one hidden layer)
for English and Danish over word, word-pair, in-word character n-gram and word-class
features, trained on ``tests/data/guard`` by ``tools/train_guard.py`` and shipped as
``model.tsv`` (feature -> a row of int8 weights, pruned; the features, the network's
other weights and the per-language thresholds in its header).

Scoring is pure Python: no numpy, no scikit-learn at run time. :func:`score` is a pure
function of the sentence and its language; the model is read from the package on first
use and kept (it is data, the same for every caller). :func:`sentences` cuts mail text
into the sentences the model judges.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from hashlib import blake2b
from importlib import resources
from operator import add, mul
from typing import Any, TypeVar

T = TypeVar("T")
LANGUAGES = ("en", "da")
_STEMMERS = {"en": "english", "da": "danish"}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_WORD = re.compile(r"\w+(?:'\w+)*")
_URL = re.compile(r"(?:\w+://|www\.)\S+|\S+@\S+\.\w+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Options:
    """Which features a sentence has (chosen by cross-validation; the model's header)."""

    words: bool = True  # w:<word>
    bigrams: bool = True  # b:<word> <word>, with <s> and </s> at the ends
    stems: bool = True  # s:<snowball stem> in the sentence's language
    stem_bigrams: bool = False  # t:<stem> <stem>
    chars: tuple[int, ...] = ()  # c:<n-gram> inside " word ", for each n given
    classes: bool = False  # k:<class>, k:<class>+<class>...: who and what (CLASSES)
    sequence: bool = False  # q:<class> <class> [<class>]: the classes in their order
    class_scale: float = 1.0  # the value of k: and q: features (others: 1)
    normalise: bool = True  # scale the feature vector to unit length

    def as_json(self) -> str:
        return json.dumps({"words": self.words, "bigrams": self.bigrams, "stems": self.stems,
                           "stem_bigrams": self.stem_bigrams, "chars": list(self.chars),
                           "classes": self.classes, "sequence": self.sequence,
                           "class_scale": self.class_scale,
                           "normalise": self.normalise},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Options:
        raw = json.loads(text)
        return cls(words=raw["words"], bigrams=raw["bigrams"], stems=raw["stems"],
                   stem_bigrams=raw["stem_bigrams"], chars=tuple(raw["chars"]),
                   classes=raw.get("classes", False), sequence=raw.get("sequence", False),
                   class_scale=raw.get("class_scale", 1.0),
                   normalise=raw["normalise"])


# Word classes shared by both languages: who is speaking about whom, and about what. A
# word is in a class when it is listed or starts with a listed prefix ("ansæt" covers
# "ansætte", "ansættelse"). Written from the task ("asking the reader for work"), not
# from the labelled sentences; whether they help is decided by cross-validation.
_CLASS_WORDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "self": (frozenset("i me my mine myself i'm i'd i've i'll im id ive jeg mig min mit mine "
                       "selv".split()), ()),
    "you": (frozenset("you your yours you're you'd you've you'll yourself y'all guys dig din "
                      "dit dine du jer jeres".split()), ()),
    "third": (frozenset("he she him her his hers they them their han hun ham hende hans hendes "
                        "de dem deres friend friends colleague colleagues kollega kolleger "
                        "kollegaer ven venner veninde studiekammerat someone somebody nogen "
                        "anyone candidates kandidater".split()), ()),
    "job": (frozenset("job jobs position positions role roles opening openings vacancy post "
                      "posts opportunity opportunities hire hiring hired employ employer "
                      "candidate candidacy cv resume résumé resumé interview interviews "
                      "internship intern interns trainee traineeship contract contractor "
                      "freelance freelancer freelancing consultant consulting assignment "
                      "assignments gig gigs seat spot headcount staffed staffing recruiter "
                      "recruiters recruiting application applications apply applying "
                      "stilling stillinger plads pladser praktik praktikant elev studiejob "
                      "opgave opgaver kontrakt konsulent samtale jobsamtale kandidat "
                      "arbejdsplads arbejde ansøgning ansøgninger".split()),
            ("ansæt", "ansøg", "rekrut", "jobs", "stilling", "praktik", "freelanc",
             "konsulent", "employ", "recruit", "vikar", "medarbejder", "headhunt")),
    "ask": (frozenset("could would can might may will please any anything kan kunne vil ville "
                      "må mon skulle nogen noget nogle husk tænk glem skriv sig lad "
                      "let keep think remember consider forget mind".split()), ()),
    "if": (frozenset("if when whenever case should hvis når skulle ifald".split()), ()),
    "avail": (frozenset("available free open start starting between ledig ledige klar "
                        "starte tilgængelig begin".split()), ()),
    "want": (frozenset("love like interested keen jump dream eager hope hoping want gerne "
                       "elske interesseret drøm håber vil ønsker glad".split()), ()),
    "join": (frozenset("join joining work working come aboard onboard team teams crew group "
                       "firm company office unit department med ind team hold gruppe "
                       "afdeling firma virksomhed enhed".split()), ()),
}


@dataclass(frozen=True)
class Model:
    """A network with one hidden layer of ReLU units over a sentence's features: each
    feature has a row of weights, one per unit; a unit adds up the rows of the features
    present (each times its value) and its bias, and the score is the logistic of the
    output bias plus the output weights times the units that came out positive. One
    layer lets a word count by its company ("I" + "you" + a job word is not the sum of
    the three), which a linear model cannot.

    Compact: a 64-bit hash (BLAKE2b) of each feature name, sorted, and its row as eight-bit
    integers (a scale per unit turns them back into weights): 25,000 features x 16 units
    take 600 kB in `kaffe run`. Names are not kept: scoring computes them from the text.
    Two names of the model sharing a hash is an error at build time; an unseen feature
    hitting one has odds of about 25,000 in 2**64."""

    options: Options
    thresholds: dict[str, float]  # language -> the least score that blocks
    keys: array[int]  # the features' hashes, ascending
    rows: array[int]  # int8: the row of feature i is rows[i * units:(i + 1) * units]
    scale: tuple[float, ...]  # per unit: the weight of one step of its int8 column
    hidden_bias: tuple[float, ...]
    output: tuple[float, ...]  # per unit: its weight in the output
    bias: float  # the output's

    @classmethod
    def build(cls, options: Options, thresholds: Mapping[str, float],
              rows: Mapping[str, Sequence[float]], hidden_bias: Sequence[float],
              output: Sequence[float], bias: float) -> Model:
        """A model from weights as the trainer has them (floats; see :func:`quantise`)."""
        steps, scale = quantise(rows, len(output))
        return cls.from_steps(options, thresholds, steps, scale, hidden_bias, output, bias)

    @classmethod
    def from_steps(cls, options: Options, thresholds: Mapping[str, float],
                   steps: Mapping[str, Sequence[int]], scale: Sequence[float],
                   hidden_bias: Sequence[float], output: Sequence[float],
                   bias: float) -> Model:
        pairs = sorted((_hash(name), row) for name, row in steps.items())
        keys = array("Q", (k for k, _ in pairs))
        if any(a == b for a, b in zip(keys, keys[1:], strict=False)):
            raise ValueError("two features of the model share a hash")
        rows = array("b")
        for _, row in pairs:
            rows.extend(row)
        return cls(options, dict(thresholds), keys, rows, tuple(scale),
                   tuple(round(b, 6) for b in hidden_bias), tuple(round(w, 6) for w in output),
                   round(bias, 6))

    @property
    def units(self) -> int:
        return len(self.output)

    def __len__(self) -> int:
        return len(self.keys)


def quantise(rows: Mapping[str, Sequence[float]],
             units: int) -> tuple[dict[str, list[int]], tuple[float, ...]]:
    """Rows of float weights as int8 steps, and each unit's step (its column's largest
    |weight| / 127, to six significant digits)."""
    if any(len(r) != units for r in rows.values()):
        raise ValueError(f"every row needs {units} weights, one per unit")
    largest = [max((abs(r[h]) for r in rows.values()), default=0.0) for h in range(units)]
    scale = tuple(float(f"{m / 127:.6g}") if m else 1.0 for m in largest)
    steps = {name: [max(-127, min(127, round(w / s))) for w, s in zip(r, scale, strict=True)]
             for name, r in rows.items()}
    return steps, scale


def _hash(name: str) -> int:
    return int.from_bytes(blake2b(name.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class Score:
    """The model's word on one sentence: a probability-like score, the threshold of the
    language it was judged in, and the features that pushed it up most."""

    score: float  # the logistic of the network's output, 0..1
    threshold: float
    language: str
    top: tuple[str, ...]  # the words/phrases with the largest positive contributions

    @property
    def blocked(self) -> bool:
        return self.score >= self.threshold


def tokens(text: str) -> list[str]:
    """Folded words of ``text``: NFKC, case-folded, plain apostrophes, URLs and addresses
    as ``<url>``, digits as ``0``."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    text = _URL.sub(" urlx ", text)
    return [_DIGITS.sub("0", w) for w in _WORD.findall(text)]


@cache
def _stemmer(language: str) -> Any:
    # Imported here: a model without stems never pays for the stemmer (0.7 MB). Snowball
    # stemmers keep state between calls: one per language (kaffe judges on one thread).
    import snowballstemmer

    return snowballstemmer.stemmer(_STEMMERS[language])


def features(text: str, language: str, options: Options) -> dict[str, float]:
    """The feature vector of a sentence: feature name -> value."""
    words = tokens(text)
    found: dict[str, float] = {}

    def add(names: Iterable[str], value: float = 1.0) -> None:
        for name in names:
            found[name] = value

    if options.words:
        add(f"w:{w}" for w in words)
    if options.bigrams:
        padded = ["<s>", *words, "</s>"]
        add(f"b:{a} {b}" for a, b in zip(padded, padded[1:], strict=False))
    if options.stems or options.stem_bigrams:
        stems = _stemmer(language if language in _STEMMERS else "en").stemWords(words)
        if options.stems:
            add(f"s:{s}" for s in stems)
        if options.stem_bigrams:
            add(f"t:{a} {b}" for a, b in zip(stems, stems[1:], strict=False))
    for n in options.chars:
        for w in words:
            padded_word = f" {w} "
            add(f"c:{padded_word[i:i + n]}" for i in range(len(padded_word) - n + 1))
    if options.classes:
        add(_class_features(text, words, language), options.class_scale)
    if options.sequence:
        classes = (_classes_of(w, language) for w in words)
        labels = ["<s>"] + [c[0] for c in classes if c] + ["</s>"]
        add((f"q:{a} {b}" for a, b in zip(labels, labels[1:], strict=False)),
            options.class_scale)
        add((f"q:{a} {b} {c}" for a, b, c in zip(labels, labels[1:], labels[2:], strict=False)),
            options.class_scale)
    if options.normalise and found:
        scale = 1.0 / math.sqrt(sum(v * v for v in found.values()))
        found = {name: value * scale for name, value in found.items()}
    return found


# word -> its classes, in the order of _CLASS_WORDS (constant data, built once)
_EXACT: dict[str, tuple[str, ...]] = {}
for _name, (_words, _) in _CLASS_WORDS.items():
    for _word in _words:
        _EXACT[_word] = (*_EXACT.get(_word, ()), _name)
_PREFIXED = tuple((name, prefixes) for name, (_, prefixes) in _CLASS_WORDS.items() if prefixes)
_ORDER = {name: i for i, name in enumerate(_CLASS_WORDS)}


def _classes_of(word: str, language: str = "en") -> list[str]:
    if word == "i" and language == "da":
        return []  # Danish "i" is "in" (and "I" is "you": see _class_features)
    found = list(_EXACT.get(word, ()))
    for name, prefixes in _PREFIXED:
        if name not in found and word.startswith(prefixes):
            found.append(name)
    return sorted(found, key=_ORDER.__getitem__) if len(found) > 1 else found


def _class_features(text: str, words: list[str], language: str) -> list[str]:
    present: set[str] = set()
    for word in words:
        present.update(_classes_of(word, language))
    if language == "da" and re.search(r"(?<!^)\bI\b|^I\b(?! [a-zæøå]+ing\b)", text.strip()):
        # Danish "I" is "you" (plural); "i" is "in"
        present.add("you")
    if text.rstrip().endswith("?"):
        present.add("question")
    ordered = sorted(present)
    out = [f"k:{c}" for c in ordered]
    out += [f"k:{a}+{b}" for i, a in enumerate(ordered) for b in ordered[i + 1:]]
    out += [f"k:{a}+{b}+{c}" for i, a in enumerate(ordered) for j, b in enumerate(ordered[i + 1:])
            for c in ordered[i + j + 2:]]
    return out


_LINE = re.compile(r"^([^\t\n#@][^\t\n]*)\t([0-9a-f]+)$", re.MULTILINE)
_HEADER = re.compile(r"^@(\w+)\t([^\n]*)$", re.MULTILINE)


def parse(text: str) -> Model:
    """A model from the text of a ``model.tsv``: ``@options``, ``@threshold``, the
    network's ``@scale``, ``@hidden_bias``, ``@output`` and ``@bias`` lines, then a
    ``feature<TAB>row`` line per feature (its int8 weights, one per unit, as hex bytes)
    in the order of their hashes (as ``tools/train_guard.py`` writes them), read one at
    a time into the arrays: no dict of names, not even for a moment."""
    options = Options()
    thresholds: dict[str, float] = {}
    head: dict[str, list[float]] = {}
    for found in _HEADER.finditer(text):
        key, value = found.groups()
        if key == "options":
            options = Options.from_json(value)
        elif key == "threshold":
            language, _, number = value.partition("\t")
            thresholds[language] = float(number)
        else:
            head[key] = [float(v) for v in value.split("\t")]
    missing = {"scale", "hidden_bias", "output", "bias"} - set(head)
    if missing:
        raise ValueError(f"model: no {', '.join(sorted(missing))} line")
    units = len(head["output"])
    keys: array[int] = array("Q")
    rows: array[int] = array("b")
    for found in _LINE.finditer(text):
        key = _hash(found.group(1))
        if keys and key <= keys[-1]:
            raise ValueError(f"model: {found.group(1)!r} is out of hash order")
        row = bytes.fromhex(found.group(2))
        if len(row) != units:
            raise ValueError(f"model: {found.group(1)!r} has {len(row)} weights, not {units}")
        keys.append(key)
        rows.frombytes(row)
    return Model(options, thresholds, keys, rows, tuple(head["scale"]),
                 tuple(head["hidden_bias"]), tuple(head["output"]), head["bias"][0])


def hex_row(steps: Sequence[int]) -> str:
    """A row of int8 steps as ``model.tsv`` keeps it (two's complement, hex)."""
    return array("b", steps).tobytes().hex()


def ordered(rows: Mapping[str, T]) -> list[tuple[str, T]]:
    """Features and their weights in the order ``model.tsv`` keeps them: by hash."""
    return sorted(rows.items(), key=lambda item: _hash(item[0]))


@cache
def model() -> Model:
    """The shipped model, read once per process."""
    return parse(resources.files(__package__).joinpath("model.tsv").read_text("utf-8"))


_CLASS_LABELS = {"self": "I/me", "you": "you", "third": "someone else", "job": "job word",
                 "ask": "request", "if": "if/when", "avail": "available", "want": "would like",
                 "join": "join/team", "question": "question", "<s>": "start", "</s>": "end"}


def _readable(name: str) -> str:
    """A feature as a reader can check it: the word or phrase, or its classes in
    brackets ("[I/me + you + job word]"); "" for a character n-gram."""
    kind, text = name[0], name[2:]
    if kind in "wbst":
        return text.replace("<s>", "").replace("</s>", "").strip()
    if kind == "k":
        ordered = sorted(text.split("+"), key=lambda c: _ORDER.get(c, len(_ORDER)))
        return "[" + " + ".join(_CLASS_LABELS.get(c, c) for c in ordered) + "]"
    if kind == "q":
        return "[" + " … ".join(_CLASS_LABELS.get(c, c) for c in text.split()) + "]"
    return ""


def _units(found: Mapping[str, float],
           fitted: Model) -> tuple[list[float], list[tuple[str, float, array[int]]]]:
    """The hidden units' inputs (before ReLU) for a feature vector, and the features the
    model has (name, value, row). Rows of features with the same value are summed as
    integers first (a sentence's features share one or two values)."""
    keys, rows, units = fitted.keys, fitted.rows, fitted.units
    last = len(keys)
    sums: dict[float, list[int]] = {}
    present = []
    for name, value in found.items():
        key = _hash(name)
        at = bisect_left(keys, key)
        if at == last or keys[at] != key:
            continue
        row = rows[at * units:(at + 1) * units]
        present.append((name, value, row))
        total = sums.get(value)
        sums[value] = list(map(add, total, row)) if total else list(row)
    inputs = list(fitted.hidden_bias)
    for value, total in sums.items():
        inputs = [x + value * s * t for x, s, t in zip(inputs, fitted.scale, total, strict=True)]
    return inputs, present


def _output(inputs: Sequence[float], fitted: Model) -> float:
    """The logistic of the network's output for the hidden units' ``inputs`` (ReLU),
    to 4 decimals."""
    linear = fitted.bias + sum(w * x for w, x in zip(fitted.output, inputs, strict=True)
                               if x > 0.0)
    return round(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, linear)))), 4)


def probability(found: Mapping[str, float], fitted: Model) -> float:
    """The model's score of a feature vector (the logistic of its output), 4 decimals."""
    inputs, _ = _units(found, fitted)
    return _output(inputs, fitted)


def score(text: str, language: str, fitted: Model | None = None, *, top: int = 3) -> Score:
    """How much ``text`` (one sentence) reads like a job ask, in ``language``. The
    features named as the reason are those whose weights pushed the output up most
    through the units that fired (the gradient times the input, exact for ReLU)."""
    fitted = fitted or model()
    lang = language if language in fitted.thresholds else "en"
    found = features(text, lang, fitted.options)
    inputs, present = _units(found, fitted)
    gain = [w * s if x > 0.0 else 0.0
            for w, s, x in zip(fitted.output, fitted.scale, inputs, strict=True)]
    parts = [(value * sum(map(mul, row, gain)), name) for name, value, row in present]
    pushing = sorted((p for p in parts if p[0] > 0), key=lambda p: (-p[0], p[1]))
    names: list[str] = []
    for _, name in pushing:
        shown = _readable(name)
        if shown and shown not in names:
            names.append(shown)
        if len(names) == top:
            break
    return Score(_output(inputs, fitted), fitted.thresholds.get(lang, 0.5), lang, tuple(names))


# --- sentences ---------------------------------------------------------------------

# Words with a full stop that do not end a sentence (folded, without the final ".").
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr prof inc ltd co jr sr st no approx dept p.s ps cf al "
    "f.eks bl.a ca mv osv evt dvs ang vedr jf mht pga hhv nr tlf kl inkl ekskl m.m m.v "
    "o.l s.u jan feb mar apr jun jul aug sep sept oct okt nov dec".split()
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)]|[a-z][.)])\s+")
# Words that open or close a mail ("Hi", "Venlig hilsen"), as a regex alternation.
_OPENERS = (r"hi|hello|hey|dear|hej|kære|goddag|godmorgen|best|regards|cheers|thanks|"
            r"thank you|kind regards|best regards|all the best|mvh|venlig hilsen|"
            r"de bedste hilsner|hilsen|tak|kh|vh|bh")
_GREETING = re.compile(
    rf"^\s*(?:{_OPENERS}|p\.? ?s\.?)\b[^.!?]{{0,40}}[,:!]?\s*$",
    re.IGNORECASE,
)
# A salutation or a sign-off: an opening or closing word, then only names (capitalised
# words, initials) joined by "and"/"og"/"&", or "all"/"alle": "Hi Lea and Jo,", "Kære
# alle", "Best, Mette". It addresses someone and asks nothing, so the model does not
# judge it (a short line of two unusual names is far from any sentence it learnt from).
_NAME = r"(?:[A-ZÆØÅ][\w'’-]*\.?|(?i:all|alle|everyone|sammen|team))"
_SALUTATION = re.compile(
    rf"^\s*(?i:{_OPENERS}|hejsa|venlige hilsner|mange hilsner)\b[,:!]?"
    rf"(?:\s+{_NAME}(?:\s+(?:and|og|&)\s+{_NAME}|,?\s+{_NAME}){{0,5}})?\s*[,:!.]?\s*$"
)


def salutation(sentence: str) -> bool:
    """Whether ``sentence`` is only a greeting or a sign-off with names ("Hi Lea and
    Jo,", "Mange hilsner Ana"): a line the model does not judge (the patterns do). A
    word of the classes I/me, job, available or would-like is no name ("Thanks Ana, I
    Would Love A Job")."""
    if not _SALUTATION.match(sentence):
        return False
    return not any(c in ("self", "job", "avail", "want")
                   for w in tokens(sentence) for c in _classes_of(w))


_END = re.compile(r"[.!?…]+[\"')\]»”’]*(?=\s)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of mail text ``text``.

    Lines are joined when a sentence is wrapped over them; a blank line, a list item, a
    greeting or sign-off line ("Hi Ana,", "Best,", "Venlig hilsen") and a quoted line
    (">") each stand alone. Within a paragraph a sentence ends at ``.``, ``!``, ``?`` or
    ``…`` followed by white space, except after an abbreviation ("e.g.", "f.eks.",
    "P.S.") or inside a URL or address.
    """
    spans: list[tuple[int, int]] = []
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        here = offset
        offset += len(line)
        stripped = body.strip()
        alone = bool(_LIST_ITEM.match(body) or _GREETING.match(body) or stripped[:1] == ">")
        if not stripped or alone:
            if start is not None:
                blocks.append((start, end))
                start = None
            if stripped:
                blocks.append((here, here + len(body)))
            continue
        if start is None:
            start = here
        end = here + len(body)
    if start is not None:
        blocks.append((start, end))
    for first, last in blocks:
        spans.extend(_split(text, first, last))
    return [(a, b) for a, b in spans if any(c.isalnum() for c in text[a:b])]


def _split(text: str, first: int, last: int) -> list[tuple[int, int]]:
    block = text[first:last]
    urls = [m.span() for m in _URL.finditer(block)]
    out: list[tuple[int, int]] = []
    begin = 0
    for found in _END.finditer(block):
        stop = found.end()
        if any(a <= found.start() < b for a, b in urls):
            continue
        word = block[:found.start() + 1].split()[-1].casefold() if block[:found.start()] else ""
        word = word.lstrip("(\"'«“").rstrip(".")
        if found.group().startswith(".") and (word in _ABBREVIATIONS or len(word) == 1):
            continue
        rest = block[stop:].lstrip()
        if rest and rest[0].islower():
            continue
        out.append((first + begin, first + stop))
        begin = stop
    if begin < len(block):
        out.append((first + begin, last))
    trimmed = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed
