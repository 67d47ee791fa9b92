from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.compose.filters import join_names, long_date, sentence, venue
from kaffe.compose.render import Composer, split_subject
from kaffe.errors import KaffeError
from kaffe.model import DUE, Action, Recipient

SENDER = Recipient("me@acme.example", "Mette Jensen")
ANA = Recipient("ana@partner.example", "Ana Silva")
NO_JOB_WORDS = ("job", "position", "hiring", "vacanc", "opening", "stilling", "ansæt", "ledig")


def make_action(language: str = "en", **context: Any) -> Action:
    fields: dict[str, Any] = {
        "contact_names": ["Ana"],
        "me_name": "Mette Jensen",
        "meeting_title": "Coffee with Ana",
        "meeting_date": date(2026, 3, 9),
        "meeting_start": datetime(2026, 3, 9, 14, 0, tzinfo=UTC),
        "location": "Café Det Vide Hus, Krystalgade 24",
        "topics": [],
        "language": language,
    }
    return Action(
        kind="followup",
        key="followup:evt1@google.com",
        state=DUE,
        reason="test",
        to=(ANA,),
        language=language,
        template="followup",
        context={**fields, **context},
    )


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["en", "da"])
def test_draft_fields(language: str) -> None:
    draft = Composer().render(make_action(language), SENDER)
    assert (draft.key, draft.sender, draft.to, draft.language) == (
        "followup:evt1@google.com", SENDER, (ANA,), language,
    )  # fmt: skip
    assert (draft.thread_id, draft.in_reply_to, draft.references) == ("", "", ())
    assert draft.body.endswith("Mette Jensen\n")
    assert "\n\n\n" not in draft.body and not draft.body.startswith("\n")


def test_english_followup() -> None:
    draft = Composer().render(make_action("en"), SENDER)
    assert draft.subject == "Thank you for the coffee, Ana"
    assert draft.body.startswith("Hi Ana,\n\nThank you for taking the time to meet at Café")
    assert "on 9 March 2026" in draft.body
    assert "- [the main points you discussed]" in draft.body


def test_danish_followup() -> None:
    draft = Composer().render(make_action("da"), SENDER)
    assert draft.subject == "Tak for kaffen, Ana"
    assert draft.body.startswith(
        "Hej Ana\n\nTak for kaffen på Café Det Vide Hus den 9. marts 2026."
    )
    assert "snakke med dig" in draft.body
    assert draft.body.endswith("Mange hilsner\nMette Jensen\n")


@pytest.mark.parametrize(("language", "expected"), [("en", "Ana and Bo"), ("da", "Ana og Bo")])
def test_several_contacts(language: str, expected: str) -> None:
    draft = Composer().render(make_action(language, contact_names=["Ana", "Bo"]), SENDER)
    assert draft.subject.endswith(expected)
    if language == "da":
        assert "snakke med jer" in draft.body


@pytest.mark.parametrize("language", ["en", "da"])
def test_topics_become_bullets(language: str) -> None:
    action = make_action(language, topics=["climate tech funding", "Rust at work"])
    body = Composer().render(action, SENDER).body
    assert "- climate tech funding\n- Rust at work\n" in body
    assert "[the main points" not in body and "[de vigtigste" not in body


@pytest.mark.parametrize("language", ["en", "da"])
def test_offers_value_and_never_asks_for_a_job(language: str) -> None:
    body = Composer().render(make_action(language), SENDER).body.lower()
    assert ("[something useful in return" in body) or ("[noget at give igen" in body)
    assert not [w for w in NO_JOB_WORDS if w in body]


def test_video_link_location_is_not_a_place() -> None:
    action = make_action("en", location="https://meet.google.com/abc-defg-hij")
    assert "meet at" not in Composer().render(action, SENDER).body


def test_unknown_language_falls_back_to_english(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="kaffe.compose.render"):
        draft = Composer().render(make_action("pt"), SENDER)
    assert draft.language == "en" and draft.subject.startswith("Thank you")
    assert "'pt'" in caplog.text


def test_user_template_overrides_by_name(tmp_path: Path) -> None:
    write(tmp_path, "da/followup.j2", "Subject: Tak, {{ contact_names[0] }}\n\nKort og godt.\n")
    composer = Composer(tmp_path)
    da = composer.render(make_action("da"), SENDER)
    assert (da.subject, da.body) == ("Tak, Ana", "Kort og godt.\n")
    assert composer.render(make_action("en"), SENDER).subject.startswith("Thank you")


