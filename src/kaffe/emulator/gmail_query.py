"""Gmail's search language (``q``) over the stored messages.

The grammar is :mod:`kaffe.gmail_search`'s (the one kaffe's config checks a user's
``[gmail] query`` with): AND by default, ``OR``, ``{a b}``, ``(a b)``, ``-``,
quotes and ``op:(group)``. Evaluated here: ``from: to: cc: bcc: deliveredto:
list: subject: filename: rfc822msgid: after: before: older: newer: newer_than:
older_than: size: larger: smaller: in: label: is: category: has:attachment
has:userlabels has:nouserlabels`` and text (whole words, or a quoted phrase).
An unknown ``word:`` is text, as in Gmail.

Broken syntax gets Google's 400. Valid Gmail that the emulator does not evaluate
(``AROUND``, ``has:drive``, ``is:muted``, ``category:purchases`` ...) gets 501
naming it: a silent "matches everything" would hide a gap in a test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kaffe.emulator.gmail_mime import StoredMessage, text_of
from kaffe.emulator.wire import ApiError, bad_request
from kaffe.gmail_search import (
    AGE,
    SIZE,
    All,
    AnyOf,
    Around,
    Node,
    Not,
    QueryError,
    Term,
    check_term,
    parse,
    terms,
)

Predicate = Callable[[StoredMessage], bool]
_UNITS = {"d": 1, "m": 30, "y": 365}
_FOLDERS = {
    "inbox": "INBOX", "sent": "SENT", "drafts": "DRAFT", "draft": "DRAFT", "spam": "SPAM",
    "trash": "TRASH", "chats": "CHAT", "starred": "STARRED", "important": "IMPORTANT",
}
_FLAGS = {
    "unread": ("UNREAD", True), "read": ("UNREAD", False),
    "starred": ("STARRED", True), "important": ("IMPORTANT", True),
}
_CATEGORIES = ("social", "promotions", "updates", "forums")
_SYSTEM = frozenset({"INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "CHAT", "STARRED",
                     "IMPORTANT", "UNREAD"})
_ADDRESS = {"from": ("From",), "to": ("To", "Cc", "Bcc"), "cc": ("Cc",), "bcc": ("Bcc",),
            "deliveredto": ("Delivered-To",), "list": ("List-Id",)}


def compile_query(
    q: str, now: datetime, me: str = ""
) -> tuple[list[Predicate], bool]:
    """Predicates for ``q`` and whether the query itself reaches into spam/trash."""
    try:
        tree = parse(q or "")
        for term in terms(tree):
            if term.op and term.known:
                check_term(term)
    except QueryError as exc:
        raise bad_request(f"Invalid query: {exc}", location="q") from exc
    reach = any(t.op == "in" and t.value.lower() in ("anywhere", "spam", "trash")
                for t in terms(tree))
    try:
        return [_node(tree, now, me)], reach
    except (OverflowError, OSError, ValueError) as exc:  # after:99999999999999, 9999999y
        raise bad_request(f"Invalid query: {exc}", location="q") from exc


def _node(node: Node, now: datetime, me: str) -> Predicate:
    if isinstance(node, Term):
        return _term(node, now, me)
    if isinstance(node, Not):
        inner = _node(node.node, now, me)
        return lambda m: not inner(m)
    if isinstance(node, Around):
        raise _unimplemented("AROUND")
    parts = [_node(child, now, me) for child in node.nodes]
    if isinstance(node, All):
        return lambda m: all(p(m) for p in parts)
    assert isinstance(node, AnyOf)
    return lambda m: any(p(m) for p in parts)


def _unimplemented(what: str) -> ApiError:
    return ApiError(501, f"The emulator does not evaluate the Gmail search {what!r} "
                    "(valid in Gmail): add it to kaffe.emulator.gmail_query",
                    reason="notImplemented")


def _term(term: Term, now: datetime, me: str) -> Predicate:
    op, value = term.op, term.value
    if op in _ADDRESS:
        return _address(op, value, me)
    if op in ("subject", "") or not term.known:
        text = value if term.known else f"{op}:{value}"
        return _text(text, term.quoted, subject_only=op == "subject")
    simple = _simple(op, value.lower())
    if simple is not None:
        return simple
    if op in ("after", "newer", "before", "older"):
        return _date_term(op in ("after", "newer"), _parse_date(value))
    if op in ("newer_than", "older_than"):
        return _date_term(op == "newer_than", now - _age(value))
    if op in ("size", "larger", "smaller"):
        return _size_term(op, value)
    if op == "filename":
        return _filename(value.lower())
    if op == "rfc822msgid":
        return lambda m: value.strip("<>") in m.header("Message-ID")
    raise _unimplemented(f"{op}:{value}")


def _simple(op: str, value: str) -> Predicate | None:
    """Label-like operators: in:, label:, is:, category:, has:."""
    if op == "in" and value == "anywhere":
        return lambda m: True
    if op == "in" and value in _FOLDERS:
        return _has_label(_FOLDERS[value])
    if op == "label":
        return _label(value)
    if op == "is" and value in _FLAGS:
        label, present = _FLAGS[value]
        return lambda m: (label in m.labels) == present
    if op == "category" and value in _CATEGORIES:
        return _has_label(f"CATEGORY_{value.upper()}")
    if op == "category" and value == "primary":
        return lambda m: "CATEGORY_PERSONAL" in m.labels or not any(
            label.startswith("CATEGORY_") for label in m.labels)
    if op == "has" and value == "attachment":
        return lambda m: any(p.get_filename() for p in m.parsed.walk())
    if op == "has" and value in ("userlabels", "nouserlabels"):
        want = value == "userlabels"
        return lambda m: _user_labels(m) == want
    return None


def _has_label(label: str) -> Predicate:
    return lambda m: label in m.labels


def _label(value: str) -> Predicate:
    """Gmail writes a label's spaces and slashes as dashes in a search."""
    wanted = _FOLDERS.get(value, value).upper()
    canon = re.sub(r"[\s/_-]+", "-", wanted)
    return lambda m: any(re.sub(r"[\s/_-]+", "-", label.upper()) == canon for label in m.labels)


