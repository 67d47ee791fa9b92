"""A simulated 10-week outreach campaign of 12 targets (issue 17), against the emulator.

The real daemon cycle (``open_runtime(config).cycle``) runs every 6 simulated hours;
between cycles a scripted user plays Gmail through the emulator's control endpoints:
they send each outreach or nudge draft a day after it appears (one outreach they never
send), some targets reply, two replies are followed by a coffee on the calendar, and
one note names a referral. The emulator's clock follows the simulated one.

Printed: per week, the outreach drafts, nudges and thank-yous made, and the targets by
stage at the end of the week; then the checks the issue names, each with its figure:
no 7 days over ``per_week``, at most one nudge per target, none to anyone who replied,
and every stage derived (never typed); then the top themes of `kaffe trends` at the
end (each coffee's description names its topics, in English or Danish).
``--json`` prints the rows as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.table import Row, print_table  # noqa: E402

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday
STEP = timedelta(hours=6)
WEEKS = 10
PER_WEEK = 3
NUDGE_DAYS = 8
INTRODUCER = "ana.silva@northwind.example"
REFERRAL = "zoe@zinc.example"

CONFIG = """
[me]
name = "Alex Morgan"
addresses = ["alex@example.com"]
domains = ["example.com"]
timezone = "Europe/Copenhagen"
about = "I have run logistics analytics for ten years"
offer = ["ten years of warehouse automation", "an introduction to the Aarhus robotics meetup"]

[google]
api_endpoint = "{endpoint}"
token_file = "{data}/google-token.json"

[storage]
database = "{data}/kaffe.db"

[gmail]
quota_per_minute = 100000000
quota_share = 1

[topics]
notes_dir = "{data}/notes"

