"""The discovery documents kaffe builds its clients from: Google's, cut to what kaffe calls.

google-api-python-client ships each API's discovery document and builds a client from
it: every method of every resource gets a Python method with a generated docstring,
and each client keeps the whole parsed document. Gmail's and Calendar's documents
describe some 110 methods and 90 schemas; kaffe calls nine methods. So the bundled
document is read once per process, cut to the methods in :data:`METHODS` and the
schemas they reach, and that one dict is shared by every client built from it (one per
API, thread and token). `kaffe run` holds about 1 MB less (bench/memory.py, no feeds).

A method missing here is an ``AttributeError`` on the client at its first call:
tests/connectors/google/test_documents.py checks that every method kaffe's connectors
call is listed, and the emulator tests call each one over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from googleapiclient import discovery_cache

from kaffe.connectors.google.pacing import QUOTA_UNITS
from kaffe.errors import ConnectorError

# Dotted method paths, as Google's reference names them (and the quota table counts them).
METHODS: dict[str, frozenset[str]] = {
    "gmail": frozenset(QUOTA_UNITS),
    "calendar": frozenset({"events.list"}),
}


@cache
def document(api: str, version: str) -> dict[str, Any]:
    """The bundled discovery document of ``api`` cut to :data:`METHODS`; one dict per
    process, shared by every client (building a client only adds keys it would add
    anyway, the same each time)."""
    text = discovery_cache.get_static_doc(api, version)
    if text is None:
        raise ConnectorError(f"google-api-python-client has no discovery document "
                             f"for {api} {version}: reinstall it")
    return trim(json.loads(text), METHODS.get(api, frozenset()))


def trim(doc: dict[str, Any], methods: Iterable[str]) -> dict[str, Any]:
    """``doc`` with only ``methods`` (dotted paths) and the schemas they reach."""
    wanted = frozenset(methods)
    out = {key: value for key, value in doc.items() if key not in ("resources", "methods",
                                                                     "schemas")}
    out.update(_cut(doc, "", wanted))
    schemas = doc.get("schemas", {})
    out["schemas"] = {name: schemas[name] for name in _reached(out, schemas)}
    return out


def _cut(desc: dict[str, Any], prefix: str, wanted: frozenset[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    methods = {name: method for name, method in desc.get("methods", {}).items()
               if prefix + name in wanted}
    if methods:
        kept["methods"] = methods
    resources = {}
    for name, resource in desc.get("resources", {}).items():
        inner = _cut(resource, f"{prefix}{name}.", wanted)
        if inner:
            resources[name] = {**{k: v for k, v in resource.items()
                                  if k not in ("methods", "resources")}, **inner}
    if resources:
        kept["resources"] = resources
    return kept


def _reached(desc: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """Names of the schemas ``desc`` refers to, directly or through other schemas."""
    found: set[str] = set()
    todo = list(_refs(desc))
    while todo:
        name = todo.pop()
        if name in found or name not in schemas:
            continue
        found.add(name)
        todo.extend(_refs(schemas[name]))
    return found


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def paths(doc: dict[str, Any], prefix: str = "") -> set[str]:
    """Every method's dotted path in ``doc``."""
    found = {prefix + name for name in doc.get("methods", {})}
    for name, resource in doc.get("resources", {}).items():
        found |= paths(resource, f"{prefix}{name}.")
    return found
