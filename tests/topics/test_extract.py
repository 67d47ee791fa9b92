"""Topic extraction: Topics lines, hashtags, HTML descriptions, notes and mail subjects."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaffe.connectors.google.normalize import normalize_event
from kaffe.model import Interaction, Recipient, Topic
from kaffe.topics.extract import (
    MAX_TOPIC_CHARS,
    hashtags,
    heading_topics,
    label_topics,
    markdown_topics,
    normalise,
    plain_text,
    split_topics,
    subject_topic,
    topics_from_event,
    topics_from_note,
    topics_from_subjects,
)
from tests.rules.factories import make_event

AT = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
ANA = Recipient("Ana@Partner.example", "Ana Silva")
BO = Recipient("bo@other.example", "Bo")


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Data   Mesh. ", "data mesh"),
    ("dbt!?", "dbt"),
    ('"Grøn omstilling"', "grøn omstilling"),
    ("**Kafka**", "kafka"),
    ("- ", ""),
    ("Snowflake …", "snowflake"),
])
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_cuts_long_text_at_a_word() -> None:
    text = normalise("word " * 100)
    assert len(text) <= MAX_TOPIC_CHARS and text.endswith("word")
    assert len(normalise("x" * 500)) == MAX_TOPIC_CHARS


@pytest.mark.parametrize(("line", "expected"), [
    ("data mesh, dbt", ["data mesh", "dbt"]),
    ("data mesh; dbt and Kafka", ["data mesh", "dbt", "kafka"]),
    ("grøn omstilling og vindmøller", ["grøn omstilling", "vindmøller"]),
    ("Data Mesh, data mesh, ,", ["data mesh"]),
    ("brand and marketing", ["brand", "marketing"]),
    ("android", ["android"]),  # "and" inside a word is not a separator
])
def test_split_topics(line: str, expected: list[str]) -> None:
    assert split_topics(line) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Topics: data mesh, dbt", ["data mesh", "dbt"]),
    ("Hi!\nEmner: grøn omstilling; vindmøller\nSee you", ["grøn omstilling", "vindmøller"]),
    ("agenda: hiring", ["hiring"]),
    ("**Topic:** data contracts", ["data contracts"]),
    ("Agenda:\n- hiring\n- onboarding\n\nBye", ["hiring", "onboarding"]),
    ("Let us talk about topics: nothing here", []),  # the label starts the line
    ("No label at all", []),
])
def test_label_topics(text: str, expected: list[str]) -> None:
    assert label_topics(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("#dataquality and #data-mesh", ["dataquality", "data mesh"]),
    ("#Data_Mesh. #dbt, (#kafka)", ["data mesh", "dbt", "kafka"]),
    ("#grønomstilling", ["grønomstilling"]),
    ("see https://example.com/page#section and www.x.example/#top", []),
    ("[link](#anchor) &#39; C# room #3 issue#12", []),
    ("## Heading", []),
])
def test_hashtags(text: str, expected: list[str]) -> None:
    assert hashtags(text) == expected


def test_plain_text_turns_google_html_into_lines() -> None:
    html = "Topics: data mesh, dbt<br>Agenda:<ul><li>hiring</li><li>Kafka &amp; streams</li></ul>"
    text = plain_text(html)
    assert "<" not in text and "Kafka & streams" in text
    assert label_topics(text) == ["data mesh", "dbt", "hiring", "kafka & streams"]


def test_heading_topics_stop_at_the_next_heading() -> None:
    markdown = "# Ana\n- not this\n## Topics\n- dbt\n* data mesh\n1. Kafka\n## Family\n- kids"
    assert heading_topics(markdown) == ["dbt", "data mesh", "kafka"]


def test_topics_from_event_per_contact_with_source() -> None:
    event = make_event(
        summary="Coffee #datamesh",
        description="<p>Looking forward!</p><p>Topics: dbt, Data contracts</p>#kafka",
    )
    topics = topics_from_event(event, (ANA, BO), AT)
    texts = ["dbt", "data contracts", "datamesh", "kafka"]
    assert topics == [Topic(who, text, f"event:{event.key}", AT)
                      for who in ("ana@partner.example", "bo@other.example") for text in texts]


def test_event_without_topics_gives_none() -> None:
    event = make_event(description="Let's meet at https://cafe.example/#menu")
    assert topics_from_event(event, (ANA,), AT) == []


def test_real_google_descriptions_with_links_give_no_topics(corpus: Path) -> None:
    path = corpus / "calendar_json" / "nango__events_list_upcoming_single_events_attendees.json"
    items = json.loads(path.read_text())["items"]
    events = [normalize_event(item, "google:primary") for item in items]
    assert any("<a href" in e.description for e in events)
    assert [t for e in events for t in topics_from_event(e, (ANA,), AT)] == []


def test_note_with_topics_line_and_hashtags() -> None:
    topics = topics_from_note("ana@partner.example", "Great talk. Topics: dbt, #kafka", "note", AT)
    assert [t.text for t in topics] == ["dbt", "kafka"]
    assert {(t.source, t.at) for t in topics} == {("note", AT)}


def test_note_without_markers_is_one_topic() -> None:
    topics = topics_from_note("ana@partner.example", "  She moves to  Snowflake.\n", "note", AT)
    assert topics == [Topic("ana@partner.example", "she moves to snowflake", "note", AT)]


def test_empty_note_has_no_topics() -> None:
    assert topics_from_note("ana@partner.example", "  .. ", "note", AT) == []


def test_markdown_topics_has_no_whole_file_fallback() -> None:
    assert markdown_topics("# Ana\n\nMet at a conference.") == []


@pytest.mark.parametrize(("subject", "expected"), [
    ("Re: Data mesh at Northwind", "data mesh at northwind"),
    ("SV: Re: Fwd: Snowflake migration!", "snowflake migration"),
    ("Re: Coffee next week?", ""),
    ("Hi", ""),
    ("Tak for kaffen", ""),
    ("Invitation: Coffee @ Wed 11 Mar", ""),
    ("Accepted: Coffee with Ana", ""),
    ("Opdateret invitation: Kaffe", ""),
    ("", ""),
])
def test_subject_topic(subject: str, expected: str) -> None:
    assert subject_topic(subject) == expected


def test_real_calendar_notification_subjects_are_skipped(corpus: Path) -> None:
    subjects = {}
    for path in sorted((corpus / "eml").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        subjects[path.name] = str(message["subject"] or "")
    notifications = [s for s in subjects.values() if s.startswith(("Invitation:", "Cancellation:"))]
    assert notifications and all(subject_topic(s) == "" for s in notifications)


def _mail(subject: str, hours: int, thread: str = "t1", kaffe_key: str = "") -> Interaction:
    return Interaction("ana@partner.example", "received", AT + timedelta(hours=hours),
                       f"gmail/{thread}-{hours}", thread, subject, kaffe_key=kaffe_key)


def test_topics_from_subjects_one_per_thread_dated_by_first_mail() -> None:
    mails = [
        _mail("Re: Data mesh at Northwind", 5),
        _mail("Data mesh at Northwind", 1),
        _mail("Coffee next week?", 0, "t2"),
        _mail("Data mesh at Northwind", 9, "t3"),  # same text, later thread: known already
        _mail("Thanks for the coffee, and dbt", 2, "t4", kaffe_key="followup:x"),
    ]
    assert topics_from_subjects("Ana@Partner.example", mails) == [
        Topic("ana@partner.example", "data mesh at northwind", "mail:t1", AT + timedelta(hours=1)),
    ]


@given(st.text(max_size=300))
def test_normalised_topics_are_fixed_points(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert len(once) <= MAX_TOPIC_CHARS
    assert once == once.strip() and "  " not in once


@given(st.text(max_size=200))
def test_note_topics_are_unique_and_clean(text: str) -> None:
    topics = topics_from_note("ana@partner.example", text, "note", AT)
    texts = [t.text for t in topics]
    assert len(texts) == len(set(texts))
    assert all(t and t == normalise(t) for t in texts)
