"""Which language to write a contact in."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from kaffe.config.schema import Config
from kaffe.identity import ByIdentity
from kaffe.model import Contact, Event
from kaffe.rules.people import domain_of
from kaffe.rules.reuse import Reuse
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
    contact_email: str,
    event: Event,
    contacts: Mapping[str, Contact],
    config: Config,
    reuse: Reuse | None = None,
) -> str:
    """The language for writing to ``contact_email`` about ``event``.

    In order: the contact's own language, ``followup.contact_languages``,
    ``followup.languages`` by full domain then by ever shorter suffix down to
    the TLD, Danish words in the event's title or description, ``me.language``.
    ``reuse`` keeps the answers per live event and contact while the contacts and
    the config stay the same objects (the store view keeps them across steady
    cycles): every rule asks.
    """
    if reuse is None:
        return _language_for(contact_email, event, contacts, config)
    kept = reuse.languages
    if not (kept is not None and kept[0] is contacts and kept[1] is config.followup
            and kept[2] == config.me.language):
        kept = reuse.languages = (contacts, config.followup, config.me.language, ByIdentity())
    by_contact = kept[3].get(event)
    if by_contact is None:
        by_contact = {}
        kept[3].put(event, by_contact)
    language = by_contact.get(contact_email)
    if language is None:
        language = by_contact[contact_email] = _language_for(contact_email, event, contacts,
                                                             config)
    return language


def _language_for(
    contact_email: str, event: Event, contacts: Mapping[str, Contact], config: Config
) -> str:
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


@lru_cache(maxsize=65_536)  # asked for the same meetings every cycle (bools: small)
def _danish(summary: str, description: str) -> bool:
    return bool(find_word(summary, DANISH_WORDS) or find_word(description, DANISH_WORDS))


def _by_domain(domain: str, languages: Mapping[str, str]) -> str:
    """``example.co.uk`` tries ``example.co.uk``, ``co.uk``, then ``uk``."""
    if not languages:
        return ""
    table = _domain_table(languages)
    labels = domain.split(".") if domain else []
    for i in range(len(labels)):
        language = table.get(".".join(labels[i:]))
        if language:
            return language
    return ""


def _domain_table(languages: Mapping[str, str]) -> dict[str, str]:
    return {key.strip().lower().lstrip("."): value for key, value in languages.items()}
