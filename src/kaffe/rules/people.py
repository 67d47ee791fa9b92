"""Who is who in an event: you, your organisation, and the people outside it."""

from __future__ import annotations

import re

from kaffe.config.schema import MeConfig
from kaffe.mailaddr import is_recipient
from kaffe.model import NEEDS_ACTION, Attendee, Event, Recipient
from kaffe.rules.reuse import Reuse

_LOCAL_SEPARATORS = re.compile(r"[._+\-]+")


def domain_of(email: str) -> str:
    """The lower-cased domain of an address ("" when there is none)."""
    return email.rpartition("@")[2].strip().lower() if "@" in email else ""


def is_me(attendee: Attendee, me: MeConfig) -> bool:
    """True for your own attendee entry: flagged ``self`` or one of your addresses."""
    return attendee.is_self or attendee.email.lower() in me.addresses


def is_organiser(event: Event, me: MeConfig) -> bool:
    """True when you organise ``event``: its organizer is one of your addresses, or your
    own attendee entry is flagged organizer (Google's ``self`` + ``organizer``)."""
    if event.organizer.strip().lower() in me.addresses:
        return True
    return any(a.organizer and is_me(a, me) for a in event.attendees)


def never_answered(event: Event, me: MeConfig) -> bool:
    """True for an invitation you never answered: your own attendee entry still reads
    NEEDS-ACTION (Google: ``needsAction``), or, on an invitation by mail, you are not
    on its list at all (sent to a list, forwarded). Never for a meeting you organise;
    a calendar event without your entry is your own (Google leaves it out then)."""
    if is_organiser(event, me):
        return False
    mine = [a for a in event.attendees if is_me(a, me)]
    if mine:
        return all(a.response == NEEDS_ACTION for a in mine)
    return event.calendar.startswith("mail:")


def is_internal(email: str, me: MeConfig) -> bool:
    """True for your own addresses and for your domains and their subdomains."""
    email = email.strip().lower()
    if email in me.addresses:
        return True
    domain = domain_of(email)
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in me.domains)


def people(event: Event) -> tuple[Attendee, ...]:
    """Attendees that are people: rooms and equipment are left out."""
    return tuple(a for a in event.attendees if not a.resource)


def others(event: Event, me: MeConfig) -> tuple[Attendee, ...]:
    """The people attending besides you."""
    return tuple(a for a in people(event) if not is_me(a, me))


def head_count(event: Event, me: MeConfig) -> int:
    """People in the meeting including you (counted even when the list omits you)."""
    return len(others(event, me)) + 1


def external_organizer(event: Event, me: MeConfig) -> str:
    """The organizer's address when it is outside your organisation, else ""."""
    organizer = event.organizer.strip().lower()
    if not organizer or is_internal(organizer, me):
        return ""
    return organizer


def external_people(event: Event, me: MeConfig, reuse: Reuse | None = None
                    ) -> tuple[Recipient, ...]:
    """The people from outside your organisation, attendees first, then the organizer
    when no attendee entry names them (ICS feeds often list only an organizer).
    ``reuse`` keeps the answer per live event (events and the config are frozen):
    every rule asks for the same meetings' people, cycle after cycle."""
    if reuse is None:
        return _external_people(event, me)
    cached = reuse.external.get(event)
    if cached is not None and cached[0] is me:
        return cached[1]
    found = _external_people(event, me)
    reuse.external.put(event, (me, found))
    return found


def _external_people(event: Event, me: MeConfig) -> tuple[Recipient, ...]:
    """Only addresses a draft can go to (:func:`kaffe.mailaddr.is_recipient`): the
    composer checks the same, so ``plan`` never promises what ``once`` cannot write,
    and a robot or relay on the guest list is never written to."""
    found = [Recipient(a.email, a.name) for a in others(event, me)
             if not is_internal(a.email, me) and is_recipient(a.email)]
    organizer = external_organizer(event, me)
    if organizer and is_recipient(organizer) and all(r.email != organizer for r in found):
        found.append(Recipient(organizer))
    return tuple(found)


def first_name(recipient: Recipient) -> str:
    """A first name to greet someone with: from the name ("Silva, Ana" too), else
    from the local part of the address, capitalised."""
    name = recipient.name.strip()
    if "," in name:
        name = name.partition(",")[2].strip() or name.partition(",")[0].strip()
    if name and "@" not in name:
        return _capitalise(name.split()[0])
    local = recipient.email.partition("@")[0]
    return _capitalise(next((p for p in _LOCAL_SEPARATORS.split(local) if p), local))


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]
