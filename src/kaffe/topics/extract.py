"""Topic memory, extracted: what you talked about with whom, from events, notes and mail.

Pure text handling. A topic is a short, normalised phrase ("data mesh"); it is
found in a ``Topics:`` / ``Emner:`` / ``Agenda:`` line, in ``#hashtags``, in the
bullets under a ``## Topics`` heading of a markdown note, or (optionally) in the
subject of a mail thread.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from kaffe.model import Event, Interaction, Recipient, Topic
from kaffe.topics.private import public_text

MAX_TOPIC_CHARS = 200

# "Topics: a, b", "Emner: a og b", "**Agenda:** a; b", "> Topic: a" (markdown decorations
# allowed), at the start of a line or of a sentence: "Great talk. Topics: a, b".
_LABEL_LINE = re.compile(
    r"(?:^[\s>*_\-]*|[.!?]\s+[*_]*)(?:topics?|emner?|agenda)[*_]*\s*:[*_]*\s*(.*)$",
    re.IGNORECASE,
)
# Separators inside a topics line: commas, semicolons, "and", "og", a pipe or a bullet.
_SEPARATORS = re.compile(r"\s*(?:[,;|\u2022]|\s(?:and|og)\s)\s*", re.IGNORECASE)
# A hashtag starts with a letter and is not part of a word, an entity or a URL.
_HASHTAG = re.compile(r"(?<![\w&/#])#([^\W\d_](?:[\w\-]*\w)?)")
_URL = re.compile(r"(?:https?://|www\.|mailto:)\S+", re.IGNORECASE)
_MARKDOWN_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+(.*)$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_TOPICS_HEADINGS = frozenset({"topics", "topic", "emner", "emne", "agenda"})
# HTML that ends a line: Google sends descriptions as HTML.
_HTML_BREAK = re.compile(r"<\s*(?:br|/p|/div|/li|/h\d|/tr)\b[^>]*>", re.IGNORECASE)
_HTML_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")
# Decoration around a topic: quotes and markdown emphasis; in front also bullets and "#",
# behind also punctuation (brackets stay: "kafka (streams)").
_LEADING = re.compile(r"^[\s\"'`*_«»“”‘’#\-\u2022]+")
_TRAILING = re.compile(r"[\s\"'`*_«»“”‘’.,;:!?…\-–—]+$")


def normalise(text: str) -> str:
    """A topic as kaffe stores it: stripped, single-spaced, lower-case, no trailing punctuation."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return _shorten(_TRAILING.sub("", _LEADING.sub("", text)).lower())


