"""Gmail's search language, parsed once for both of its users.

kaffe adds the user's ``[gmail] query`` to every Gmail listing, and the emulator
answers ``q``. Both read it with this parser so they cannot drift apart: the config
refuses at load what Gmail would read differently from what the user meant (an
unclosed group, ``form:`` for ``from:``, ``newer_than:2w``), and the emulator
implements the same grammar.

The grammar is Gmail's documented one (support.google.com/mail/answer/7190):
terms are ANDed; ``OR`` (upper case) binds tighter than the implicit AND; ``{a b}``
is an OR-group, ``(a b)`` an AND-group; ``-term`` negates; ``"a phrase"`` is
quoted; ``op:value``, ``op:"a phrase"``, ``op:(a b)`` and ``op:{a b}`` apply the
operator to the value or group. A word with a colon whose prefix is no Gmail
operator (``http://x``, ``form:alice``) is, for Gmail, plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Gmail's documented operators. ``older``/``newer`` are aliases of before/after.
OPERATORS = frozenset({
    "from", "to", "cc", "bcc", "subject", "label", "category", "has", "list",
    "filename", "in", "is", "after", "before", "older", "newer", "older_than",
    "newer_than", "deliveredto", "size", "larger", "smaller", "rfc822msgid",
})
# The values Gmail documents for the operators that take a fixed set.
VALUES: dict[str, frozenset[str]] = {
    "in": frozenset({"inbox", "sent", "draft", "drafts", "spam", "trash", "chats", "starred",
                     "important", "anywhere", "snoozed"}),
    "is": frozenset({"unread", "read", "starred", "important", "muted", "snoozed"}),
    "category": frozenset({"primary", "social", "promotions", "updates", "forums",
                           "reservations", "purchases"}),
    "has": frozenset({"attachment", "drive", "document", "spreadsheet", "presentation",
                      "youtube", "userlabels", "nouserlabels", "yellow-star", "orange-star",
                      "red-star", "purple-star", "blue-star", "green-star", "red-bang",
                      "orange-guillemet", "yellow-bang", "green-check", "blue-info",
                      "purple-question"}),
}
DATE = re.compile(r"^(\d{4}[/-]\d{1,2}[/-]\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d+)$")
AGE = re.compile(r"^(\d+)([dmy])$", re.IGNORECASE)
SIZE = re.compile(r"^(\d+)([km]?)$", re.IGNORECASE)
_DATE_OPS = ("after", "before", "older", "newer")
_AGE_OPS = ("older_than", "newer_than")
_SIZE_OPS = ("size", "larger", "smaller")
_STOP = set(' \t\r\n(){}"')


class QueryError(ValueError):
    """A query Gmail would not read as written; ``operator`` names the culprit."""

    def __init__(self, message: str, operator: str = "") -> None:
        super().__init__(message)
        self.operator = operator


@dataclass(frozen=True)
class Term:
    """One search term; ``op`` is "" for text, ``known`` whether Gmail has that operator."""

    op: str
    value: str
    quoted: bool = False

    @property
    def known(self) -> bool:
        return not self.op or self.op in OPERATORS


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class All:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Around:
    """``a AROUND n b``: words near each other (documented; nothing here evaluates it)."""

    left: Node
    distance: int
    right: Node


Node = Term | Not | All | AnyOf | Around


# -- tokens ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tok:
    kind: str  # word | open | close | neg | or | opgroup
    text: str = ""
    op: str = ""
    quoted: bool = False


def tokenize(q: str) -> list[_Tok]:
    """Split ``q`` into words, group brackets, ``-`` and ``OR``."""
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(q):
        char = q[pos]
        if char.isspace():
            pos += 1
        elif char in "({":
            tokens.append(_Tok("open", char))
            pos += 1
        elif char in ")}":
            tokens.append(_Tok("close", char))
            pos += 1
        elif char == "-" and pos + 1 < len(q) and q[pos + 1] not in _STOP - {"(", "{", '"'}:
            tokens.append(_Tok("neg"))
            pos += 1
        elif char == '"':
            text, pos = _quoted(q, pos)
            tokens.append(_Tok("word", text, quoted=True))
        else:
            pos = _word(q, pos, tokens)
    return tokens


def _quoted(q: str, pos: int) -> tuple[str, int]:
    end = q.find('"', pos + 1)
    if end < 0:
        raise QueryError(f"a quote opened at character {pos + 1} is never closed")
    return q[pos + 1 : end], end + 1


def _word(q: str, pos: int, tokens: list[_Tok]) -> int:
    start = pos
    while pos < len(q) and q[pos] not in _STOP:
        pos += 1
    text = q[start:pos]
    op, colon, value = text.partition(":")
    is_op = bool(colon) and re.fullmatch(r"[A-Za-z_]+", op) is not None
    if is_op and not value and pos < len(q) and q[pos] in "({":
        tokens.append(_Tok("opgroup", op=op.lower()))
    elif is_op and not value and pos < len(q) and q[pos] == '"':
        phrase, pos = _quoted(q, pos)
        tokens.append(_Tok("word", phrase, op=op.lower(), quoted=True))
    elif is_op and value:
        tokens.append(_Tok("word", value, op=op.lower()))
    elif text in ("OR", "|"):
        tokens.append(_Tok("or"))
    elif text != "AND":  # AND is Gmail's implicit default
        tokens.append(_Tok("word", text))
    return pos


# -- parser --------------------------------------------------------------------------
def parse(q: str) -> Node:
    """The query as a tree; :class:`QueryError` where Gmail's syntax is broken."""
    parser = _Parser(tokenize(q or ""))
    nodes = parser.sequence(closer="", context="")
    if parser.pos < len(parser.tokens):
        raise QueryError(f'"{parser.tokens[parser.pos].text}" closes a group never opened')
    return All(tuple(nodes))


