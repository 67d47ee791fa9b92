"""``kaffe guard --lines`` throughput and the memory its classifier adds (issue 16).

1,000 lines (the labelled sentences of tests/data/guard, in order, repeated to 1,000)
judged by the path ``kaffe guard --lines`` takes (``run_guard``), next to the same
path with the patterns alone (the guard before the classifier), in the same process.
Memory: VmRSS of a fresh interpreter that imported the guard, before and after the
model is loaded and the 1,000 lines judged. Targets (issue 16): < 1 s for 1,000 lines,
< 30 MB added. Numbers are printed, never asserted.

Run by hand: ``.venv/bin/python bench/guard.py [--lines 1000]``.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.table import Row, print_table  # noqa: E402

DATA = ROOT / "tests" / "data" / "guard"


def sample(count: int) -> str:
    """``count`` lines of labelled sentences (asks and ok lines, en and da)."""
    texts = [json.loads(line)["text"] for name in ("train.jsonl", "test.jsonl")
             for line in (DATA / name).read_text("utf-8").splitlines() if line.strip()]
    return "\n".join(texts[i % len(texts)] for i in range(count)) + "\n"


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def child(count: int) -> dict[str, float]:
    """In a fresh interpreter: memory before/after the model, and both timings."""
    from kaffe.cli.guard import run_guard
    from kaffe.config.schema import GuardConfig

    text = sample(count)
    config = GuardConfig()
    before = rss_kb()
    start = time.perf_counter()
    run_guard(io.StringIO("Thanks for the coffee.\n"), io.StringIO(), config, lines=True)
    first = time.perf_counter() - start  # loads the model, the stemmers, the language profiles
    loaded = rss_kb()
    timings: dict[str, float] = {}
    for name, model in (("patterns", False), ("model", True)):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            run_guard(io.StringIO(text), io.StringIO(), config, lines=True, model=model)
            best = min(best, time.perf_counter() - start)
        timings[name] = best
    out = io.StringIO()
    run_guard(io.StringIO(text), out, config, lines=True)
    blocked = sum(1 for line in out.getvalue().splitlines() if line != "ok")
    return {"before_kb": before, "loaded_kb": loaded, "after_kb": rss_kb(), "first_s": first,
            "model_s": timings["model"], "patterns_s": timings["patterns"],
            "blocked": blocked, "lines": count, "numpy": float("numpy" in sys.modules)}


def rows(args: argparse.Namespace) -> list[Row]:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                           str(args.lines)], check=True, stdout=subprocess.PIPE, text=True)
    m = json.loads(done.stdout.strip().splitlines()[-1])
    added = (m["after_kb"] - m["before_kb"]) / 1024
    ratio = m["model_s"] / m["patterns_s"] if m["patterns_s"] else float("inf")
    n = int(m["lines"])
    return [
        ("guard", f"kaffe guard --lines, {n} lines (s)", f"{m['model_s']:.3f}",
         f"{m['patterns_s']:.3f}", f"{ratio:.1f}x", "< 1 s", "yes" if m["model_s"] < 1 else "no"),
        ("guard", "first verdict, loading the model (s)", f"{m['first_s']:.3f}", "—", "—", "—",
         "—"),
        ("guard", "memory the model adds (MB)", f"{added:.1f}", "—", "—", "< 30 MB",
         "yes" if added < 30 else "no"),
        ("guard", f"lines blocked of {n} (asks and ok lines)", f"{int(m['blocked'])}", "—", "—",
         "—", "—"),
        ("guard", "numpy imported by the guard", "yes" if m["numpy"] else "no", "—", "—", "no",
         "no" if m["numpy"] else "yes"),
    ]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=1000)
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    print_table(rows(args), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
