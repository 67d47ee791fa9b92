"""The demo ends with what `kaffe plan` says a week after its last cycle: why each
contact met gets no drip then, one of them a near miss below the threshold."""

from __future__ import annotations

import re

from kaffe.config.schema import RelevanceConfig
from kaffe.rules.drip import number


def test_the_demo_explains_contacts_without_a_drip(demo_text: str) -> None:
    text = demo_text
    section = text[text.index("--- kaffe plan at Thu 2026-04-23 09:00 CEST: why no drip now"):
                   text.index("--- kaffe trends at")]
    lines = section.splitlines()
    count = re.fullmatch(r"no drip now: (\d+) contacts you met", lines[1])
    assert count is not None, lines[1]
    reasons = [line for line in lines if line.startswith("  no drip for ")]
    assert len(reasons) == int(count.group(1))
    # Priya's "#dataquality" is a near miss (Johan's "data quality" was one until related
    # concepts: his other topic, "dbt", now reaches the article as "dbt ≈ big data")
    (priya,) = [line for line in reasons if "priya.raman@acme-analytics.example" in line]
    threshold = RelevanceConfig().threshold
    near = re.search(r'best fresh article "(.+)" scores (\d+\.\d\d) < threshold '
                     + re.escape(number(threshold)), priya)
    assert near is not None, priya
    assert float(near.group(2)) < threshold
    assert any("held until" in line for line in reasons)
    # the summary counts only the drafts of the cycles, not the plan's dry run
    assert lines[-2] == ("demo: 28 drafts created (followup=8, drip=4, checkin=1, prep=8, "
                         "review=1, outreach=4, nudge=1, thanks=1)")
