"""Gmail's search grammar, shared by the config check and the emulator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaffe.gmail_search import All, AnyOf, Around, Not, QueryError, Term, parse, validate


@pytest.mark.parametrize(("query", "tree"), [
    ("a b", All((Term("", "a"), Term("", "b")))),
    ("a OR b c", All((AnyOf((Term("", "a"), Term("", "b"))), Term("", "c")))),
    ("{a b} -c", All((AnyOf((Term("", "a"), Term("", "b"))), Not(Term("", "c"))))),
    ("from:{ana bo}", All((AnyOf((Term("from", "ana"), Term("from", "bo"))),))),
    ('subject:"kaffe i morgen"', All((Term("subject", "kaffe i morgen", quoted=True),))),
    ("subject:(kaffe morgen)", All((All((Term("subject", "kaffe"), Term("subject", "morgen"))),))),
    ("-(a OR b)", All((Not(All((AnyOf((Term("", "a"), Term("", "b"))),))),))),
    ("-{category:promotions category:social}", All((Not(AnyOf((
        Term("category", "promotions"), Term("category", "social")))),))),
    ("a AND b", All((Term("", "a"), Term("", "b")))),
    ("a AROUND 5 b", All((Around(Term("", "a"), 5, Term("", "b")),))),
    ("e-mail http://x.dk", All((Term("", "e-mail"), Term("http", "//x.dk")))),
    ("FROM:Ana", All((Term("from", "Ana"),))),
])
def test_parse(query: str, tree: object) -> None:
    assert parse(query) == tree


@pytest.mark.parametrize(("query", "message", "operator"), [
    ('"open', "a quote opened at character 1 is never closed", ""),
    ("(a b", 'a group opened with "(" is never closed', ""),
    ("{a b)", '"{" is closed by ")"', ""),
    ("a b)", '")" closes a group never opened', ""),
    ("a OR", "a term is missing", ""),
    ("OR a", "OR needs a term on both sides", ""),
    ("()", 'an empty group "()"', ""),
    ("form:ana", '"form:" is no Gmail search operator', "form"),
    ("newer_than:2w", '"newer_than:2w": expected a number and d, m or y', "newer_than"),
    ("after:yesterday", '"after:yesterday": expected a date', "after"),
    ("category:newsletters", '"category:newsletters" is not a Gmail search', "category"),
    ("in:archive", '"in:archive" is not a Gmail search', "in"),
    ("larger:big", '"larger:big": expected bytes', "larger"),
    ("a AROUND b", "AROUND needs a distance", "AROUND"),
])
def test_validate_refuses_what_gmail_would_read_otherwise(
    query: str, message: str, operator: str
) -> None:
    with pytest.raises(QueryError) as err:
        validate(query)
    assert str(err.value).startswith(message)
    assert err.value.operator == operator


@pytest.mark.parametrize("query", [
    "", "-in:chats", "-category:promotions -category:social", "{from:ana from:bo} has:attachment",
    "newer_than:6m -is:muted", "after:2026/03/01 before:2026-04-01", "larger:10M OR smaller:5k",
    'subject:("kaffe" OR coffee) -label:my-label', "list:dev.example.org filename:pdf",
    "in:anywhere -in:spam", "category:primary OR is:important",
])
def test_validate_accepts_documented_gmail(query: str) -> None:
    validate(query)


@given(st.text(alphabet=st.sampled_from(list('ab -:(){}"OR AROUND 5 from:in:x')), max_size=40))
def test_any_text_parses_or_is_a_query_error(query: str) -> None:
    """Never another exception: the emulator would answer 500, the config a traceback."""
    try:
        validate(query)
    except QueryError:
        pass
