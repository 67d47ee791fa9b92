"""Compare language identifiers on short mail texts (issue 15): accuracy per language,
en-vs-da confusion, time per text and the RSS that loading each one costs.

Data: ``tests/data/language/short.jsonl`` (430 subjects and snippets in en, da, sv, nb,
de). Every candidate is restricted to the languages kaffe has templates for (en, da)
and, where it can be, also run over all five. Each runs in its own interpreter, so the
RSS it reports is its own (measured after the interpreter imported json/re). Candidates
whose package is missing are skipped: ``pip install lingua-language-detector langdetect``.

    python bench/language.py [--results bench/LANGUAGE.md]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "language" / "short.jsonl"
TEMPLATES = ("en", "da")
ALL = ("en", "da", "sv", "nb", "de")
CANDIDATES = (
    ("kaffe.language", TEMPLATES),
    ("lingua-low", TEMPLATES), ("lingua-low", ALL),
    ("lingua-high", TEMPLATES), ("lingua-high", ALL),
    ("langdetect", TEMPLATES), ("langdetect", ALL),
)

CHILD = r'''
import json, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
which, langs, data = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
rows = [json.loads(line) for line in open(data, encoding="utf-8")]
import re, math, dataclasses, functools, importlib.resources  # what kaffe has loaded anyway
before = rss()
if which == "kaffe.language":
    from kaffe.language import identify
    def judge(text):
        g = identify(text, tuple(langs))
        return g.language, g.confidence
elif which.startswith("lingua"):
    from lingua import Language, LanguageDetectorBuilder
    names = {"en": Language.ENGLISH, "da": Language.DANISH, "sv": Language.SWEDISH,
             "nb": Language.BOKMAL, "de": Language.GERMAN}
    back = {v: k for k, v in names.items()}
    builder = LanguageDetectorBuilder.from_languages(*[names[x] for x in langs])
    if which == "lingua-low":
        builder = builder.with_low_accuracy_mode()
    detector = builder.with_preloaded_language_models().build()
    def judge(text):
        values = detector.compute_language_confidence_values(text)
        return (back[values[0].language], values[0].value) if values else ("", 0.0)
else:
    from langdetect import DetectorFactory, detector_factory
    from langdetect.lang_detect_exception import LangDetectException
    DetectorFactory.seed = 0
    detector_factory.init_factory()
    def judge(text):
        d = detector_factory._factory.create()
        d.append(text)
        try:
            found = d.get_probabilities()
        except LangDetectException:
            return "", 0.0
        found = [p for p in found if p.lang.replace("no", "nb") in langs]
        return (found[0].lang.replace("no", "nb"), found[0].prob) if found else ("", 0.0)
judge(rows[0]["text"])
loaded = rss()
start = time.perf_counter()
out = [judge(r["text"]) for r in rows]
took = time.perf_counter() - start
print(json.dumps({"rss_kb": loaded - before, "ms": took / len(rows) * 1000,
                  "out": [[r["lang"], l, c] for r, (l, c) in zip(rows, out)]}))
'''


def run(which: str, langs: tuple[str, ...]) -> dict | None:
    done = subprocess.run([sys.executable, "-c", CHILD, which, ",".join(langs), str(DATA)],
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    if done.returncode:
        print(f"  {which}: skipped ({done.stderr.strip().splitlines()[-1]})", file=sys.stderr)
        return None
    return json.loads(done.stdout)


HEADER = """# Language identifiers on short mail texts

`python bench/language.py --results bench/LANGUAGE.md` on {when}, {machine}.
Data: tests/data/language/short.jsonl, {n} subjects and snippets (en {en}, da {da},
sv, nb, de). Accuracy per language; for a language outside the candidate set, what it
was read as. en→da / da→en: confusions between kaffe's two template languages.
"≥ floor": kaffe.language's verdicts at or above its confidence floor among the en/da
items, and how many of those were wrong (the floor was set on this same set: there is
no second labelled language set). RSS: what loading the identifier (restricted as
shown) and judging the set added to a Python process.

"""


def main() -> None:
    import argparse
    import io
    import platform
    from datetime import UTC, datetime

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="also write the table here (markdown)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    out = io.StringIO()
    out.write(HEADER.format(when=datetime.now(UTC).date(), n=len(rows),
                            en=sum(r["lang"] == "en" for r in rows),
                            da=sum(r["lang"] == "da" for r in rows),
                            machine=f"Python {platform.python_version()}, "
                                    f"{os.cpu_count()} cores"))
    table(out)
    print(out.getvalue(), end="")
    if args.results is not None:
        args.results.write_text(out.getvalue(), encoding="utf-8")


def table(out: TextIO) -> None:
    def print(line: str) -> None:  # noqa: A001 (the table goes to ``out``)
        out.write(line + "\n")

    print("| identifier | languages | en | da | sv | nb | de | en→da | da→en "
          "| en/da ≥ floor (wrong) | ms/text | RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for which, langs in CANDIDATES:
        result = run(which, langs)
        if result is None:
            continue
        got = result["out"]
        cells = []
        for lang in ALL:
            items = [o for o in got if o[0] == lang]
            right = sum(1 for o in items if o[1] == lang)
            cells.append(f"{right / len(items):.3f}" if lang in langs else
                         "→" + "/".join(f"{x}{sum(1 for o in items if o[1] == x)}"
                                        for x in langs))
        en_da = sum(1 for o in got if o[0] == "en" and o[1] == "da")
        da_en = sum(1 for o in got if o[0] == "da" and o[1] == "en")
        floor = ""
        if which == "kaffe.language":
            from kaffe.language import CONFIDENCE_FLOOR
            kept = [o for o in got if o[0] in TEMPLATES and o[2] >= CONFIDENCE_FLOOR]
            wrong = sum(1 for o in kept if o[1] != o[0])
            total = sum(1 for o in got if o[0] in TEMPLATES)
            floor = f"{len(kept)}/{total} ({wrong}) at {CONFIDENCE_FLOOR}"
        print(f"| {which} | {','.join(langs)} | {' | '.join(cells)} | {en_da} | {da_en} "
              f"| {floor} | {result['ms']:.3f} | {result['rss_kb'] / 1024:.1f} |")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
