"""Which language to write a contact in, and why (issue 15).

Evidence, first that speaks wins:

1. the language you set for the contact (``kaffe import``: the contacts table);
2. what the contact writes to you: the verdicts on their latest received mails,
   judged once at sync from the subject and first words (:mod:`kaffe.store.languages`);
3. the mail that arranged the meeting: the subjects of the mail with the contact in the
   meeting's thread or in the ARRANGING days before it, yours and theirs;
4. the meeting's own title, then its description;
5. ``followup.contact_languages``;
6. ``followup.languages`` by full domain, then by ever shorter suffix down to the TLD;
7. ``[me] language``.

Texts are judged by :func:`kaffe.language.identify` among the languages kaffe has
templates for; a verdict below :data:`kaffe.language.CONFIDENCE_FLOOR` leaves the
decision to the next source. Every answer carries the reason ``kaffe plan`` shows,
e.g. ``en: 3 of their last 3 mails are in English``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from kaffe.config.schema import Config
from kaffe.identity import ByIdentity
from kaffe.language import CONFIDENCE_FLOOR, Choice, clean, identify
from kaffe.model import Contact, Event, Interaction, Snapshot
from kaffe.rules.people import domain_of
from kaffe.rules.reuse import Reuse
from kaffe.rules.words import find_word

_NONE: Mapping[str, Any] = MappingProxyType({})  # no evidence: the same object every time
# Mail with the contact this long before a meeting counts as arranging it.
ARRANGING = timedelta(days=30)
# Of a description, only the start is judged (meeting-link boilerplate follows).
DESCRIPTION_CHARS = 300
NAMES = {"en": "English", "da": "Danish"}

# Words that give a Danish meeting away (whole words, so "tak" is not "take"): the last
# word on a title too short for the identifier to be sure of ("Kaffe m. Ole").
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


def name_of(language: str) -> str:
    return NAMES.get(language, language)


def language_for(
    contact_email: str,
    event: Event,
    contacts: Mapping[str, Contact],
    config: Config,
    reuse: Reuse | None = None,
    *,
    snapshot: Snapshot | None = None,
) -> str:
    """The language of :func:`choose_language`; without ``snapshot`` only the
    contact's own setting, the config and the event count."""
    return choose_language(contact_email, event, contacts, config, reuse,
                           snapshot=snapshot).language


def choose_language(
    contact_email: str,
    event: Event,
    contacts: Mapping[str, Contact],
    config: Config,
    reuse: Reuse | None = None,
    *,
    snapshot: Snapshot | None = None,
) -> Choice:
    """The language for writing to ``contact_email`` about ``event``, with its reason.

    ``snapshot`` brings the mail evidence (``languages`` and ``interactions``).
    ``reuse`` keeps the answers per live event and contact while the tables and the
    config stay the same objects (the store view keeps them across steady cycles):
    every rule asks.
    """
    written = snapshot.languages if snapshot is not None else _NONE
    mail = snapshot.interactions if snapshot is not None else _NONE
    if reuse is None:
        return _choose(contact_email, event, contacts, written, mail, config)
    # asked with and without the mail evidence (drips ask without): one store for each,
    # so that neither throws the other's answers away every cycle
    evidence = snapshot is not None
    kept = reuse.languages.get(evidence)
    if not (kept is not None and kept[0] is contacts and kept[1] is config.followup
            and kept[2] == config.me.language and kept[3] is written and kept[4] is mail):
        kept = reuse.languages[evidence] = (contacts, config.followup, config.me.language,
                                            written, mail, ByIdentity())
    by_contact = kept[5].get(event)
    if by_contact is None:
        by_contact = {}
        kept[5].put(event, by_contact)
    choice = by_contact.get(contact_email)
    if choice is None:
        choice = by_contact[contact_email] = _choose(contact_email, event, contacts, written,
                                                     mail, config)
    return choice


