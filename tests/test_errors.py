"""The error hierarchy drawn in kaffe.errors' docstring is the one in the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import kaffe
from kaffe import errors

SRC = Path(kaffe.__file__).parent


def _error_classes() -> dict[str, str]:
    """Every public class under src/kaffe deriving from KaffeError -> its base's name."""
    bases: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                names = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                         for b in node.bases]
                bases.update({node.name: names[0]} if names else {})
    found: dict[str, str] = {}
    grew = True
    while grew:
        grew = False
        for name, base in bases.items():
            if name not in found and (base == "KaffeError" or base in found):
                found[name], grew = base, True
    return found


def _drawn() -> dict[str, str]:
    """Each class of the drawing -> the class it hangs under."""
    drawn, stack = {}, ["KaffeError"]
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^    ((?:\|   |    )*)\+-- (\w+)", line)
        if match:
            depth = len(match.group(1)) // 4
            del stack[depth + 1:]
            drawn[match.group(2)] = stack[depth]
            stack.append(match.group(2))
    return drawn


def test_every_error_class_is_drawn_under_its_base() -> None:
    assert _drawn() == _error_classes()
