"""A small validator for API responses against the discovery documents that
google-api-python-client ships: follows ``$ref``, checks JSON types and string
formats, and rejects properties the schema does not define."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import googleapiclient

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
_INT_STRING = re.compile(r"^-?\d+$")


@cache
def discovery(api: str) -> dict[str, Any]:
    """The bundled discovery document, e.g. ``discovery("gmail.v1")``."""
    return json.loads((DOCS / f"{api}.json").read_text(encoding="utf-8"))


def response_schema(api: str, method_id: str) -> str:
    """The schema name a method (``gmail.users.messages.get``) responds with."""
    for method in _methods(discovery(api)):
        if method.get("id") == method_id:
            return method["response"]["$ref"]
    raise KeyError(method_id)


def _methods(node: dict[str, Any]):
    yield from node.get("methods", {}).values()
    for child in node.get("resources", {}).values():
        yield from _methods(child)


def validate(api: str, method_id: str, doc: Any) -> list[str]:
    """Every mismatch between ``doc`` and the method's response schema."""
    errors: list[str] = []
    _check(discovery(api)["schemas"], {"$ref": response_schema(api, method_id)}, doc, "$", errors)
    return errors


def _check(schemas: dict, schema: dict, value: Any, where: str, errors: list[str]) -> None:
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    kind = schema.get("type", "any")
    if kind == "object":
        _check_object(schemas, schema, value, where, errors)
    elif kind == "array":
        if not isinstance(value, list):
            errors.append(f"{where}: expected array, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(schemas, schema.get("items", {}), item, f"{where}[{i}]", errors)
    elif kind != "any":
        problem = _scalar_problem(kind, schema.get("format"), value)
        if problem:
            errors.append(f"{where}: {problem}")


def _check_object(schemas: dict, schema: dict, value: Any, where: str, errors: list[str]) -> None:
    if not isinstance(value, dict):
        errors.append(f"{where}: expected object, got {type(value).__name__}")
        return
    props, extra = schema.get("properties", {}), schema.get("additionalProperties")
    for key, item in value.items():
        if key in props:
            _check(schemas, props[key], item, f"{where}.{key}", errors)
        elif extra is not None:
            _check(schemas, extra, item, f"{where}.{key}", errors)
        else:
            errors.append(f"{where}: property {key!r} is not in the schema")


def _scalar_problem(kind: str, fmt: str | None, value: Any) -> str:
    expected = {"string": str, "boolean": bool, "integer": int, "number": (int, float)}[kind]
    if not isinstance(value, expected) or (kind in ("integer", "number") and value is True):
        return f"expected {kind}, got {type(value).__name__} {value!r}"
    if kind == "string" and fmt in ("int64", "uint64") and not _INT_STRING.match(value):
        return f"expected a {fmt} string, got {value!r}"
    if kind == "string" and fmt == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"expected date-time, got {value!r}"
    return ""
