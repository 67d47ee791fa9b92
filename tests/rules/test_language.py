from __future__ import annotations

from typing import Any

import pytest

from kaffe.model import Contact, Event
from kaffe.rules.language import language_for

from .factories import make_config, make_event

COFFEE = make_event(summary="Coffee with Ana", description="")


def lang(email: str, event: Event = COFFEE, contacts: dict | None = None, **cfg: Any) -> str:
    return language_for(email, event, contacts or {}, make_config(**cfg))


def test_contacts_own_language_wins() -> None:
    contacts = {"ana@firma.dk": Contact("ana@firma.dk", language="en")}
    config = {"followup": {"contact_languages": {"ana@firma.dk": "sv"}}}
    assert lang("ana@firma.dk", contacts=contacts, **config) == "en"


def test_contact_without_language_falls_through() -> None:
    contacts = {"ana@firma.dk": Contact("ana@firma.dk", "Ana")}
    assert lang("ana@firma.dk", contacts=contacts) == "da"


def test_configured_contact_language_beats_the_domain() -> None:
    config = {"followup": {"contact_languages": {"ana@firma.dk": "en"}}}
    assert lang("ANA@firma.dk ", **config) == "en"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ana@firma.dk", "da"),  # by TLD (the default {"dk": "da"})
        ("ana@example.se", "sv"),  # by full domain
        ("ana@mail.example.se", "sv"),  # by a parent domain
        ("ana@other.se", "no"),  # by TLD
        ("ana@example.com", "en"),  # me.language
    ],
)
def test_domain_then_tld(email: str, expected: str) -> None:
    languages = {"dk": "da", "example.se": "sv", ".SE": "no"}
    assert lang(email, followup={"languages": languages}) == expected


@pytest.mark.parametrize(
    ("summary", "description", "expected"),
    [
        ("Kaffe med Ana", "", "da"),
        ("Kaffemøde", "", "da"),
        ("Ana / Mette", "<p>Hej Ana, vi ses på Original Coffee</p>", "da"),
        ("Coffee with Ana", "Take the metro", "en"),  # "tak" is not "take"
        ("Coffee", "Let's meet", "en"),
    ],
)
def test_danish_words_in_the_event(summary: str, description: str, expected: str) -> None:
    event = make_event(summary=summary, description=description)
    assert lang("ana@example.com", event) == expected


def test_my_language_is_the_last_resort() -> None:
    assert lang("ana@example.com", me={"language": "de"}) == "de"
