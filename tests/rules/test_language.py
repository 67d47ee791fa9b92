"""Which language a draft is written in, and why (issue 15): one test per source of
evidence, in the order they decide."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from kaffe.compose.render import Composer
from kaffe.model import Contact, Event, Interaction, Recipient, Snapshot
from kaffe.rules.followup import followup_action
from kaffe.rules.language import choose_language, language_for
from kaffe.rules.reuse import Reuse

from .factories import START, guest, mail, make_config, make_event, me_attendee

COFFEE = make_event(summary="Coffee with Ana", description="")
NAMES_ONLY = make_event(summary="Ana Silva", description="")  # a title in no language
ANA = "ana@firma.dk"


def lang(email: str, event: Event = NAMES_ONLY, contacts: dict | None = None, **cfg: Any) -> str:
    return language_for(email, event, contacts or {}, make_config(**cfg))


def choose(email: str = ANA, event: Event = NAMES_ONLY, *, written: tuple[str, ...] = (),
           mails: tuple[Interaction, ...] = (), contacts: dict | None = None,
           **cfg: Any) -> tuple[str, str]:
    snapshot = Snapshot(events=(event,), contacts=contacts or {},
                        interactions={email: mails} if mails else {},
                        languages={email: written} if written else {})
    choice = choose_language(email, event, snapshot.contacts, make_config(**cfg),
                             snapshot=snapshot)
    return choice.language, choice.reason


# 1. the language set for the contact


def test_contacts_own_language_wins() -> None:
    contacts = {ANA: Contact(ANA, language="en")}
    config = {"followup": {"contact_languages": {ANA: "sv"}}}
    assert lang(ANA, contacts=contacts, **config) == "en"
    assert choose(contacts=contacts, written=("da", "da")) == ("en", "en: set for this contact")


def test_contact_without_language_falls_through() -> None:
    contacts = {ANA: Contact(ANA, "Ana")}
    assert lang(ANA, contacts=contacts) == "da"


# 2. what the contact writes


def test_their_mail_decides_before_the_domain_and_the_title() -> None:
    kaffe = make_event(summary="Kaffe med Ana")
    assert choose(ANA, kaffe, written=("en", "en", "en")) == (
        "en", "en: 3 of their last 3 mails are in English")


def test_their_mail_counts_the_clear_ones_and_a_tie_goes_to_the_latest() -> None:
    assert choose(written=("en", "", "da", "da")) == (
        "da", "da: 2 of their last 4 mails are in Danish")
    assert choose("ana@example.com", written=("da", "en")) == (
        "en", "en: 1 of their last 2 mails is in English")


def test_mail_too_unclear_to_tell_leaves_it_to_the_next_source() -> None:
    assert choose(written=("", "")) == ("da", "da: followup.languages for dk")


# 3. the mail that arranged the meeting


def arranging(subject: str, hours_before: float, direction: str = "sent", **over: Any
              ) -> Interaction:
    return mail(direction, START - timedelta(hours=hours_before), contact=ANA,
                subject=subject, **over)


def test_the_arranging_mail_decides_before_the_title() -> None:
    mails = (arranging("Skal vi tage en kop kaffe i næste uge?", 72),
             arranging("Re: Skal vi tage en kop kaffe i næste uge?", 70, "received"))
    event = make_event(summary="Coffee with Ana")
    assert choose(ANA, event, mails=mails, me={"language": "en"}) == (
        "da", "da: the mail arranging the meeting is in Danish")


def test_old_mail_arranged_nothing_but_the_meetings_thread_did() -> None:
    old = arranging("Hvordan går det med det nye projekt?", 24 * 60)
    assert choose("ana@example.com", mails=(old,)) == ("en", "en: [me] language")
    event = replace(NAMES_ONLY, thread_id="t1")  # an invitation that came in thread t1
    assert choose("ana@example.com", event, mails=(old,)) == (
        "da", "da: the mail arranging the meeting is in Danish")


def test_a_mixed_thread_picks_the_contacts_own_language() -> None:
    # you write Danish, they answer in English: write to them in English
    mails = (arranging("Kaffe i næste uge? Jeg giver", 96),
             arranging("Re: Kaffe i næste uge? Jeg giver", 90, "received"),
             arranging("Tak, det passer mig fint på torsdag", 80))
    written = ("en", "en")  # their replies, judged at sync from subject and snippet
    assert choose(ANA, make_event(summary="Kaffe"), mails=mails, written=written) == (
        "en", "en: 2 of their last 2 mails are in English")


# 4. the meeting's title and description


@pytest.mark.parametrize(
    ("summary", "description", "expected", "why"),
    [
        ("Kaffe med Ana", "", "da", "da: the meeting title is Danish"),
        ("Møde om det nye kontor", "", "da", "da: the meeting title is Danish"),
        ("Coffee with Ana", "Take the metro", "en", "en: the meeting title is English"),
        ("Ana Silva / Mette", "Vi ses på Original Coffee i Kødbyen", "da",
         "da: the meeting description is Danish"),
        ("Kaffe", "", "da", 'da: the meeting mentions "kaffe"'),  # too short to identify
        ("Ana Silva", "", "en", "en: [me] language"),  # names only
    ],
)
def test_the_meeting_title_then_description(summary: str, description: str, expected: str,
                                            why: str) -> None:
    event = make_event(summary=summary, description=description)
    assert choose("ana@example.com", event) == (expected, why)


# 5-7. the config


def test_configured_contact_language_beats_the_domain() -> None:
    config = {"followup": {"contact_languages": {ANA: "en"}}}
    assert lang("ANA@firma.dk ", **config) == "en"
    assert choose(**config) == ("en", "en: followup.contact_languages")


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


def test_the_domain_says_which_key_matched() -> None:
    assert choose("ana@mail.example.se", followup={"languages": {"example.se": "sv"}}) == (
        "sv", "sv: followup.languages for example.se")


def test_my_language_is_the_last_resort() -> None:
    assert lang("ana@example.com", me={"language": "de"}) == "de"
    assert choose("ana@example.com", me={"language": "de"}) == ("de", "de: [me] language")


def test_answers_are_reused_only_while_the_evidence_is_the_same_object() -> None:
    reuse, config = Reuse(), make_config()
    first = Snapshot(languages={ANA: ("en",)})
    assert choose_language(ANA, NAMES_ONLY, {}, config, reuse, snapshot=first).language == "en"
    again = Snapshot(languages={ANA: ("da", "da")})
    assert choose_language(ANA, NAMES_ONLY, {}, config, reuse, snapshot=again).language == "da"


# The example


def test_danish_user_english_contact_and_thread_gets_an_english_followup() -> None:
    """A Danish user meets a contact at a .com company; the meeting is titled in English
    and was arranged in an English thread: the follow-up opens in English, not "Hej"."""
    contact = "sam@bigcorp.com"
    event = make_event(summary="Coffee: the Nordic partnership",
                       attendees=(me_attendee(), guest(contact, "Sam Reed")))
    thread = (mail("sent", START - timedelta(days=6), contact=contact,
                   subject="Coffee next week to talk about the partnership?", n=1),
              mail("received", START - timedelta(days=5), contact=contact,
                   subject="Re: Coffee next week to talk about the partnership?", n=2))
    snapshot = Snapshot(events=(event,), interactions={contact: thread},
                        languages={contact: ("en",)})
    config = make_config(me={"language": "da"})
    action = followup_action(event, snapshot, event.end + timedelta(days=1), config)
    assert (action.language, action.language_reason) == (
        "en", "en: 1 of their last 1 mail is in English")
    draft = Composer().render(action, Recipient(config.me.addresses[0], config.me.name))
    assert not draft.body.lstrip().startswith("Hej") and "Hi" in draft.body
    # without their mail, the English thread and then the English title still say so
    for kept in (replace(snapshot, languages={}),
                 replace(snapshot, languages={}, interactions={})):
        assert followup_action(event, kept, event.end, config).language == "en"


def test_asking_without_evidence_keeps_the_answers_with_it() -> None:
    reuse, config = Reuse(), make_config()
    snapshot = Snapshot(languages={ANA: ("en",)})
    contacts = snapshot.contacts
    first = choose_language(ANA, NAMES_ONLY, contacts, config, reuse, snapshot=snapshot)
    # asked without the mail evidence
    assert choose_language(ANA, NAMES_ONLY, contacts, config, reuse).language == "da"
    assert choose_language(ANA, NAMES_ONLY, contacts, config, reuse, snapshot=snapshot) is first