def test_user_template_for_a_new_language(tmp_path: Path) -> None:
    write(tmp_path, "sv/followup.j2", "Subject: Tack för kaffet\n\nHej {{ contact_names[0] }}!\n")
    draft = Composer(tmp_path).render(make_action("sv"), SENDER)
    assert (draft.language, draft.body) == ("sv", "Hej Ana!\n")


def test_undefined_value_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "en/followup.j2", "Subject: Hi\n\nHello\n{{ nickname }}\n")
    with pytest.raises(KaffeError) as info:
        Composer(tmp_path).render(make_action("en"), SENDER)
    assert str(path) in str(info.value) and "line 4" in str(info.value)
    assert "nickname" in str(info.value)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "en/followup.j2", "Subject: Hi\n\n{% if %}\n")
    with pytest.raises(KaffeError) as info:
        Composer(tmp_path).render(make_action("en"), SENDER)
    assert str(path) in str(info.value) and "line 3" in str(info.value)


def test_missing_subject_line_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "en/followup.j2", "Hello {{ contact_names[0] }}\n")
    with pytest.raises(KaffeError, match="line 1: the first line must be 'Subject: ...'"):
        Composer(tmp_path).render(make_action("en"), SENDER)


def test_unknown_template_is_an_error() -> None:
    action = make_action("en")
    with pytest.raises(KaffeError, match="no template 'nosuch'"):
        Composer().render(replace(action, template="nosuch"), SENDER)


def test_output_is_plain_text_not_html_escaped() -> None:
    action = make_action("en", contact_names=["<Ana & Bo>"])
    assert Composer().render(action, SENDER).subject.endswith("<Ana & Bo>")


def test_split_subject() -> None:
    assert split_subject("Subject:  Hi \n\nBody\n\n\n", "t") == ("Hi", "Body\n")


@pytest.mark.parametrize(
    ("names", "language", "expected"),
    [
        ([], "en", ""),
        (["Ana"], "en", "Ana"),
        (["Ana", "Bo"], "da", "Ana og Bo"),
        (["Ana", "Bo", "Cy"], "en", "Ana, Bo and Cy"),
        (["Ana", "", "Cy"], "xx", "Ana and Cy"),
    ],
)
def test_join_names(names: list[str], language: str, expected: str) -> None:
    assert join_names(names, language) == expected


def test_long_date() -> None:
    assert long_date(date(2026, 12, 1), "da") == "1. december 2026"
    assert long_date(date(2026, 5, 1), "en") == "1 May 2026"
    assert long_date(date(2026, 5, 1), "fr") == "1 May 2026"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("Café Norden, Østergade 61, København", "Café Norden"),
        ("https://meet.google.com/abc", ""),
        ("zoom.us/j/123", ""),
        ("  Kaffebaren \n ", "Kaffebaren"),
        ("", ""),
    ],
)
def test_venue(location: str, expected: str) -> None:
    assert venue(location) == expected


def test_reply_in_a_thread_keeps_its_subject_and_threading_headers() -> None:
    from kaffe.compose.mime import to_raw
    from kaffe.model import ThreadRef

    thread = ThreadRef("t1", "<m2@x>", ("<m1@x>", "<m2@x>"), "Re: Coffee next week?")
    action = replace(make_action(), thread=thread)
    draft = Composer().render(action, SENDER)
    assert (draft.thread_id, draft.subject) == ("t1", "Re: Coffee next week?")
    raw = to_raw(draft).decode()
    assert "In-Reply-To: <m2@x>\r\n" in raw
    assert "References: <m1@x> <m2@x>\r\n" in raw
    assert "Subject: Re: Coffee next week?\r\n" in raw


@pytest.mark.parametrize(("text", "expected"), [
    ("i lead data engineering at Harbor", "I lead data engineering at Harbor."),
    ("Jeg har i otte år bygget dataplatforme.", "Jeg har i otte år bygget dataplatforme."),
    ("  are we there yet?  ", "Are we there yet?"), ("", ""),
])
def test_sentence_makes_a_line_a_sentence_of_its_own(text: str, expected: str) -> None:
    assert sentence(text) == expected
