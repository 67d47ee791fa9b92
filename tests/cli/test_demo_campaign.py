"""The demo's small campaign (issue 17): three targets and a referral, outreach paced two
a week, one reply that books a coffee, one that declines, one nudge to the silent one and
then silence, and the thank-you to the introducer once the referral was met."""

from __future__ import annotations

import re

SOFIE, DANIEL = "sofie.lund@havnedata.example", "daniel.okafor@brightgrid.example"
LEA, FREJA = "lea.marchetti@cargoloop.example", "freja.holm@vindkraft.example"
JOHAN = "johan.berg@nordlys.example"


def _drafts(text: str) -> list[tuple[str, str]]:
    """(when, key) of every draft the demo printed, in order."""
    return re.findall(r"^--- draft at (\w{3} \d{4}-\d\d-\d\d) [^\[]*\[([^\]]+)\]", text, re.M)


def test_outreach_is_paced_two_a_week_in_file_order_then_the_referral(demo_text: str) -> None:
    outreach = [(day, key) for day, key in _drafts(demo_text) if key.startswith("outreach:")]
    assert outreach == [("Mon 2026-03-02", f"outreach:{SOFIE}"),
                        ("Mon 2026-03-02", f"outreach:{DANIEL}"),
                        ("Mon 2026-03-09", f"outreach:{LEA}"),
                        ("Mon 2026-03-09", f"outreach:{FREJA}")]


def test_one_nudge_to_the_silent_one_none_to_those_who_answered(demo_text: str) -> None:
    nudges = [key for _, key in _drafts(demo_text) if key.startswith("nudge:")]
    assert nudges == [f"nudge:{SOFIE}"]
    assert f"[nudge:{LEA}]: no nudge: they answered" in demo_text
    assert f"[nudge:{DANIEL}]: no nudge: a meeting with them" in demo_text


def test_the_booked_coffees_get_a_brief_and_a_follow_up_and_the_introducer_a_thanks(
        demo_text: str) -> None:
    keys = [key for _, key in _drafts(demo_text)]
    assert [k for k in keys if k.startswith("thanks:")] == [f"thanks:{JOHAN}:{FREJA}"]
    assert "--- you accept Daniel's invitation" in demo_text
    assert "--- you accept Freja's invitation" in demo_text
    for name in ("Daniel", "Freja"):
        section = demo_text.split(f"--- you accept {name}'s invitation")[1]
        assert re.search(rf"Subject: Prep: Coffee with {name}", section)
        assert f"followup:demo0coffee{name.lower()}@google.com" in keys


def test_a_danish_target_gets_danish_words_only(demo_text: str) -> None:
    sofie = demo_text.split(f"[outreach:{SOFIE}]")[1].split("\n--- ")[0]
    assert "Jeg hedder Alex Morgan. Jeg har i otte år" in sofie
    assert not re.search(r"\b(I|the|years|with)\b", sofie)
