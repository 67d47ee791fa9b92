"""The guard's patterns block wording that asks for a job, and let ordinary talk through
(the classifier that also reads every sentence: test_guard_model.py)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from kaffe.compose.guard import DEFAULT_PATTERNS, check, check_draft, check_patterns
from kaffe.config.schema import GuardConfig
from kaffe.model import Draft, Recipient

ON = GuardConfig()

ENGLISH_BLOCKED = [
    "Is there a job for me at Northwind?",
    "Are there any openings for me on your team",
    "By the way, are you hiring?",
    "Is your team currently hiring?",
    "Could you refer me to your recruiter?",
    "Would you recommend me for the role?",
    "I'm looking for a new position.",
    "I am currently   searching for a new job",
    "I’m looking for a new role",
    "any job opportunity for me would be great",
    "Please hire me!",
    "Keep me in mind if something comes up.",
    "Let me know if any roles open up.",
    "If you hear of any openings, I'd be grateful.",
    "Attached is my CV.",
    "Could you forward my résumé?",
    "I'm open to new opportunities",
    "Could you put in a good word for me?",
    "I would love to work for your company",
    "My job search is going slowly.",
]
ENGLISH_OK = [
    "The job market in Denmark is changing fast.",
    "Your team is hiring engineers, I read.",
    "Great job on the launch!",
    "You did a great job with the talk.",
    "Congratulations on the new position!",
    "Are you looking for a new position for the sofa?",
    "Any openings in your calendar next week?",
    "Could you refer me to the article you mentioned?",
    "The article covers hiring trends in data teams.",
    "I saw this and thought of our talk about data mesh.",
    "No need to reply; I just thought you might enjoy it.",
    "How can I be useful to you?",
    "Jobs-to-be-done is a useful framework.",
    "Steve Jobs gave a famous speech.",
    "The job queue was slow after the migration.",
    "Who else should I talk to about this?",
]
DANISH_BLOCKED = [
    "Har I nogen ledige stillinger?",
    "Er der ledige stillinger hos jer?",
    "Hvis der kommer en ledig stilling, så sig til.",
    "Har I en stilling til mig?",
    "Har du et job til mig",
    "Kan du anbefale mig til din chef?",
    "Vil du måske anbefale mig hos Northwind?",
    "Jeg søger nyt job.",
    "Jeg leder efter en ny stilling",
    "Er der nogen jobmuligheder hos jer?",
    "jobmuligheder for mig",
    "Ansætter I for tiden?",
    "Mangler I folk?",
    "Kunne I tænke jer at ansætte mig?",
    "Tænk på mig, hvis der dukker noget op.",
    "Vedhæftet mit CV.",
    "Må jeg sende dig mit cv?",
    "Jeg er åben for nyt job",
]
DANISH_OK = [
    "Jobmarkedet i Danmark ændrer sig hurtigt.",
    "Jeres team ansætter ingeniører, kan jeg se.",
    "Virksomheden ansætter i København.",
    "Godt job med lanceringen!",
    "Tillykke med det nye job!",
    "Kan du anbefale mig en god bog?",
    "Antallet af ledige stillinger steg i 2025.",
    "Jeg tog stilling til forslaget.",
    "Har I en strategi for AI?",
    "Har du en plads i kalenderen?",
    "I søger nye kolleger, kan jeg se.",
    "Det var et godt møde.",
    "Vi talte om rekruttering og data mesh.",
    "Jeg faldt over den her og kom til at tænke på vores snak.",
    "Du skal ikke føle dig forpligtet til at svare.",
    "Stillingen som direktør blev besat i går.",
]


@pytest.mark.parametrize("text", ENGLISH_BLOCKED + DANISH_BLOCKED)
def test_job_asks_are_blocked(text: str) -> None:
    verdict = check(text, ON)
    assert verdict.blocked, text
    assert verdict.phrase and verdict.phrase in text.replace("’", "'")
    assert verdict.pattern in DEFAULT_PATTERNS


@pytest.mark.parametrize("text", ENGLISH_OK + DANISH_OK)
def test_innocent_text_passes_the_patterns(text: str) -> None:
    assert not check_patterns(text, ON).blocked, check_patterns(text, ON)


def test_table_sizes() -> None:
    assert min(map(len, (ENGLISH_BLOCKED, ENGLISH_OK, DANISH_BLOCKED, DANISH_OK))) >= 15


def test_phrase_is_quoted_as_written_across_lines_and_punctuation() -> None:
    verdict = check("Thanks!\nAre you -- by any chance --\nHIRING?", ON)
    assert verdict.blocked
    assert verdict.phrase == "Are you -- by any chance --\nHIRING"


def test_configured_patterns_block_and_allow_unblocks() -> None:
    assert check("Any internships?", GuardConfig(patterns=(r"\binternships?\b",))).blocked
    allow = GuardConfig(allow=(r"hire me a (bike|car)",))
    assert not check("Could you hire me a bike in Copenhagen?", allow).blocked
    assert check("Could you hire me a bike? Also: hire me!", allow).phrase == "hire me"


def test_disabled_guard_blocks_nothing() -> None:
    assert not check("Are you hiring?", GuardConfig(enabled=False)).blocked


def test_every_default_pattern_compiles_and_catches_something() -> None:
    texts = " | ".join(ENGLISH_BLOCKED + DANISH_BLOCKED)
    assert all(re.compile(p) for p in DEFAULT_PATTERNS)
    caught = {check(t, ON).pattern for t in ENGLISH_BLOCKED + DANISH_BLOCKED}
    assert caught <= set(DEFAULT_PATTERNS) and len(caught) >= 20 and texts


def test_a_draft_is_checked_by_subject_and_body() -> None:
    me, them = Recipient("me@example.com"), Recipient("ana@example.org")
    clean = Draft("followup:1", me, (them,), "Thanks for the coffee", "Good talk about data mesh.")
    assert not check_draft(clean, ON).blocked
    assert check_draft(replace(clean, subject="Are you hiring?"), ON).phrase == "Are you hiring"
    assert check_draft(replace(clean, body="Is there a job for me?"), ON).blocked