def _user_labels(m: StoredMessage) -> bool:
    return any(label not in _SYSTEM and not label.startswith("CATEGORY_") for label in m.labels)


def _address(op: str, value: str, me: str) -> Predicate:
    needle = (me if value.lower() == "me" and me else value).lower()
    headers = _ADDRESS[op]
    return lambda m: any(needle in m.header(h).lower() for h in headers)


def _text(value: str, quoted: bool, *, subject_only: bool) -> Predicate:
    """Whole words (Gmail does not match "meet" in "meeting"); a phrase as written."""
    words = value.lower().split()
    pattern = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")
    if subject_only:
        return lambda m: bool(pattern.search(m.header("Subject").lower()))
    return lambda m: bool(pattern.search(_haystack(m)))


def _filename(value: str) -> Predicate:
    def match(m: StoredMessage) -> bool:
        names = [str(p.get_filename()).lower() for p in m.parsed.walk() if p.get_filename()]
        return any(value in name or name.endswith("." + value) for name in names)

    return match


def _date_term(after: bool, when: datetime) -> Predicate:
    ms = int(when.timestamp() * 1000)
    if after:
        return lambda m: m.internal_date >= ms
    return lambda m: m.internal_date < ms


def _parse_date(value: str) -> datetime:
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise bad_request(f"Invalid query: bad date {value!r}", location="q")


def _age(value: str) -> timedelta:
    match = AGE.match(value)
    assert match is not None  # checked by check_term
    return timedelta(days=int(match.group(1)) * _UNITS[match.group(2).lower()])


def _size_term(op: str, value: str) -> Predicate:
    match = SIZE.match(value)
    assert match is not None  # checked by check_term
    limit = int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2).lower()]
    if op == "smaller":
        return lambda m: len(m.raw) < limit
    return lambda m: len(m.raw) > limit


def _haystack(m: StoredMessage) -> str:
    heads = " ".join(m.header(h) for h in ("Subject", "From", "To", "Cc"))
    return f"{heads} {text_of(m.parsed)}".lower()
