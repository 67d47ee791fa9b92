"""Build ``src/kaffe/language/profiles.tsv``: character 1-, 2- and 3-gram frequencies of
the languages kaffe has templates for, cut from the profiles that ship inside the
``langdetect`` package (Apache-2.0, built from Wikipedia by Nakatani Shuyo).

Run once when a template language is added (``pip install langdetect`` first); kaffe
itself never imports langdetect. Each language keeps its ``TOP`` most frequent
lower-case n-grams of each length as natural-log probabilities (rounded), so the file
is small and the model it makes holds about 3,000 n-grams in memory.

    python bench/language_profiles.py [--top 1000] [en da ...]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "kaffe" / "language" / "profiles.tsv"
TEMPLATES = ROOT / "src" / "kaffe" / "compose" / "templates"
NAMES = {"nb": "no"}  # langdetect's names where they differ from kaffe's


def build(languages: list[str], top: int) -> str:
    import langdetect

    source = Path(langdetect.__file__).parent / "profiles"
    profiles: dict[str, dict[str, float]] = {}
    for language in languages:
        data = json.loads((source / NAMES.get(language, language)).read_text("utf-8"))
        grams: dict[str, float] = {}
        for n in (1, 2, 3):
            total = data["n_words"][n - 1]
            counted = [(g, c) for g, c in data["freq"].items()
                       if len(g) == n and g == g.lower() and not any(ch.isdigit() for ch in g)]
            counted.sort(key=lambda gc: (-gc[1], gc[0]))
            for gram, count in counted[:top]:
                grams[gram] = round(math.log(count / total), 3)
        profiles[language] = grams
    languages = sorted(languages)
    # A gram a language lacks gets one nat less than its rarest kept gram of that length.
    unseen = {(lang, n): min(p for g, p in profiles[lang].items() if len(g) == n) - 1.0
              for lang in languages for n in (1, 2, 3)}
    lines = [f"# langdetect 1.0.9 profiles (Apache-2.0), top {top} n-grams per length: "
             "n-gram, then ln P per language (missing: one below the rarest)",
             "\t".join(["languages", *languages])]
    lines += ["\t".join([f"unseen{n}", *(f"{unseen[lang, n]:.3f}" for lang in languages)])
              for n in (1, 2, 3)]
    for gram in sorted({g for grams in profiles.values() for g in grams}):
        lines.append("\t".join([gram, *(f"{profiles[lang].get(gram, unseen[lang, len(gram)]):.3f}"
                                          for lang in languages)]))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=1000)
    parser.add_argument("languages", nargs="*",
                        default=sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir()))
    args = parser.parse_args()
    OUT.write_text(build(args.languages, args.top), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {args.languages}, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
