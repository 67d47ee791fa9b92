"""``kaffe plan`` says, for every contact you met, why no drip is drafted now: here
the best fresh article and its score below the threshold (text and --json), and
nothing about someone you never met."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kaffe.cli import main
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config

ANA = "ana.silva@northwind.example"  # the demo seed's coffee of 2026-03-05
NEVER = "never.met@elsewhere.example"
NOW = "2026-03-06T12:00Z"
# High enough that any score falls below it, however the index scores.
THRESHOLD = 500.0

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Energi</title><link>https://energi.example/</link>
<language>da</language><description>Energi</description>
<item><title>Grøn brint: Danmarks første store elektrolyseanlæg</title>
<link>https://energi.example/groen-brint</link>
<pubDate>Wed, 04 Mar 2026 07:00:00 +0000</pubDate>
<description>Grøn brint fra havvind skal erstatte naturgas i industrien.</description></item>
<item><title>Fem gode opskrifter på fastelavnsboller</title>
<link>https://energi.example/boller</link>
<pubDate>Thu, 05 Mar 2026 07:00:00 +0000</pubDate>
<description>Bagning med hele familien.</description></item>
</channel></rss>
"""


def _config(tmp: Path, url: str) -> Path:
    notes = tmp / "notes"
    notes.mkdir()
    (notes / f"{ANA}.md").write_text("# Ana\n\nTopics: grøn brint\n", encoding="utf-8")
    (notes / f"{NEVER}.md").write_text("# Never met\n\nTopics: grøn brint\n", encoding="utf-8")
    (tmp / "energi.xml").write_text(FEED, encoding="utf-8")
    extra = (f'[topics]\nnotes_dir = "{notes}"\n\n[relevance]\nthreshold = {THRESHOLD}\n\n'
             f'[[feeds]]\nurl = "{tmp / "energi.xml"}"\nname = "Energi"\n')
    return write_config(tmp, url, extra)


def test_plan_text_explains_a_near_miss_and_leaves_out_who_you_never_met(
        tmp_path: Path, capsys) -> None:
    with Emulator(DEMO_SEED) as emu:
        cfg = _config(tmp_path, emu.url)
        assert main(["--config", str(cfg), "plan", "--now", NOW]) == 0
        assert emu.drafts() == []
    out = capsys.readouterr().out
    head = re.search(r"^no drip now: (\d+) contacts? you met$", out, re.M)
    assert head is not None, out
    lines = [line for line in out.splitlines() if line.startswith("  no drip for ")]
    assert len(lines) == int(head.group(1))
    (ana,) = [line for line in lines if ANA in line]
    found = re.fullmatch(rf'  no drip for {re.escape(ANA)}: best fresh article "Grøn brint: '
                         r'Danmarks første store elektrolyseanlæg" scores (\d+\.\d\d) < '
                         rf'threshold {THRESHOLD} \(topic "grøn brint"\)', ana)
    assert found is not None, ana
    assert 0 < float(found.group(1)) < THRESHOLD
    assert NEVER not in out
    # the other contacts met that day have no topics, and it says so
    assert any("no topics" in line for line in lines)
    # Karin (silent since November) gets a check-in instead, and it says so
    karin = out.index("  no drip for karin.holm@byggeri.example: ")
    assert out[karin:].splitlines()[1].strip() == "a check-in is planned instead (due)"


def test_plan_json_gives_the_reason_as_data(tmp_path: Path, capsys) -> None:
    with Emulator(DEMO_SEED) as emu:
        cfg = _config(tmp_path, emu.url)
        assert main(["--config", str(cfg), "plan", "--json", "--now", NOW]) == 0
    plan = json.loads(capsys.readouterr().out)
    by_contact = {n["contact"]: n for n in plan["no_drip"]}
    assert NEVER not in by_contact
    ana = by_contact[ANA]
    assert ana["why"] == "below threshold"
    assert ana["article"] == "Grøn brint: Danmarks første store elektrolyseanlæg"
    assert ana["threshold"] == THRESHOLD and 0 < ana["score"] < THRESHOLD
    assert ana["detail"].startswith('best fresh article "Grøn brint')
    assert ana["until"] is None
    assert {n["why"] for n in plan["no_drip"]} <= {"below threshold", "no topics", "no article"}
