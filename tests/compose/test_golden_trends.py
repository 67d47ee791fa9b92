"""Golden files for what the trends notebook adds to drafts (issue 17): the follow-up's
one insight and the prep brief's "what others told you" and offers, in English and
Danish; and the guard over each. Regenerate with KAFFE_UPDATE_GOLDEN=1."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kaffe.compose.guard import check, check_draft
from kaffe.compose.render import Composer
from kaffe.config.schema import GuardConfig
from kaffe.model import Action, Snapshot, Topic
from kaffe.relevance.lexicon import Lexicon
from kaffe.rules.followup import followup_action
from kaffe.rules.prep import prep_actions
from kaffe.topics.notes import parse_note
from kaffe.topics.trends import Analysis, themes
from tests.compose.test_golden import SENDER, assert_golden
from tests.rules.factories import START, guest, make_config, make_event, me_attendee

DAY = timedelta(days=1)
PEOPLE = {"en": ("ana@northwind.example", "Ana Silva", "Coffee with Ana", "green hydrogen"),
          "da": ("soren@firma.dk", "Søren Ørsted", "Kaffe med Søren", "grøn brint")}
OTHERS = (("bo@harbor.example", "hydrogen", 20), ("cy@ports.example", "grøn brint", 6))
OFFERS = ("notes from a hydrogen pilot in the port of Esbjerg",
          "an introduction to the Copenhagen data quality meetup",
          "erfaring med brint i havnelogistik")
PRIVATE = "leaving ports in may"
# Cy's note, as the notes folder gives it: one line is private
CY_NOTE = f"Topics: grøn brint\nTopics: {PRIVATE} (private)\n## Privat\n#layoffs\n"


def snapshot(language: str, now: datetime, *events) -> Snapshot:
    email, _name, _title, theme = PEOPLE[language]
    topics = {email: (Topic(email, theme, "event:google:primary/evt1", START),)}
    for other, text, days in OTHERS:
        topics[other] = (Topic(other, text, f"notes:{other}.md", now - days * DAY),)
    cy = "cy@ports.example"
    topics[cy] = tuple(parse_note(f"{cy}.md", CY_NOTE, now - 6 * DAY))
    names = {"bo@harbor.example": "Bo Lund", email: PEOPLE[language][1]}
    found = themes(topics, now, Analysis(Lexicon.load()), names)
    return Snapshot(events=events, topics=topics, themes=found)


def action_for(kind: str, language: str) -> Action:
    email, name, title, _theme = PEOPLE[language]
    config = make_config(me={"language": language, "offer": OFFERS})
    if kind == "followup":
        meeting = make_event(summary=title, attendees=(me_attendee(), guest(email, name)))
        now = meeting.end + timedelta(hours=3)
        return followup_action(meeting, snapshot(language, now, meeting), now, config)
    upcoming = make_event(id="up", uid="up@x", summary=title, start=START + 30 * DAY,
                          attendees=(me_attendee(), guest(email, name)))
    now = upcoming.start - DAY
    return prep_actions(snapshot(language, now, upcoming), (upcoming,), now, config)[0]


CASES = [(kind, language) for kind in ("followup", "prep") for language in ("en", "da")]


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_golden(kind: str, language: str, now: datetime) -> None:
    action = action_for(kind, language)
    name = {"followup": "followup_insight", "prep": "prep_others_offers"}[kind]
    assert_golden(action, f"{name}_{language}", now)


@pytest.mark.parametrize("language", ["en", "da"])
def test_the_insight_names_the_theme_in_their_words_and_nobody_else(language: str) -> None:
    action = action_for("followup", language)
    body = Composer().render(action, SENDER).body
    email, _name, _title, theme = PEOPLE[language]
    assert action.context["insight"] == theme
    for other, text, _days in OTHERS:
        assert other not in body
        if text not in theme:
            assert text not in body  # another person's words never
    assert "Bo Lund" not in body and PRIVATE not in body and "layoffs" not in body
    assert not check(body, GuardConfig()).blocked


@pytest.mark.parametrize("language", ["en", "da"])
def test_the_brief_names_others_and_offers_in_its_language(language: str) -> None:
    body = Composer().render(action_for("prep", language), SENDER).body
    assert "Bo Lund <bo@harbor.example>" in body and "cy@ports.example" in body
    assert PRIVATE not in body and "layoffs" not in body
    if language == "en":
        assert "notes from a hydrogen pilot in the port of Esbjerg" in body
        assert "erfaring med brint" not in body
    else:
        assert "erfaring med brint i havnelogistik" in body
        assert "notes from a hydrogen pilot" not in body
    assert not check_draft(Composer().render(action_for("prep", language), SENDER),
                           GuardConfig()).blocked
