"""The note to yourself about a draft that reads like a job ask (issue 16): the rule."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from kaffe.config.schema import GuardConfig
from kaffe.daemon.review import foreign_language, guard_judge, review_key
from kaffe.kinds import REVIEW
from kaffe.model import DONE, DUE, DraftFinding, DraftHead, Recipient, Snapshot
from kaffe.rules.review import review_actions

from .factories import ledger_entry, make_config

DATA = Path(__file__).resolve().parents[1] / "data" / "language" / "short.jsonl"
BO = Recipient("bo@roastery.example", "Bo Berg")


def finding(version: str = "m1", *, edited: bool = False) -> DraftFinding:
    head = DraftHead("r1", version, (BO,), "Next steps", "followup:x" if edited else "", 300)
    return DraftFinding(review_key("gmail", version, "ab" * 32), head,
                        "Are you hiring right now?", "it matches the job-ask pattern p", edited,
                        "gmail")


def test_one_due_note_to_you_per_finding_in_your_language() -> None:
    config = make_config()
    (action,) = review_actions(Snapshot(findings=(finding(edited=True),)), config)
    assert (action.kind, action.state, action.template) == (REVIEW, DUE, REVIEW)
    assert [r.email for r in action.to] == [config.me.addresses[0]]
    assert action.language == config.me.language
    assert action.context["sentence"] == "Are you hiring right now?"
    assert action.context["addresses"] == [BO.email] and action.context["edited"] is True
    assert "kaffe's draft you edited to bo@roastery.example" in action.reason


def test_a_noted_version_is_done_and_another_version_is_due_again() -> None:
    first, second = finding("m1"), finding("m2")
    ledger = {first.key: ledger_entry(first.key, DONE, kind=REVIEW)}
    actions = review_actions(Snapshot(findings=(first, second), ledger=ledger), make_config())
    assert [a.state for a in actions] == [DONE, DUE]
    assert first.key != second.key


def test_no_address_of_yours_no_note() -> None:
    config = make_config()
    config = replace(config, me=replace(config.me, addresses=()))
    assert review_actions(Snapshot(findings=(finding(),)), config) == ()


def test_the_judge_names_the_sentence_and_a_reason_without_the_drafts_words() -> None:
    """The sentence comes from the guard's own sentence splitting; the reason (stored and
    logged) names the pattern or the model's score, never a word of the draft."""
    judge = guard_judge(GuardConfig())
    text = "Thanks for the coffee! By the way, are you hiring? I'd love to hear.\nBest, Ana"
    found = judge(text)
    assert found is not None
    sentence, why = found
    assert sentence == "By the way, are you hiring?"
    assert "pattern" in why and "coffee" not in why
    modelled = judge("Thanks again. If a seat frees up in your analytics group, I'd jump at it.")
    assert modelled is not None
    assert modelled[0] == "If a seat frees up in your analytics group, I'd jump at it."
    assert "model scores it" in modelled[1]
    assert not any(word in modelled[1] for word in ("seat", "analytics", "jump"))
    assert judge("Thanks for the coffee, it was great to hear about your new role.") is None


def test_languages_the_guard_cannot_judge_are_told_and_english_or_danish_never() -> None:
    """On tests/data/language/short.jsonl (texts of 4+ words): no English or Danish text
    is taken for another language; most German and Swedish ones are recognised."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if len(re.findall(r"[^\W\d_]+", r["text"])) >= 4]
    found = {lang: [foreign_language(r["text"]) for r in rows if r["lang"] == lang]
             for lang in ("en", "da", "de", "sv")}
    assert not any(found["en"]) and not any(found["da"])
    assert found["de"].count("de") / len(found["de"]) > 0.5
    assert found["sv"].count("sv") / len(found["sv"]) > 0.5
    assert foreign_language("Tak for kaffen i går, det var en rigtig god snak.") == ""
