"""The demo ends with `kaffe trends` after its summary line (issue 17): the campaign's
themes grouped across people, compounds and languages, with an article on one."""

from __future__ import annotations

import re


def _notebook(demo_text: str) -> str:
    return demo_text[demo_text.index("\n--- kaffe trends at Thu 2026-04-23 09:00 CEST\n"):]


def test_trends_come_after_the_unchanged_summary_line(demo_text: str) -> None:
    before, _, after = demo_text.partition("\n--- kaffe trends at ")
    summary = before.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"demo: \d+ drafts created \((\w+=\d+, )+\w+=\d+\)", summary), summary
    assert after.splitlines()[1].startswith("trends: ")
    assert "drafts created" not in after


def test_the_top_themes_group_people_compounds_and_languages(demo_text: str) -> None:
    text = _notebook(demo_text)
    assert "1. data quality: 2 people, latest 2026-04-23 (also: dataquality)" in text
    assert ('2. data platform migration: 2 people, latest 2026-04-23 (also: dataplatforme)'
            in text)  # a Danish compound and an English phrase: one theme
    assert 'Priya Raman <priya.raman@acme-analytics.example>: "dataquality"' in text
    assert 'Johan Berg <johan.berg@nordlys.example>: "data quality"' in text  # the invite's name
    assert "read: Data platform migration: the second year (2026-04-11" in text
    assert re.search(r"^… and \d+ more \(--limit N shows more\)$", text, re.M)
    assert "\n4. " not in text  # the top few only


def test_the_prep_brief_says_what_others_told_you_and_what_you_can_offer(
        demo_text: str) -> None:
    assert ('- dataplatforme (Mette Jensen):\n  - Ana Silva <ana.silva@northwind.example>, '
            '2 March 2026, raised "data platform migration"') in demo_text
    offers = demo_text.count("WHAT CAN YOU OFFER THEM?\n- eight years of data platform work")
    assert offers >= 2  # briefs name your offers, not only a placeholder
    assert ("- notes from migrating a grid operator's forecasting to dbt (shares: dbt)"
            in demo_text)
