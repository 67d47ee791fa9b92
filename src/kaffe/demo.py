"""``kaffe demo``: the real daemon cycle against the built-in emulator on a simulated clock.

Nothing here is a mock: the emulator serves Google's REST shapes over HTTP on
127.0.0.1, and kaffe talks to it through google-api-python-client exactly as it
talks to Google. Only the clock is simulated.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TextIO

from kaffe.config import loads
from kaffe.daemon.cycle import CycleReport
from kaffe.kinds import KINDS
from kaffe.model import Draft, Event
from kaffe.timeutil import local

SEED = Path(__file__).resolve().parent / "demo_seed"
DEMO_START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
STEP = timedelta(hours=6)
DEMO_DAYS = 45  # long enough for follow-ups, prep briefs, a check-in and monthly drips

DEMO_CONFIG = """
[me]
name = "Alex Morgan"
addresses = ["alex@example.com"]
domains = ["example.com"]
language = "en"
# Set, so that the demo prints the same times on every machine.
timezone = "Europe/Copenhagen"

[google]
api_endpoint = "{endpoint}"
token_file = "{data}/google-token.json"
calendar_ids = ["primary"]

[storage]
database = "{data}/kaffe.db"

[topics]
notes_dir = "{seed}/notes"

[[feeds]]
url = "{seed}/feeds/data-engineering.xml"
name = "Data Engineering Weekly"

[[feeds]]
url = "{seed}/feeds/groen-data.xml"
name = "Grøn Data"
language = "da"
"""


def _at(moment: datetime, zone: tzinfo) -> str:
    """``Mon 2026-03-02 08:00 CET``: the demo's own zone, with the year."""
    moment = local(moment, zone)
    return f"{moment:%a %Y-%m-%d %H:%M %Z}"


def _starts(event: Event, zone: tzinfo) -> str:
    if event.all_day:  # a date, not a moment: no zone to convert it to
        return f"{event.start:%a %Y-%m-%d} all day"
    return _at(event.start, zone)


def print_draft(draft: Draft, when: datetime, zone: tzinfo, out: TextIO) -> None:
    to = ", ".join(f"{r.name} <{r.email}>" if r.name else r.email for r in draft.to)
    out.write(f"\n--- draft at {_at(when, zone)}  [{draft.key}]\n")
    out.write(f"To: {to}\nSubject: {draft.subject}\n\n{draft.body.rstrip()}\n")


def print_verdicts(report: CycleReport, zone: tzinfo, out: TextIO) -> None:
    out.write("kaffe demo: events in the sample calendar and kaffe's verdicts\n")
    for event, verdict in sorted(report.plan.verdicts, key=lambda ev: ev[0].start):
        why = verdict.veto or f"score {verdict.score:g}"
        mark = "coffee" if verdict.is_coffee else "no    "
        out.write(f"  {mark} {_starts(event, zone)}  {event.summary}  ({why})\n")


# `kaffe plan` a week after the last cycle: a fresh article about data that is not
# about data quality shows Johan a near miss, below the threshold.
PLAN_AFTER = timedelta(days=7)


def print_no_drip(report: CycleReport, zone: tzinfo, out: TextIO) -> None:
    """What `kaffe plan` says about the contacts that get no drip now, and why."""
    from kaffe.cli.report import no_drip_lines

    out.write(f"\n--- kaffe plan at {_at(report.now, zone)}: why no drip now\n")
    out.write("".join(f"{line}\n" for line in no_drip_lines(report.plan)))


def run_demo(
    start: datetime, *, days: float = DEMO_DAYS, quiet: bool = False, out: TextIO
) -> int:
    """Run cycles from ``start`` for ``days`` simulated days; print every draft created."""
    from kaffe.connectors.google.permissions import SCOPES
    from kaffe.daemon.runtime import open_runtime
    from kaffe.emulator import Emulator
    from kaffe.emulator.token import write_emulator_token

    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="kaffe-demo-") as data, Emulator(SEED) as emu:
        text = DEMO_CONFIG.format(endpoint=emu.url, data=data, seed=SEED)
        config = loads(text, source="<demo config>", base_dir=Path(data))
        write_emulator_token(Path(data) / "google-token.json", emu.url, SCOPES)
        runtime, zone = open_runtime(config), config.me.zone
        try:
            now, end, last = start, start + timedelta(days=days), start
            while now <= end:
                report = runtime.cycle(now)
                if now == start and not quiet:
                    print_verdicts(report, zone, out)
                for outcome in report.created:
                    counts[outcome.action.kind] += 1
                    if outcome.draft is not None and not quiet:
                        print_draft(outcome.draft, now, zone, out)
                for outcome in report.outcomes:
                    if outcome.state == "skipped" and not quiet:
                        out.write(f"\n--- no draft at {_at(now, zone)}  "
                                  f"[{outcome.action.key}]: {outcome.detail}\n")
                now, last = now + STEP, now
            if not quiet:
                print_no_drip(runtime.cycle(last + PLAN_AFTER, dry_run=True), zone, out)
        finally:
            runtime.close()
        sends = emu.send_attempts
    breakdown = ", ".join(f"{kind}={counts[kind]}" for kind in KINDS)
    out.write(f"\ndemo: {sum(counts.values())} drafts created ({breakdown})\n")
    return 1 if sends else 0
