"""rules/ is pure: it imports neither connectors, the store nor the daemon, and
never reads the clock or touches files."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import kaffe.rules

RULES_DIR = Path(kaffe.rules.__file__).parent
# Pure helpers that moved out of rules/ (they are not decisions) stay held to its standard.
MOVED_OUT = ("identity.py", "topics/extract.py", "topics/private.py", "topics/trends.py",
             "compose/guard.py")
MODULES = sorted(RULES_DIR.glob("*.py")) + [RULES_DIR.parent / name for name in MOVED_OUT]
FORBIDDEN_PACKAGES = ("kaffe.connectors", "kaffe.store", "kaffe.daemon", "kaffe.compose")
FORBIDDEN_MODULES = {"time", "os", "socket", "sqlite3", "subprocess", "pathlib", "urllib"}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "open", "now_utc"}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _called_names(tree: ast.AST) -> set[str]:
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            calls.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return calls


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_imports_no_io_layer(path: Path) -> None:
    imports = _imports(ast.parse(path.read_text("utf-8")))
    bad = {n for n in imports if n.startswith(FORBIDDEN_PACKAGES) or n in FORBIDDEN_MODULES}
    assert bad == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_never_reads_the_clock_or_files(path: Path) -> None:
    assert _called_names(ast.parse(path.read_text("utf-8"))) & FORBIDDEN_CALLS == set()


def test_importing_rules_loads_no_io_layer() -> None:
    """Transitive imports count too: check a fresh interpreter's modules."""
    code = (
        "import sys, kaffe.rules.plan, kaffe.rules.followup, kaffe.rules.language;"
        f"print([m for m in sys.modules if m.startswith({FORBIDDEN_PACKAGES!r})])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
