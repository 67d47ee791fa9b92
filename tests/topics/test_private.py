"""What is marked private in a note is never read: not into topics, not into referrals
(issue 17: share trends, not confidences). Each form, in English and in Danish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kaffe.model import Event
from kaffe.topics.extract import topics_from_event, topics_from_note
from kaffe.topics.notes import parse_note
from kaffe.topics.private import is_private_line, is_private_note, public_text
from kaffe.topics.targets import parse_referrals

AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
ANA = "ana@northwind.example"
SECRET = "merger talks"


def texts(note: str, name: str = f"{ANA}.md") -> list[str]:
    return [t.text for t in parse_note(name, note, AT)]


@pytest.mark.parametrize("mark", ["(private)", "(privat)", "(Private)", "(PRIVAT)"])
def test_a_marked_line_is_left_out(mark: str) -> None:
    note = f"Topics: data mesh\n#dbt\nTopics: {SECRET} {mark}\n#layoffs {mark}\n"
    assert texts(note) == ["data mesh", "dbt"]


@pytest.mark.parametrize("mark", ["(private)", "(privat)"])
def test_a_marked_bullet_under_topics_is_left_out(mark: str) -> None:
    note = f"## Topics\n- data mesh\n- {SECRET} {mark}\n- {mark} health\n- dbt\n"
    assert texts(note) == ["data mesh", "dbt"]


@pytest.mark.parametrize("heading", ["## Private", "## Privat", "# private", "### Privat:"])
def test_a_private_section_is_left_out_up_to_the_next_heading(heading: str) -> None:
    level = heading.split()[0]
    note = (f"Topics: data mesh\n{heading}\nTopics: {SECRET}\n#burnout\n"
            f"{level}# Sub heading stays private\n- #family\n"
            f"{level} Later\nTopics: dbt\n")
    assert texts(note) == ["data mesh", "dbt"]


@pytest.mark.parametrize("value", ["true", "yes", "ja", "sand", "True", "\"true\""])
def test_a_private_note_gives_nothing(value: str) -> None:
    note = (f"---\ncontact: {ANA}\nprivate: {value}\ntopics: {SECRET}\n---\n"
            "Topics: data mesh\n#dbt\n")
    assert texts(note, "ana.md") == []


@pytest.mark.parametrize("value", ["false", "no", "nej", ""])
def test_a_note_not_private_is_read(value: str) -> None:
    note = f"---\ncontact: {ANA}\nprivate: {value}\n---\nTopics: data mesh\n"
    assert texts(note, "ana.md") == ["data mesh"]


def test_front_matter_topics_marked_private_are_left_out() -> None:
    note = f"---\ncontact: {ANA}\ntopics: data mesh, {SECRET} (privat)\n---\n"
    assert texts(note, "ana.md") == ["data mesh"]


def test_the_word_private_alone_is_no_mark() -> None:
    """"private equity" is a topic, not a mark: only the bracketed word counts."""
    assert texts("Topics: private equity, privat økonomi\n") == ["private equity",
                                                                   "privat økonomi"]


@pytest.mark.parametrize("mark", ["(private)", "(privat)"])
def test_kaffe_note_leaves_private_lines_out(mark: str) -> None:
    found = [t.text for t in topics_from_note(ANA, f"data mesh\n{SECRET} {mark}", "note", AT)]
    assert found == ["data mesh"]
    assert topics_from_note(ANA, f"{SECRET} {mark}", "note", AT) == []


def test_a_meeting_description_keeps_its_private_lines_out() -> None:
    event = Event(id="e", calendar="c", summary="Coffee", start=AT, end=AT,
                  description=f"Topics: data mesh\nTopics: {SECRET} (private)\n")
    from kaffe.model import Recipient

    assert [t.text for t in topics_from_event(event, (Recipient(ANA),), AT)] == ["data mesh"]


@pytest.mark.parametrize(("note", "referred"), [
    ("## Referrals\n- Bo <bo@x.example> — ports\n- Cy <cy@x.example> — health (private)\n",
     ["bo@x.example"]),
    ("Referral: Bo <bo@x.example> — ports\n## Privat\nReferral: Cy <cy@x.example> — x\n",
     ["bo@x.example"]),
    ("---\nprivate: ja\n---\nReferral: Bo <bo@x.example> — ports\n", []),
])
def test_private_referrals_are_not_read(note: str, referred: list[str]) -> None:
    assert [t.email for t in parse_referrals(note, f"{ANA}.md")] == referred


def test_line_numbers_still_point_at_the_file() -> None:
    note = "# Ana\n## Private\nsecret\n## Referrals\n- Bo <bo@x.example> — ports\n"
    (bo,) = parse_referrals(note, f"{ANA}.md")
    assert bo.where == f"notes:{ANA}.md:5"
    assert public_text(note).splitlines()[2] == ""


def test_helpers() -> None:
    assert is_private_line("x (privat)") and not is_private_line("privat økonomi")
    assert is_private_note({"private": "yes"}) and not is_private_note({})
