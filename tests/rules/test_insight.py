"""The follow-up's one insight and the prep brief's "what others told you" and offers
(issue 17): a theme becomes a trend only when two other people raised it; a name or
another person's words never reach a draft to a contact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kaffe.model import Recipient, Snapshot, Target, Topic
from kaffe.relevance.lexicon import Lexicon
from kaffe.rules.followup import MIN_OTHERS, followup_action, insight
from kaffe.rules.prep import offers_for, others_told, prep_actions
from kaffe.topics.trends import Analysis, themes

from .factories import START, guest, make_config, make_event, me_attendee

DAY = timedelta(days=1)
ANA, BO, CY, DI = "ana@x.example", "bo@y.example", "cy@z.example", "di@w.example"
NOW = START + 40 * DAY


def world(*said: tuple[str, str]) -> Snapshot:
    topics: dict[str, tuple[Topic, ...]] = {}
    for n, (contact, text) in enumerate(said):
        topics[contact] = (*topics.get(contact, ()),
                           Topic(contact, text, "note", START + n * DAY))
    return Snapshot(topics=topics, themes=themes(topics, NOW, Analysis(Lexicon.load()),
                                                 {BO: "Bo Lund"}))


@pytest.mark.parametrize(("said", "expected"), [
    (((ANA, "green hydrogen"), (BO, "hydrogen"), (CY, "grøn brint")), "green hydrogen"),
    (((ANA, "green hydrogen"), (BO, "hydrogen")), ""),  # one other: a confidence, not a trend
    (((ANA, "dbt"), (BO, "kafka"), (CY, "ports")), ""),
    (((BO, "dbt"), (CY, "dbt"), (DI, "dbt")), ""),  # Ana raised nothing
    (((ANA, "data mesh"), (ANA, "dbt"), (BO, "dbt"), (CY, "dbt"), (DI, "data mesh")), "dbt"),
])  # fmt: skip
def test_an_insight_needs_two_others(said, expected) -> None:
    assert MIN_OTHERS == 2
    assert insight((Recipient(ANA),), world(*said)) == expected


def test_people_at_the_same_meeting_do_not_count() -> None:
    snapshot = world((ANA, "dbt"), (BO, "dbt"), (CY, "dbt"))
    assert insight((Recipient(ANA),), snapshot) == "dbt"
    assert insight((Recipient(ANA), Recipient(BO)), snapshot) == ""


def test_the_follow_up_carries_the_insight_in_the_contacts_words() -> None:
    meeting = make_event(attendees=(me_attendee(), guest(ANA, "Ana")), start=NOW - DAY)
    snapshot = world((ANA, "grøn brint"), (BO, "hydrogen"), (CY, "green hydrogen"))
    action = followup_action(meeting, snapshot, meeting.end + 3 * timedelta(hours=1),
                             make_config())
    assert action.context["insight"] == "grøn brint"


def test_others_told_names_who_when_and_their_words_not_the_guests() -> None:
    snapshot = world((ANA, "grøn brint"), (BO, "hydrogen"), (CY, "green hydrogen"),
                     (DI, "kafka"))
    config = make_config()
    found = others_told(snapshot, ANA, frozenset({ANA}), config.me.zone)
    assert [(p["email"], p["name"], p["text"]) for t in found for p in t["people"]] == [
        (CY, "", "green hydrogen"), (BO, "Bo Lund", "hydrogen")]
    assert found[0]["theme"] == "grøn brint"
    assert others_told(snapshot, ANA, frozenset({ANA, BO, CY}), config.me.zone) == []
    assert others_told(snapshot, DI, frozenset({DI}), config.me.zone) == []


OFFERS = ("notes from a hydrogen pilot in the port of Esbjerg", "an intro to the Aarhus dbt meetup",
          "erfaring med brint i havne")


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["notes from a hydrogen pilot in the port of Esbjerg"]),
    ("da", ["erfaring med brint i havne"]),
])
def test_offers_match_the_guest_in_the_briefs_language(language, expected) -> None:
    config = make_config(me={"offer": OFFERS, "language": language})
    snapshot = world((ANA, "green hydrogen"), (ANA, "brint"))
    assert [o["offer"] for o in offers_for((Recipient(ANA),), snapshot, config)] == expected


def test_offers_read_a_targets_company_role_and_theme() -> None:
    config = make_config(me={"offer": OFFERS})
    snapshot = Snapshot(targets=(Target(ANA, "Ana", theme="dbt in practice"),))
    (found,) = offers_for((Recipient(ANA),), snapshot, config)
    assert found == {"offer": "an intro to the Aarhus dbt meetup", "shared": ["dbt"]}
    assert offers_for((Recipient(ANA),), Snapshot(), config) == []
    assert offers_for((Recipient(ANA),), snapshot, make_config()) == []


def test_the_brief_has_others_and_offers() -> None:
    upcoming = make_event(id="up", uid="up@x", start=NOW + DAY,
                          attendees=(me_attendee(), guest(ANA, "Ana")))
    snapshot = world((ANA, "green hydrogen"), (BO, "hydrogen"))
    config = make_config(me={"offer": OFFERS})
    (action,) = prep_actions(snapshot, (upcoming,), NOW, config)
    (person,) = action.context["people"]
    assert person["others"][0]["people"][0]["email"] == BO
    assert action.context["offers"][0]["offer"] == OFFERS[0]
