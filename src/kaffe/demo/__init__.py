"""``kaffe demo``: the real daemon cycle against the built-in emulator on a simulated clock.

Nothing here is a mock: the emulator serves Google's REST shapes over HTTP on
127.0.0.1, and kaffe talks to it through google-api-python-client exactly as it
talks to Google. Only the clock is simulated.
"""

from __future__ import annotations

import io
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from kaffe.config import loads
from kaffe.daemon.cycle import CycleReport
from kaffe.demo.campaign import Campaign
from kaffe.kinds import FOLLOWUP, KINDS
from kaffe.model import Draft, Event
from kaffe.timeutil import local

if TYPE_CHECKING:
    from kaffe.daemon.runtime import Runtime
    from kaffe.emulator import Emulator

SEED = Path(__file__).resolve().parent.parent / "demo_seed"
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
about = "I have spent eight years building data platforms for logistics companies"
about_in = {{ da = "Jeg har i otte år bygget dataplatforme til logistikvirksomheder" }}
offer = ["eight years of data platform work in shipping and logistics",
         "an introduction to the Copenhagen data quality meetup",
         "notes from migrating a grid operator's forecasting to dbt",
         "otte års erfaring med data i havnelogistik"]

[outreach]
# Three people Alex would like to meet (Freja, suggested by Johan, is the fourth).
targets_file = "{seed}/targets.csv"
per_week = 2

[google]
api_endpoint = "{endpoint}"
token_file = "{data}/google-token.json"
calendar_ids = ["primary"]

[storage]
database = "{data}/kaffe.db"

[gmail]
# The demo's clock runs 45 days in seconds; pacing Gmail calls by the real clock would
# only make it wait. (The emulator enforces no quota unless asked to.)
quota_per_minute = 100000000
quota_share = 1

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


# What the demo's user types into kaffe's first follow-up before sending it: the one thing
# kaffe exists to prevent. The next cycle reads the edited draft and says so (issue 16).
EDIT = "PS: Are you hiring at the moment, by any chance? I would love to join your team."


def user_edits(emu: Emulator, draft_id: str, when: datetime, zone: tzinfo, out: TextIO) -> None:
    """The user edits a draft in Gmail (the emulator's control endpoint, over HTTP)."""
    import base64
    import email
    import json
    import urllib.request
    from email import policy

    (raw,) = [d["raw"] for d in emu.drafts() if d["id"] == draft_id]
    message = email.message_from_bytes(raw, policy=policy.default)
    body = message.get_body(("plain",))
    if body is None:
        return
    text = body.get_content().rstrip()
    message.set_content(f"{text}\n\n{EDIT}\n")
    spec = json.dumps({"raw": base64.urlsafe_b64encode(message.as_bytes()).decode()})
    req = urllib.request.Request(f"{emu.url}/_emulator/drafts/{draft_id}", spec.encode(),
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10):
        pass
    out.write(f"\n--- you edit draft {draft_id} in Gmail at {_at(when, zone)}, adding:\n"
              f"{EDIT}\n")


# `kaffe trends` after the summary: the top few themes of the campaign's meetings and notes.
TRENDS_SHOWN = 3


def trends_after(runtime: Runtime, when: datetime, zone: tzinfo) -> str:
    """What `kaffe trends --limit 3` prints at ``when`` about the demo's store."""
    from kaffe.cli.trends import gather, trends_text

    found, articles = gather(runtime.store, runtime.config, when)
    text = trends_text(found, articles, zone, TRENDS_SHOWN)
    return f"\n--- kaffe trends at {_at(when, zone)}\n{text}\n"


def run_demo(
    start: datetime, *, days: float = DEMO_DAYS, quiet: bool = False, out: TextIO
) -> int:
    """Run cycles from ``start`` for ``days`` simulated days; print every draft created."""
    from kaffe.connectors.google.permissions import SCOPES
    from kaffe.daemon.runtime import open_runtime
    from kaffe.emulator import Emulator
    from kaffe.emulator.token import write_emulator_token

    counts: Counter[str] = Counter()
    clock = [start]  # the emulator's clock follows the simulated one

    def set_clock(moment: datetime) -> None:
        clock[0] = moment

    with tempfile.TemporaryDirectory(prefix="kaffe-demo-") as data, \
            Emulator(SEED, clock=lambda: clock[0]) as emu:
        text = DEMO_CONFIG.format(endpoint=emu.url, data=data, seed=SEED)
        config = loads(text, source="<demo config>", base_dir=Path(data))
        write_emulator_token(Path(data) / "google-token.json", emu.url, SCOPES)
        runtime, zone = open_runtime(config), config.me.zone
        shown = out if not quiet else io.StringIO()
        campaign = Campaign(emu, zone, shown)
        try:
            now, end, last = start, start + timedelta(days=days), start
            edited = False
            while now <= end:
                campaign.before_cycle(now, set_clock)
                set_clock(now)
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
                first = next((o for o in report.created if o.action.kind == FOLLOWUP), None)
                if first is not None and not edited:
                    set_clock(now + STEP / 2)
                    user_edits(emu, first.draft_id, now + STEP / 2, zone, shown)
                    edited = True
                campaign.after_cycle(report, now, now + STEP / 2, set_clock)
                now, last = now + STEP, now
            if not quiet:
                set_clock(last + PLAN_AFTER)
                print_no_drip(runtime.cycle(last + PLAN_AFTER, dry_run=True), zone, out)
            notebook = "" if quiet else trends_after(runtime, last + PLAN_AFTER, zone)
        finally:
            runtime.close()
        sends = emu.send_attempts
    breakdown = ", ".join(f"{kind}={counts[kind]}" for kind in KINDS)
    out.write(f"\ndemo: {sum(counts.values())} drafts created ({breakdown})\n")
    out.write(notebook)
    return 1 if sends else 0
