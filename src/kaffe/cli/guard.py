"""``kaffe guard``: check your own wording (and your ``[guard]`` patterns) against the
guard that every draft passes, reading standard input."""

from __future__ import annotations

from dataclasses import replace
from typing import TextIO

from kaffe.compose.guard import GuardVerdict, check
from kaffe.config.schema import GuardConfig


def describe(verdict: GuardVerdict) -> str:
    """``ok``, ``blocked: "<phrase>" (pattern <pattern>)`` or, when the classifier
    blocked, ``blocked: "<sentence>" (model 0.97 >= 0.72 (en): "hire", "your team")``."""
    if not verdict.blocked:
        return "ok"
    return f'blocked: "{verdict.phrase}" ({verdict.reason})'


def run_guard(stdin: TextIO, out: TextIO, config: GuardConfig, *, lines: bool,
              model: bool = True) -> int:
    """Check all of ``stdin`` (or, with ``lines``, each line) and print one verdict per
    text; 1 when anything is blocked, else 0. The guard runs even when ``[guard]
    enabled = false``: this command is for testing wording. ``model=False``: the
    patterns alone (bench/guard.py's baseline)."""
    config = replace(config, enabled=True)
    texts = stdin.read().splitlines() if lines else [stdin.read()]
    blocked = False
    for text in texts:
        verdict = check(text, config, model=model)
        blocked = blocked or verdict.blocked
        out.write(describe(verdict) + "\n")
    return 1 if blocked else 0