class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def sequence(self, closer: str, context: str) -> list[Node]:
        """Terms up to ``closer`` ("" = the end), ``OR`` and AROUND folded in."""
        nodes: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind != "close":
            node = self.unary(context)
            while (nxt := self.peek()) is not None and nxt.kind == "or":
                self.pos += 1
                node = AnyOf((*_alternatives(node), self.unary(context)))
            nodes.append(self._around(node, context))
        self._close(closer)
        return nodes

    def _around(self, node: Node, context: str) -> Node:
        tok, after = self.peek(), self.tokens[self.pos + 1 : self.pos + 2]
        if tok and tok.kind == "word" and tok.text == "AROUND" and not tok.quoted and not tok.op:
            if not after or not after[0].text.isdigit():
                raise QueryError("AROUND needs a distance: a AROUND 5 b", "AROUND")
            self.pos += 2
            return Around(node, int(after[0].text), self.unary(context))
        return node

    def _close(self, closer: str) -> None:
        tok = self.peek()
        if not closer:
            return
        if tok is None:
            raise QueryError(f'a group opened with "{_OPENER[closer]}" is never closed')
        if tok.text != closer:
            raise QueryError(f'"{_OPENER[closer]}" is closed by "{tok.text}"')
        self.pos += 1

    def unary(self, context: str) -> Node:
        tok = self.peek()
        if tok is None or tok.kind in ("close", "or"):
            raise QueryError("OR needs a term on both sides" if tok and tok.kind == "or"
                             else "a term is missing")
        self.pos += 1
        if tok.kind == "neg":
            return Not(self.unary(context))
        if tok.kind == "opgroup":
            return self.unary(tok.op)
        if tok.kind == "open":
            closer = "}" if tok.text == "{" else ")"
            nodes = tuple(self.sequence(closer, context))
            if not nodes:
                raise QueryError(f'an empty group "{tok.text}{closer}"')
            return AnyOf(nodes) if closer == "}" else All(nodes)
        return Term(tok.op or context, tok.text, tok.quoted)


_OPENER = {")": "(", "}": "{"}


def _alternatives(node: Node) -> tuple[Node, ...]:
    return node.nodes if isinstance(node, AnyOf) else (node,)


# -- checks --------------------------------------------------------------------------
def terms(node: Node) -> list[Term]:
    """Every term in the tree, left to right."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.node)
    if isinstance(node, Around):
        return terms(node.left) + terms(node.right)
    return [t for child in node.nodes for t in terms(child)]


def check_term(term: Term) -> None:
    """:class:`QueryError` when a known operator has a value Gmail does not take."""
    op, value = term.op, term.value.lower()
    if not value:
        raise QueryError(f'"{op}:" has no value', op)
    if op in VALUES and value not in VALUES[op]:
        known = ", ".join(sorted(VALUES[op]))
        raise QueryError(f'"{op}:{term.value}" is not a Gmail search (known: {known})', op)
    if op in _DATE_OPS and not DATE.match(value):
        raise QueryError(f'"{op}:{term.value}": expected a date such as 2026/03/01', op)
    if op in _AGE_OPS and not AGE.match(value):
        raise QueryError(f'"{op}:{term.value}": expected a number and d, m or y, e.g. 7d', op)
    if op in _SIZE_OPS and not SIZE.match(value):
        raise QueryError(f'"{op}:{term.value}": expected bytes, e.g. 10M or 500000', op)


def validate(q: str) -> Node:
    """Parse ``q`` strictly, as the config does: broken syntax, operators Gmail does
    not have (it would search for their text) and values it does not take raise."""
    tree = parse(q)
    for term in terms(tree):
        if not term.known:
            raise QueryError(
                f'"{term.op}:" is no Gmail search operator (Gmail would look for the text '
                f'"{term.op}:{term.value}"); known: {", ".join(sorted(OPERATORS))}',
                term.op,
            )
        if term.op:
            check_term(term)
    return tree
