"""Which permission a call needs and which ones a stored token lacks, in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kaffe.connectors.google.permissions import (
    CALENDAR_READONLY,
    GMAIL_COMPOSE,
    GMAIL_READONLY,
    for_call,
    missing,
    missing_lines,
)


@pytest.mark.parametrize(("what", "scope"), [
    ("gmail drafts.create", GMAIL_COMPOSE),
    ("gmail users.messages.get (metadata)", GMAIL_READONLY),
    ("gmail history.list", GMAIL_READONLY),
    ("calendar events.list (primary)", CALENDAR_READONLY),
    ("gmail drafts.list", None),  # either Gmail scope allows it
])
def test_the_permission_a_call_needs(what: str, scope: str | None) -> None:
    found = for_call(what)
    assert (found.scope if found else None) == scope


def test_broader_scopes_count_as_granted() -> None:
    assert missing(["https://mail.google.com/", CALENDAR_READONLY]) == []
    assert [p.scope for p in missing([GMAIL_READONLY])] == [GMAIL_COMPOSE, CALENDAR_READONLY]


def test_missing_lines_read_the_token_file(tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    assert missing_lines(token) == []  # no token: nothing to say here (doctor says it)
    token.write_text(json.dumps({"scopes": [GMAIL_COMPOSE, CALENDAR_READONLY]}))
    (line,) = missing_lines(token)
    assert line.startswith('"View your email messages and settings" (gmail.readonly)')
    assert "kaffe reads no Gmail" in line
