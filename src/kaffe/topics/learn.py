"""Remember what was discussed: topics from coffee meetings, from the notes folder and
(optionally) from the subjects of mail with the people met."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from kaffe.config.schema import Config
from kaffe.model import Event, Interaction, Recipient
from kaffe.store import Store
from kaffe.topics.extract import topics_from_event, topics_from_subjects

Outsiders = Callable[[Event], tuple[Recipient, ...]]


def learn_from_meetings(
    store: Store,
    meetings: Sequence[Event],
    interactions: Mapping[str, tuple[Interaction, ...]],
    people: Collection[str],
    config: Config,
    outsiders: Outsiders,
) -> int:
    """Store the topics the meetings (and, optionally, the mail with ``people``, the
    meetings' people from outside) name; returns how many were new. ``outsiders``
    gives a meeting's people from outside (the rules decide who that is:
    :func:`kaffe.rules.people.external_people`)."""
    found = []
    for event in meetings:
        found += topics_from_event(event, outsiders(event), event.start)
    if config.topics.from_mail:
        for contact in sorted(people):
            found += topics_from_subjects(contact, interactions.get(contact, ()))
    return store.add_topics(found)


def learn_from_notes(store: Store, config: Config) -> None:
    """Make the stored notes topics match the notes folder, when one is configured."""
    from kaffe.topics.notes import refresh_notes

    if config.topics.notes_dir is not None:
        refresh_notes(store, config.topics.notes_dir)
