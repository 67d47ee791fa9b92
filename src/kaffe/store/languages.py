"""The language of each received personal message, judged once when it is stored.

Only the verdict is kept (language, confidence), keyed by the message and deleted with
it; the subject and first words (:attr:`Message.sample`) it was judged from are not.
"""

from __future__ import annotations

import sqlite3
import sys

from kaffe.language import CONFIDENCE_FLOOR, identify
from kaffe.model import RECEIVED, LanguageVerdict, Message
from kaffe.store.codec import dt_from_text, dt_to_text
from kaffe.store.interactions import normalise

# Per contact, the rules are handed this many of the latest verdicts.
LATEST = 5

_UPSERT = """
INSERT INTO languages (message_key, contact, at, language, confidence) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (message_key) DO UPDATE SET contact = excluded.contact, at = excluded.at,
    language = excluded.language, confidence = excluded.confidence
"""


def text_of(message: Message) -> str:
    """What the language is judged from: the subject and the first words."""
    return f"{message.subject}\n{message.sample}".strip()


def judge(conn: sqlite3.Connection, message: Message, own: frozenset[str] = frozenset()) -> int:
    """Judge and store the language of ``message`` if it is personal mail received from
    someone other than you (``own``: your addresses, normalised); returns 1 if a
    verdict was stored."""
    sender = normalise(message.sender.email)
    if message.direction != RECEIVED or message.bulk or not sender or sender in own:
        return 0
    guess = identify(text_of(message))
    if not guess.language:
        conn.execute("DELETE FROM languages WHERE message_key = ?", (message.key,))
        return 0
    conn.execute(_UPSERT, (message.key, sender,
                           dt_to_text(message.date), guess.language, guess.confidence))
    return 1


_LATEST = """
SELECT contact, message_key, at, language, confidence FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY contact ORDER BY at DESC, message_key DESC) AS n
    FROM languages)
WHERE n <= ? ORDER BY contact, at, message_key
"""


def latest(conn: sqlite3.Connection, per_contact: int = LATEST
           ) -> dict[str, tuple[LanguageVerdict, ...]]:
    """Per contact, the verdicts of their ``per_contact`` latest messages, oldest first."""
    found: dict[str, list[LanguageVerdict]] = {}
    for contact, key, at, language, confidence in conn.execute(_LATEST, (per_contact,)):
        found.setdefault(contact, []).append(
            LanguageVerdict(key, dt_from_text(at), language, float(confidence)))
    return {contact: tuple(items) for contact, items in found.items()}


def written(conn: sqlite3.Connection, per_contact: int = LATEST,
            floor: float = CONFIDENCE_FLOOR) -> dict[str, tuple[str, ...]]:
    """What the rules are handed: per contact, the languages of their ``per_contact``
    latest messages, oldest first, "" where the verdict is below ``floor``. Small on
    purpose (one tuple of shared two-letter strings per contact): it lives in every
    snapshot."""
    found: dict[str, list[str]] = {}
    for contact, _key, _at, language, confidence in conn.execute(_LATEST, (per_contact,)):
        found.setdefault(contact, []).append(
            sys.intern(language) if confidence >= floor else "")
    return {contact: tuple(items) for contact, items in found.items()}