def _shorten(text: str) -> str:
    """Cut a long text at a word boundary, at most :data:`MAX_TOPIC_CHARS` characters."""
    if len(text) <= MAX_TOPIC_CHARS:
        return text
    head = text[:MAX_TOPIC_CHARS + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head.strip() else head[:MAX_TOPIC_CHARS]
    return _TRAILING.sub("", cut)


def unique(texts: Iterable[str]) -> list[str]:
    """Normalised, non-empty texts, each once, in first-seen order."""
    return list(dict.fromkeys(t for t in map(normalise, texts) if t))


def plain_text(text: str) -> str:
    """HTML (as Google sends descriptions) to plain text, keeping line breaks and list items."""
    if "<" not in text and "&" not in text:
        return text
    text = _HTML_ITEM.sub("\n- ", _HTML_BREAK.sub("\n", text))
    return html.unescape(_HTML_TAG.sub(" ", text))


def split_topics(line: str) -> list[str]:
    """The topics of one ``Topics:`` line: split on commas, semicolons, "and" and "og"."""
    return unique(_SEPARATORS.split(line))


def label_topics(text: str) -> list[str]:
    """Topics from ``Topics:`` / ``Emner:`` / ``Agenda:`` lines.

    An empty label line takes the bullet items that follow it instead.
    """
    found: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _LABEL_LINE.search(line)
        if match is None:
            continue
        rest = match.group(1).strip()
        found += split_topics(rest) if rest else _bullets(lines[index + 1:])
    return unique(found)


def _bullets(lines: list[str]) -> list[str]:
    """The bullet items at the start of ``lines`` (blank lines between them allowed)."""
    items = []
    for line in lines:
        match = _BULLET.match(line)
        if match:
            items.append(match.group(1))
        elif line.strip():
            break
    return items


def hashtags(text: str) -> list[str]:
    """``#dataquality`` → "dataquality", ``#data-mesh`` → "data mesh"; URLs are not tags."""
    text = _URL.sub(" ", _MARKDOWN_LINK_TARGET.sub("] ", text))
    tags = (m.group(1).replace("_", " ").replace("-", " ") for m in _HASHTAG.finditer(text))
    return unique(tags)


def heading_topics(markdown: str) -> list[str]:
    """The list items under a ``## Topics`` (or ``## Emner``) heading, up to the next heading."""
    found: list[str] = []
    inside = False
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            inside = normalise(heading.group(2)) in _TOPICS_HEADINGS
        elif inside and (item := _BULLET.match(line)):
            found.append(item.group(1))
    return unique(found)


def _topics(contacts: Iterable[str], texts: list[str], source: str, at: datetime) -> list[Topic]:
    """One :class:`Topic` per (contact, text), addresses lower-cased, each pair once."""
    pairs = dict.fromkeys((c.strip().lower(), t) for c in contacts for t in texts)
    return [Topic(contact, text, source, at) for contact, text in pairs if contact]


def topics_from_event(
    event: Event, contacts: tuple[Recipient, ...], at: datetime
) -> list[Topic]:
    """The topics of a meeting, for each of ``contacts``, with source ``event:<event.key>``.

    From a ``Topics:`` line in the description and ``#hashtags`` in the title or
    the description (HTML descriptions included).
    """
    description = public_text(plain_text(event.description))
    texts = unique([*label_topics(description), *hashtags(event.summary), *hashtags(description)])
    return _topics((c.email for c in contacts), texts, f"event:{event.key}", at)


def note_texts(text: str) -> list[str]:
    """A note's topics: its ``Topics:`` lines, heading bullets and hashtags, else the whole
    note; what is marked private (:mod:`kaffe.topics.private`) is left out first."""
    text = public_text(text)
    found = unique([*label_topics(text), *heading_topics(text), *hashtags(text)])
    return found or unique([text])


def topics_from_note(contact: str, text: str, source: str, at: datetime) -> list[Topic]:
    """Topics from a free-text note about ``contact`` (see :func:`note_texts`)."""
    return _topics((contact,), note_texts(text), source, at)


def markdown_topics(markdown: str) -> list[str]:
    """A notes file's topics: ``Topics:`` lines, heading bullets and hashtags (no fallback)."""
    return unique([*label_topics(markdown), *heading_topics(markdown), *hashtags(markdown)])


# Reply and forward prefixes in English, Danish/Norwegian/Swedish and German mail clients.
_REPLY_PREFIX = re.compile(r"^\s*(?:re|fwd?|sv|vs|vb|aw|wg|tr)\s*(?:\[\d+\])?\s*:\s*", re.I)
# Calendar notifications: their subject names a meeting, not something you talked about.
_NOTIFICATION = re.compile(
    r"^\s*(?:updated\s+|new\s+|opdateret\s+|ny\s+)?(?:invitation|invite|accepted|declined"
    r"|tentative|tentatively accepted|cancell?ed|cancell?ation|reminder|notification"
    r"|accepteret|afvist|foreløbig|aflyst|aflysning|påmindelse)\b[^:]*:",
    re.IGNORECASE,
)
# Words that say nothing about a topic: a subject made only of these is skipped.
_GENERIC_WORDS = frozenset(
    "hi hello hey hej hejsa dear thanks thank you tak for the a an our your my and og to til"
    " at with med coffee coffees kaffe kaffen kaffemøde kaffemødet meeting møde mødet mødes"
    " catch up catch-up chat snak quick question spørgsmål follow followup follow-up"
    " opfølgning next week this today tomorrow i morgen på monday tuesday wednesday"
    " thursday friday saturday sunday mandag tirsdag onsdag torsdag fredag lørdag søndag"
    " time tid soon snart again igen intro introduction introduktion no subject meet nice"
    " great good godt see lovely dejligt hyggeligt invite invitation call opkald teams zoom"
    " online video".split()
)
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def subject_topic(subject: str) -> str:
    """The topic a mail subject names, or "" for replies to nothing, notifications and greetings."""
    previous = None
    while previous != subject:
        previous, subject = subject, _REPLY_PREFIX.sub("", subject)
    if _NOTIFICATION.match(subject):
        return ""
    words = _WORD.findall(subject.lower())
    if not words or all(w in _GENERIC_WORDS for w in words):
        return ""
    return normalise(subject)


def topics_from_subjects(contact: str, interactions: Iterable[Interaction]) -> list[Topic]:
    """Topics from the subjects of your mail threads with ``contact`` (``[topics] from_mail``).

    One topic per thread, dated by its first message, with source ``mail:<thread>``;
    kaffe's own drafts are left out.
    """
    firsts: dict[tuple[str, str], Interaction] = {}
    for item in sorted(interactions, key=lambda i: i.at):
        text = "" if item.kaffe_key else subject_topic(item.subject)
        thread = item.thread_id or item.message_key
        if text and (thread, text) not in firsts:
            firsts[(thread, text)] = item
    found = [Topic(contact.strip().lower(), text, f"mail:{thread}", item.at)
             for (thread, text), item in firsts.items()]
    return _dedupe_texts(found)


def _dedupe_texts(topics: list[Topic]) -> list[Topic]:
    """The same subject text in several threads: keep the oldest."""
    seen: dict[tuple[str, str], Topic] = {}
    for topic in topics:
        seen.setdefault((topic.contact, topic.text), topic)
    return list(seen.values())