[outreach]
targets_file = "{data}/targets.csv"
per_week = {per_week}
nudge_after_days = {nudge_days}
"""


@dataclass(frozen=True)
class Script:
    """What one target does: reply this many days after your outreach was sent (None:
    never), meet you this many days after the reply (None: no coffee)."""

    reply_after: float | None = None
    coffee_after: float | None = None
    never_sent: bool = False  # you never send kaffe's outreach to them


SCRIPTS: dict[int, Script] = {
    0: Script(reply_after=2, coffee_after=5),
    1: Script(),  # silent: one nudge, then quiet
    2: Script(reply_after=10),  # answers the nudge
    3: Script(never_sent=True),
    4: Script(reply_after=3, coffee_after=6),
    5: Script(),
    6: Script(reply_after=1),
}


def _targets() -> str:
    rows = ["name,email,company,role,theme"]
    companies = ["Harbor Logistics", "Crane Works", "Dock Data", "East Freight", "Fjord Ships",
                 "Gantry", "Hub Parcel", "Inland Rail", "Jetty AI", "Keel Robotics",
                 "Lift Systems", "Mast Analytics"]
    for i, company in enumerate(companies):
        theme = "port automation" if i % 4 == 0 else ""
        rows.append(f"Person {i},p{i}@t{i}.example,{company},Head of Operations,{theme}")
    return "\n".join(rows) + "\n"


def _reply(to_key: str, who: str, subject: str, in_reply_to: str, at: datetime) -> bytes:
    return (f"From: {who}\r\nTo: Alex Morgan <alex@example.com>\r\nSubject: Re: {subject}\r\n"
            f"Date: {at:%a, %d %b %Y %H:%M:%S +0000}\r\n"
            f"Message-ID: <reply-{to_key}@bench.example>\r\nIn-Reply-To: {in_reply_to}\r\n"
            "Content-Type: text/plain\r\n\r\nHappy to meet. Next week?\r\n").encode()


# What each coffee was about (the description's "Topics:" line): the trends notebook
# groups "green hydrogen", "grøn brint" and "hydrogen" into one theme.
TOPICS = {INTRODUCER: "green hydrogen, port automation", "p0@t0.example": "hydrogen, dbt",
          "p4@t4.example": "grøn brint, havnedrift", REFERRAL: "port automation, hydrogen"}


def _coffee(email: str, start: datetime) -> dict[str, Any]:
    return {"id": f"coffee{zlib.crc32(email.encode())}", "summary": "Coffee",
            "location": "Café Noir", "description": f"Topics: {TOPICS.get(email, '')}",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
            "organizer": {"email": "alex@example.com", "self": True},
            "attendees": [{"email": "alex@example.com", "self": True,
                           "responseStatus": "accepted"},
                          {"email": email, "responseStatus": "accepted"}]}


def run(weeks: int = WEEKS, per_week: int = PER_WEEK) -> list[Row]:
    import email
    from email import policy

    from kaffe.config import loads
    from kaffe.connectors.google.permissions import SCOPES
    from kaffe.daemon.runtime import open_runtime
    from kaffe.daemon.storeview import read_snapshot
    from kaffe.emulator import Emulator
    from kaffe.emulator.token import write_emulator_token
    from kaffe.rules.stages import STAGES, all_progress, by_stage
    from kaffe.store import Store
    from kaffe.topics.targets import load_targets

    clock = [START]
    made: list[tuple[datetime, str]] = []  # (when, key)
    rows: list[Row] = []
    stage_seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="kaffe-campaign-") as data, \
            Emulator(None, user_email="alex@example.com", clock=lambda: clock[0]) as emu:
        base = Path(data)
        (base / "targets.csv").write_text(_targets(), encoding="utf-8")
        (base / "notes").mkdir()
        (base / "notes" / f"{INTRODUCER}.md").write_text(
            f"## Referrals\n- Zoe Zinc <{REFERRAL}> — knows the inland ports\n",
            encoding="utf-8")
        emu.add_event("primary", _coffee(INTRODUCER, START - timedelta(days=20)))
        config = loads(CONFIG.format(endpoint=emu.url, data=data, per_week=per_week,
                                     nudge_days=NUDGE_DAYS), base_dir=base)
        write_emulator_token(base / "google-token.json", emu.url, SCOPES)
        runtime = open_runtime(config)
        pending: list[tuple[datetime, str, Any]] = []  # (when, what, arg)
        sent_at: dict[str, datetime] = {}
        try:
            now = START
            week_counts: Counter[str] = Counter()
            while now < START + timedelta(weeks=weeks):
                clock[0] = now
                for when, what, arg in sorted((p for p in pending if p[0] <= now),
                                              key=lambda p: p[0]):
                    pending.remove((when, what, arg))
                    clock[0] = when
                    if what == "send" and any(d["id"] == arg for d in emu.drafts()):
                        emu.send_draft(arg)
                    elif what == "mail":
                        emu.add_message(arg, ["INBOX", "UNREAD"])
                    elif what == "event":
                        emu.add_event("primary", arg)
                clock[0] = now
                report = runtime.cycle(now)
                for outcome in report.created:
                    key = outcome.action.key
                    made.append((now, key))
                    week_counts[outcome.action.kind] += 1
                    _script(key, outcome.draft_id, now, emu, pending, sent_at, email, policy)
                now += STEP
                if (now - START) % timedelta(weeks=1) == timedelta(0):
                    week = (now - START) // timedelta(weeks=1)
                    with Store.open(Path(data) / "kaffe.db") as store:
                        targets = load_targets(config).targets
                        snapshot = read_snapshot(store, now, config, targets)
                    found = all_progress(snapshot, now, config)
                    stages = by_stage(found)
                    stage_seen.update(stages)
                    shown = ", ".join(f"{s} {n}" for s, n in stages.items())
                    rows.append((f"campaign: week {week}", "outreach / nudges / thanks made",
                                 f"{week_counts['outreach']} / {week_counts['nudge']} / "
                                 f"{week_counts['thanks']}", "—", "—", "—", "—"))
                    rows.append((f"campaign: week {week}", "targets by stage", shown,
                                 "—", "—", "—", "—"))
                    week_counts = Counter()
            rows += _trends(runtime, config, now)
        finally:
            runtime.close()
        seen = [s for s in STAGES if s in stage_seen]
        rows += _checks(made, per_week, seen, emu.send_attempts)
    return rows


def _trends(runtime: Any, config: Any, now: datetime, shown: int = 3) -> list[Row]:
    """The top themes `kaffe trends` shows at the end of the campaign."""
    from kaffe.cli.trends import gather
    from kaffe.wording import plural

    found, _articles = gather(runtime.store, config, now)
    return [(f"campaign: trends at week {(now - START) // timedelta(weeks=1)}",
             f"{rank}. {theme.label}", f"{plural(len(theme.mentions), 'person')}: "
             + ", ".join(f'"{t}"' for t in theme.texts), "—", "—", "—", "—")
            for rank, theme in enumerate(found[:shown], 1)]


def _script(key: str, draft_id: str, now: datetime, emu: Any, pending: list,
            sent_at: dict[str, datetime], email: Any, policy: Any) -> None:
    """What the scripted user does about a draft kaffe just made."""
    kind, _, rest = key.partition(":")
    if kind not in ("outreach", "nudge"):
        if kind in ("followup", "thanks"):  # you send your thank-yous; briefs are yours
            pending.append((now + timedelta(days=1), "send", draft_id))
        return
    index = int(rest.split("@")[0][1:]) if rest.startswith("p") else -1
    script = (Script(reply_after=2, coffee_after=4) if rest == REFERRAL
              else SCRIPTS.get(index, Script()))
    if kind == "outreach" and script.never_sent:
        return
    send = now + timedelta(days=1)
    pending.append((send, "send", draft_id))
    if kind != "outreach" or script.reply_after is None:
        return
    (raw,) = [d["raw"] for d in emu.drafts() if d["id"] == draft_id]
    message = email.message_from_bytes(raw, policy=policy.default)
    answer = send + timedelta(days=script.reply_after)
    pending.append((answer, "mail", _reply(rest, rest, str(message["Subject"]),
                                           str(message["Message-ID"]), answer)))
    if script.coffee_after is not None:
        start = (answer + timedelta(days=script.coffee_after)).replace(hour=8, minute=0)
        pending.append((answer, "event", _coffee(rest, start)))
    sent_at[rest] = send


def _checks(made: list[tuple[datetime, str]], per_week: int, stages: list[str],
            send_attempts: int) -> list[Row]:
    outreach = sorted(t for t, k in made if k.startswith("outreach:"))
    worst = max((sum(1 for u in outreach if t <= u < t + timedelta(days=7)) for t in outreach),
                default=0)
    nudges = Counter(k for _, k in made if k.startswith("nudge:"))
    replied = {f"nudge:p{i}@t{i}.example" for i, s in SCRIPTS.items()
               if s.reply_after is not None and s.reply_after < NUDGE_DAYS}
    thanks = [k for _, k in made if k.startswith("thanks:")]
    ok = "yes"
    return [
        ("campaign: checks", "most outreach drafts in any 7 days", str(worst), "—", "—",
         f"<= {per_week}", ok if worst <= per_week else "no"),
        ("campaign: checks", "most nudges to one target", str(max(nudges.values(), default=0)),
         "—", "—", "<= 1", ok if all(n <= 1 for n in nudges.values()) else "no"),
        ("campaign: checks", "nudges to targets who replied in time",
         str(len(replied & set(nudges))), "—", "—", "0", ok if not replied & set(nudges)
         else "no"),
        ("campaign: checks", "thank-yous for the referral", str(len(thanks)), "—", "—",
         "1", ok if thanks == [f"thanks:{INTRODUCER}:{REFERRAL}"] else "no"),
        ("campaign: checks", "stages seen", ", ".join(stages), "—", "—", "—", "—"),
        ("campaign: checks", "send calls by kaffe", str(send_attempts), "—", "—", "0",
         ok if send_attempts == 0 else "no"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", type=int, default=WEEKS)
    parser.add_argument("--per-week", type=int, default=PER_WEEK)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = run(args.weeks, args.per_week)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print_table(rows, sys.stdout)
    return 0 if all(r[6] != "no" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