def _choose(
    contact_email: str, event: Event, contacts: Mapping[str, Contact],
    written: Mapping[str, tuple[str, ...]], mail: Mapping[str, tuple[Interaction, ...]],
    config: Config,
) -> Choice:
    email = contact_email.strip().lower()
    contact = contacts.get(email)
    if contact is not None and contact.language:
        return Choice(contact.language, f"{contact.language}: set for this contact")
    found = (_their_mail(written.get(email, ()))
             or _arranging(event, mail.get(email, ()))
             or _meeting(event))
    if found is not None:
        return found
    if email in config.followup.contact_languages:
        language = config.followup.contact_languages[email]
        return Choice(language, f"{language}: followup.contact_languages")
    domain = domain_of(email)
    by_domain = _by_domain(domain, config.followup.languages)
    if by_domain:
        return Choice(by_domain[0], f"{by_domain[0]}: followup.languages for {by_domain[1]}")
    return Choice(config.me.language, f"{config.me.language}: [me] language")


def _their_mail(languages: tuple[str, ...]) -> Choice | None:
    """Their latest mails ("" = unclear), oldest first: the most common clear language,
    the latest of those on a tie."""
    best = _most_common(languages)
    if best is None:
        return None
    count = languages.count(best)
    mails = "mail" if len(languages) == 1 else "mails"
    return Choice(best, f"{best}: {count} of their last {len(languages)} {mails} "
                        f"{'is' if count == 1 else 'are'} in {name_of(best)}")


def _arranging(event: Event, mail: tuple[Interaction, ...]) -> Choice | None:
    """The subjects of the mail with the contact in the meeting's thread or in the
    ARRANGING days before it (each subject once: "Re: x" is "x")."""
    start, end = event.start - ARRANGING, event.end
    subjects = {clean(i.subject) for i in mail
                if i.subject and ((event.thread_id and i.thread_id == event.thread_id)
                                  or start <= i.at <= end)}
    best = _most_common(_confident(s) for s in sorted(subjects))
    if best is None:
        return None
    return Choice(best, f"{best}: the mail arranging the meeting is in {name_of(best)}")


def _meeting(event: Event) -> Choice | None:
    """The meeting's title, then the start of its description, without the names of the
    people in it ("Ana / Alex" is in no language)."""
    names = _names(event)
    for text, what in ((event.summary, "the meeting title is"),
                       (event.description[:DESCRIPTION_CHARS], "the meeting description is")):
        language = _confident(" ".join(w for w in clean(text).split() if w not in names))
        if language:
            return Choice(language, f"{language}: {what} {name_of(language)}")
    word = _danish(event.summary, event.description)
    if word:
        return Choice("da", f'da: the meeting mentions "{word}"')
    return None


def _names(event: Event) -> frozenset[str]:
    """The words of the attendees' names and addresses (before the @), lower-cased."""
    words: set[str] = set()
    for person in event.attendees:
        words.update(clean(person.name).split())
        words.update(clean(person.email.partition("@")[0]).split())
    words.update(clean(event.organizer.partition("@")[0]).split())
    return frozenset(words)


def _confident(text: str) -> str:
    """The language of ``text`` if the identifier is sure enough, else ""."""
    guess = identify(text)
    return guess.language if guess.confidence >= CONFIDENCE_FLOOR else ""


def _most_common(languages: Iterable[str]) -> str | None:
    clear = [language for language in languages if language]
    if not clear:
        return None
    counts = Counter(clear)
    top = max(counts.values())
    return next(language for language in reversed(clear) if counts[language] == top)


@lru_cache(maxsize=65_536)  # asked for the same meetings every cycle (short strs: small)
def _danish(summary: str, description: str) -> str:
    return find_word(summary, DANISH_WORDS) or find_word(description, DANISH_WORDS) or ""


def _by_domain(domain: str, languages: Mapping[str, str]) -> tuple[str, str] | None:
    """``example.co.uk`` tries ``example.co.uk``, ``co.uk``, then ``uk``: the language
    and the key that matched."""
    if not languages:
        return None
    table = _domain_table(languages)
    labels = domain.split(".") if domain else []
    for i in range(len(labels)):
        key = ".".join(labels[i:])
        language = table.get(key)
        if language:
            return language, key
    return None


def _domain_table(languages: Mapping[str, str]) -> dict[str, str]:
    return {key.strip().lower().lstrip("."): value for key, value in languages.items()}
