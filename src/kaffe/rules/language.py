"""Which language to write a contact in."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from kaffe.config.schema import Config
from kaffe.model import Contact, Event
from kaffe.rules.people import domain_of
from kaffe.rules.words import find_word

# Words that give a Danish meeting away (whole words, so "tak" is not "take").
DANISH_WORDS: tuple[str, ...] = (
    "kaffe",
    "kaffemøde",
    "kaffeaftale",
    "møde",
    "mødes",
    "hej",
    "tak",
    "hilsen",
    "hilsner",
    "vi ses",
    "snak",
    "snakke",
    "gerne",
    "også",
    "på",
)


def language_for(
    contact_email: str, event: Event, contacts: Mapping[str, Contact], config: Config
) -> str:
    """The language for writing to ``contact_email`` about ``event``.

    In order: the contact's own language, ``followup.contact_languages``,
    ``followup.languages`` by full domain then by ever shorter suffix down to
    the TLD, Danish words in the event's title or description, ``me.language``.
    """
    email = contact_email.strip().lower()
    contact = contacts.get(email)
    if contact is not None and contact.language:
        return contact.language
    if email in config.followup.contact_languages:
        return config.followup.contact_languages[email]
    by_domain = _by_domain(domain_of(email), config.followup.languages)
    if by_domain:
        return by_domain
    if _danish(event.summary, event.description):
        return "da"
    return config.me.language


@lru_cache(maxsize=4096)  # asked for the same meetings every cycle
def _danish(summary: str, description: str) -> bool:
    return bool(find_word(summary, DANISH_WORDS) or find_word(description, DANISH_WORDS))


def _by_domain(domain: str, languages: Mapping[str, str]) -> str:
    """``example.co.uk`` tries ``example.co.uk``, ``co.uk``, then ``uk``."""
    if not languages:
        return ""
    table = {key.strip().lower().lstrip("."): value for key, value in languages.items()}
    labels = domain.split(".") if domain else []
    for i in range(len(labels)):
        language = table.get(".".join(labels[i:]))
        if language:
            return language
    return ""
