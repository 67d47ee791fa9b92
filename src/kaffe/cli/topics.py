"""``kaffe note CONTACT "…"`` and ``kaffe topics [CONTACT]``: the topic memory by hand."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo
from typing import TextIO

from kaffe.model import Topic
from kaffe.store import Store
from kaffe.timeutil import local_day
from kaffe.topics.extract import topics_from_note
from kaffe.topics.notes import is_address
from kaffe.wording import plural

log = logging.getLogger(__name__)

NOTE_SOURCE = "note"
EX_USAGE = 2


def note(
    store: Store, contact: str, text: str, now: datetime, out: TextIO,
    err: TextIO | None = None,
) -> int:
    """Remember the topics of a note about ``contact`` (source ``note``); returns the exit code.

    ``contact`` must be an e-mail address and ``text`` must say something, else
    a message on ``err`` (default: ``out``) explains it and the result is 2.
    """
    err = err or out
    contact = contact.strip().lower()
    if not is_address(contact):
        print(f"kaffe note: {contact!r} is not an e-mail address; "
              'use: kaffe note ana@example.com "talked about data mesh"', file=err)
        return EX_USAGE
    topics = topics_from_note(contact, text, NOTE_SOURCE, now)
    if not topics:
        print("kaffe note: the note is empty; write what you talked about", file=err)
        return EX_USAGE
    added = store.add_topics(topics)
    log.info("noted %d topic(s) for %s", added, contact)
    known = len(topics) - added
    suffix = f" ({known} already known)" if known else ""
    print(f"noted for {contact}: {', '.join(t.text for t in topics)}{suffix}", file=out)
    return 0


def show_topics(store: Store, contact: str | None, out: TextIO, zone: tzinfo = UTC) -> int:
    """Print each contact's topics, newest first, with source and date (the day in
    ``zone``, ``[me] timezone``); returns 0."""
    wanted = contact.strip().lower() if contact else None
    found = store.topics(wanted)
    if not found:
        print(_nothing_known(wanted), file=out)
        return 0
    for index, (address, topics) in enumerate(sorted(found.items())):
        if index:
            print(file=out)
        print(f"{address} ({plural(len(topics), 'topic')})", file=out)
        for line in topic_lines(topics, zone):
            print(line, file=out)
    return 0


def topic_lines(topics: tuple[Topic, ...], zone: tzinfo = UTC) -> list[str]:
    """One indented line per topic, newest first: date, text and where it came from."""
    newest = sorted(topics, key=lambda t: t.at, reverse=True)
    width = max(len(t.text) for t in newest)
    return [f"  {local_day(t.at, zone)}  {t.text:<{width}}  ({describe_source(t.source)})"
            for t in newest]


def describe_source(source: str) -> str:
    """A source as a reader wants it: "note", "notes file ana.md", "meeting google:…/abc"."""
    kind, _, detail = source.partition(":")
    names = {"event": "meeting", "notes": "notes file", "mail": "mail thread"}
    return f"{names.get(kind, kind)} {detail}" if detail else kind


def _nothing_known(contact: str | None) -> str:
    if contact:
        return (f"no topics known for {contact}; add one with: "
                f'kaffe note {contact} "what you talked about"')
    return ('no topics known yet; add them with kaffe note CONTACT "…", a "Topics:" line '
            "or #hashtags in the meeting's description, or files in [topics] notes_dir")
