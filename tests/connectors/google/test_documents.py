"""The cut discovery documents: every method kaffe calls is in them, little else is."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient import discovery_cache

from kaffe.connectors.google import documents
from kaffe.connectors.google.http import build_service

SOURCES = Path(documents.__file__).parent
VERSIONS = {"gmail": "v1", "calendar": "v3"}


def full(api: str) -> dict:
    return json.loads(discovery_cache.get_static_doc(api, VERSIONS[api]))


@pytest.mark.parametrize("api", sorted(VERSIONS))
def test_every_listed_method_exists_in_googles_document(api: str) -> None:
    assert documents.METHODS[api] <= documents.paths(full(api))


@pytest.mark.parametrize("api", sorted(VERSIONS))
def test_cut_document_holds_the_listed_methods_only(api: str) -> None:
    cut = documents.document(api, VERSIONS[api])
    assert documents.paths(cut) == documents.METHODS[api]
    assert len(cut["schemas"]) < len(full(api)["schemas"])
    assert len(json.dumps(cut)) < len(json.dumps(full(api))) / 2


def test_schemas_reached_through_other_schemas_are_kept() -> None:
    cut = documents.document("gmail", "v1")
    # users.messages.get answers a Message whose payload is a MessagePart, whose
    # headers are MessagePartHeader: two steps from the method.
    assert {"Message", "MessagePart", "MessagePartHeader"} <= set(cut["schemas"])
    assert "Filter" not in cut["schemas"]  # settings.filters is never called


def test_trim_of_a_small_document() -> None:
    doc = {
        "rootUrl": "https://x/", "parameters": {"alt": {}},
        "resources": {"a": {"methods": {"get": {"response": {"$ref": "A"}},
                                        "delete": {}},
                            "resources": {"b": {"methods": {"list": {}}}}},
                      "c": {"methods": {"get": {"response": {"$ref": "C"}}}}},
        "schemas": {"A": {"properties": {"b": {"items": {"$ref": "B"}}}}, "B": {},
                    "C": {}},
    }
    cut = documents.trim(doc, {"a.get"})
    assert cut["rootUrl"] == "https://x/" and cut["parameters"] == {"alt": {}}
    assert documents.paths(cut) == {"a.get"}
    assert set(cut["schemas"]) == {"A", "B"}


def _called_gmail_methods() -> set[str]:
    """Dotted Gmail paths the connector modules name in string literals ("users.x.y")."""
    found = set()
    for path in SOURCES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for word in node.value.replace("(", " ").split():
                    if word.startswith("users.") and word.count(".") >= 1:
                        found.add(word.strip('"\'`,:'))
    return found


def test_every_gmail_method_the_connectors_name_is_kept() -> None:
    named = {m for m in _called_gmail_methods() if m in documents.paths(full("gmail"))}
    assert named and named <= documents.METHODS["gmail"]


def test_clients_share_one_document_and_build_the_methods() -> None:
    one = build_service("gmail", "v1", Credentials(token="t"), api_endpoint="http://127.0.0.1:9")
    two = build_service("gmail", "v1", Credentials(token="t"), api_endpoint="http://127.0.0.1:9")
    assert one._rootDesc is two._rootDesc
    users = one.users()
    assert callable(users.messages().get) and callable(users.drafts().create)
    assert not hasattr(users, "settings")
    cal = build_service("calendar", "v3", Credentials(token="t"))
    assert callable(cal.events().list) and callable(cal.events().list_next)
