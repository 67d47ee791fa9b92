"""The import graph of ``src/kaffe``, read with ``ast`` (nothing is imported): no circle,
no upward import along the flow of data, connectors never import the emulator, and
IMAP never imports Google code.

An edge is any ``import kaffe...`` in a module: at module level, inside a function
(a late import is still a dependency) or under ``if TYPE_CHECKING`` (hiding a circle
from the interpreter does not remove it). ``from kaffe.pkg import mod`` is an edge to
``kaffe.pkg.mod``; a parent package's ``__init__`` run on the way is not counted.

The layers, in the order data flows (DESIGN.md, issue 14); a module may import its
own layer and those before it::

    base        model, errors, config/, timeutil, wording, ... (every module not below)
    sources     connectors/
    store       store/
    understand  topics/, relevance/
    rules       rules/
    compose     compose/
    executor    daemon/executor.py
    app         daemon/ (the rest), cli/, demo/, emulator/
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import kaffe

ROOT = Path(kaffe.__file__).resolve().parent
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sources", ("kaffe.connectors",)),
    ("store", ("kaffe.store",)),
    ("understand", ("kaffe.topics", "kaffe.relevance")),
    ("rules", ("kaffe.rules",)),
    ("compose", ("kaffe.compose",)),
    ("executor", ("kaffe.daemon.executor",)),
    ("app", ("kaffe.daemon", "kaffe.cli", "kaffe.demo", "kaffe.emulator")),
)
# Edges that go up the layers on purpose, with the reason.
ALLOWED_UP = {
    # Draft sinks sit at the far end of the flow (executor -> sink, DESIGN.md), not with
    # the sources: they turn a Draft into RFC 5322 bytes with compose's MIME builder.
    ("kaffe.connectors.imap.drafts", "kaffe.compose.mime"),
    ("kaffe.connectors.google.gmail_drafts", "kaffe.compose.mime"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


@functools.cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the kaffe modules it imports (see the module docstring)."""
    modules = _modules()

    def resolve(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    def targets(node: ast.AST) -> Iterator[str]:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield sub if sub in modules else node.module

    edges = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found = {resolve(t) for node in ast.walk(tree) for t in targets(node)
                 if t == "kaffe" or t.startswith("kaffe.")}
        edges[name] = frozenset(found - {"", name})
    return edges


def layer(module: str) -> int:
    """The module's place in LAYERS (1-based; the longest matching prefix wins); 0 for
    the base."""
    matches = [(len(p), index) for index, (_name, prefixes) in enumerate(LAYERS, start=1)
               for p in prefixes if module == p or module.startswith(p + ".")]
    return max(matches)[1] if matches else 0


def circles() -> set[frozenset[str]]:
    """Every strongly connected set of more than one module (Tarjan's algorithm)."""
    edges, index, low, stack, on_stack = graph(), {}, {}, [], set()
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.add(member)
                if member == node:
                    break
            if len(part) > 1:
                found.add(frozenset(part))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def upward() -> set[tuple[str, str]]:
    """Every edge from a layer to a later one, less the allowed ones."""
    return {(a, b) for a, targets in graph().items() for b in targets
            if layer(b) > layer(a)} - ALLOWED_UP


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for other in graph()[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    return seen


def under(prefix: str) -> list[str]:
    return [m for m in graph() if m == prefix or m.startswith(prefix + ".")]


def emulator_imports() -> set[tuple[str, str]]:
    return {(m, t) for m in under("kaffe.connectors") for t in graph()[m]
            if t == "kaffe.emulator" or t.startswith("kaffe.emulator.")}


def test_the_graph_is_read() -> None:
    edges = graph()
    assert "kaffe.connectors.imap.source" in edges and "kaffe.daemon.sync" in edges
    assert "kaffe.connectors.mailheaders" in edges["kaffe.connectors.imap.parse"]
    assert layer("kaffe.daemon.executor") == 6 and layer("kaffe.daemon.sync") == 7
    assert layer("kaffe.model") == 0 and layer("kaffe.connectors.ical.parse") == 1


def test_imap_never_imports_google() -> None:
    for module in under("kaffe.connectors.imap"):
        google = {m for m in reachable(module) if m.startswith("kaffe.connectors.google")}
        assert not google, f"{module} reaches {sorted(google)}"


def test_connectors_never_import_the_emulator() -> None:
    assert emulator_imports() == set()


def test_no_import_circle() -> None:
    assert circles() == set()


def test_no_upward_import() -> None:
    assert upward() == set()
