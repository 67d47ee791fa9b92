"""``kaffe guard``: verdicts on standard input, exit code 1 when anything is blocked."""

from __future__ import annotations

import io

from kaffe.cli.guard import run_guard
from kaffe.config.schema import GuardConfig


def guard(text: str, *, lines: bool, config: GuardConfig | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = run_guard(io.StringIO(text), out, config or GuardConfig(), lines=lines)
    return code, out.getvalue()


def test_whole_input_is_one_verdict() -> None:
    assert guard("Thanks for the coffee.\nSee you soon.\n", lines=False) == (0, "ok\n")
    code, out = guard("Thanks!\nAre you\nhiring?\n", lines=False)
    assert code == 1
    assert out.startswith('blocked: "Are you\nhiring" (pattern ')


def test_one_verdict_per_line() -> None:
    code, out = guard("Great job!\nHar I en stilling til mig?\n", lines=True)
    assert code == 1
    first, second = out.splitlines()
    assert first == "ok"
    assert second.startswith('blocked: "Har I en stilling til mig" (pattern ')


def test_own_patterns_and_allow_apply_even_when_the_guard_is_disabled() -> None:
    config = GuardConfig(enabled=False, patterns=(r"\bintern\w*",), allow=(r"hire me a bike",))
    code, out = guard("Any internships?\nhire me a bike\n", lines=True, config=config)
    assert (code, out) == (1, 'blocked: "internships" (pattern \\bintern\\w*)\nok\n')
