"""A subset of Gmail's search language (``q``), enough for kaffe and its tests.

Supported: ``from: to: cc: bcc: subject: after: before: newer_than: older_than:
in: label: category: is: has:attachment rfc822msgid:``, bare words and "quoted phrases",
each optionally negated with ``-``; all terms must match (AND).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kaffe.emulator.gmail_mime import StoredMessage, text_of
from kaffe.emulator.wire import bad_request

Predicate = Callable[[StoredMessage], bool]
_TERM = re.compile(r'(-?)(?:(\w+):)?("[^"]*"|\S+)')
_UNITS = {"d": 1, "m": 30, "y": 365}
_FOLDERS = {
    "inbox": "INBOX",
    "sent": "SENT",
    "drafts": "DRAFT",
    "draft": "DRAFT",
    "spam": "SPAM",
    "trash": "TRASH",
    "chats": "CHAT",
    "starred": "STARRED",
}
_FLAGS = {
    "unread": ("UNREAD", True),
    "read": ("UNREAD", False),
    "starred": ("STARRED", True),
    "important": ("IMPORTANT", True),
}


def compile_query(q: str, now: datetime) -> tuple[list[Predicate], bool]:
    """Predicates for ``q`` and whether the query itself reaches into spam/trash."""
    predicates: list[Predicate] = []
    spam_trash = False
    for negate, op, value in _TERM.findall(q or ""):
        value = value.strip('"')
        op = op.lower()
        if op == "in" and value.lower() in ("anywhere", "spam", "trash"):
            spam_trash = True
        pred = _term(op, value, now)
        predicates.append(_negated(pred) if negate else pred)
    return predicates, spam_trash


def _negated(pred: Predicate) -> Predicate:
    return lambda m: not pred(m)


def _term(op: str, value: str, now: datetime) -> Predicate:
    if op in ("from", "to", "cc", "bcc", "subject"):
        headers = ("To", "Cc", "Bcc") if op == "to" else (op.capitalize(),)
        return lambda m: any(value.lower() in m.header(h).lower() for h in headers)
    if op in ("after", "before"):
        return _date_term(op, _parse_date(value, op))
    if op in ("newer_than", "older_than"):
        return _date_term("after" if op == "newer_than" else "before", now - _age(value, op))
    if op in ("in", "label"):
        label = _FOLDERS.get(value.lower(), value.upper())
        return (lambda m: True) if value.lower() == "anywhere" else (lambda m: label in m.labels)
    if op == "category":  # Gmail's inbox tabs: the CATEGORY_* labels
        tab = "CATEGORY_" + value.upper()
        return lambda m: tab in m.labels
    if op == "is" and value.lower() in _FLAGS:
        label, present = _FLAGS[value.lower()]
        return lambda m: (label in m.labels) == present
    if op == "has" and value.lower() == "attachment":
        return lambda m: any(p.get_filename() for p in m.parsed.walk())
    if op == "rfc822msgid":
        return lambda m: value.strip("<>") in m.header("Message-ID")
    word = f"{op}:{value}" if op else value
    return lambda m: word.lower() in _haystack(m)


def _date_term(op: str, when: datetime) -> Predicate:
    ms = int(when.timestamp() * 1000)
    if op == "after":
        return lambda m: m.internal_date >= ms
    return lambda m: m.internal_date < ms


def _parse_date(value: str, op: str) -> datetime:
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise bad_request(f"Invalid {op}: value {value!r}", location="q")


def _age(value: str, op: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([dmyh])", value.lower())
    if not match:
        raise bad_request(f"Invalid {op}: value {value!r}", location="q")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(hours=amount) if unit == "h" else timedelta(days=amount * _UNITS[unit])


def _haystack(m: StoredMessage) -> str:
    heads = " ".join(m.header(h) for h in ("Subject", "From", "To", "Cc"))
    return f"{heads} {text_of(m.parsed)}".lower()
