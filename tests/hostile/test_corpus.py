"""Every corpus message through the mail paths no other test takes it through:
the IMAP header path and the Gmail metadata path for each .eml, and
``normalize_message`` for each recorded Gmail message resource. (ICS, feeds,
invitations and Calendar JSON: see this package's docstring.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kaffe.connectors.google.messages import normalize_message, top_mime_type
from kaffe.connectors.mailheaders import may_hold_invitation
from tests.hostile.mutate import corpus_names, no_line_breaks
from tests.hostile.test_mime_fuzz import assert_clean, via_gmail, via_imap

EML_NAMES = corpus_names("eml", "*.eml")
GMAIL_MESSAGES = corpus_names("gmail_json", "*messages_get*.json")


@pytest.mark.parametrize("name", EML_NAMES)
def test_every_eml_through_the_imap_and_gmail_header_paths(corpus: Path, name: str) -> None:
    raw = (corpus / "eml" / name).read_bytes()
    by_imap, by_gmail = via_imap(raw), via_gmail(raw)
    assert by_imap is not None and by_gmail is not None, "every corpus mail has a sender"
    assert_clean(by_imap)
    assert_clean(by_gmail)
    assert (by_imap.sender, by_imap.subject, by_imap.to) == (
        by_gmail.sender, by_gmail.subject, by_gmail.to)  # fmt: skip


@pytest.mark.parametrize("name", GMAIL_MESSAGES)
def test_every_recorded_gmail_message_normalises(corpus: Path, name: str) -> None:
    doc = json.loads((corpus / "gmail_json" / name).read_text(encoding="utf-8"))
    message = normalize_message(doc, account="gmail")
    assert message.id == doc["id"] and message.date.tzinfo is not None
    assert no_line_breaks(message.subject, message.sender.name, message.sender.email)
    assert isinstance(may_hold_invitation(top_mime_type(doc)), bool)


def test_the_corpus_is_there_to_be_read() -> None:
    if not EML_NAMES:
        pytest.skip("corpus not found: set KAFFE_CORPUS")
    assert len(EML_NAMES) >= 10 and len(GMAIL_MESSAGES) >= 3
