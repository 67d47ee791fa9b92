"""Human and JSON renderings of plans, cycles and status: kaffe explains itself."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from kaffe.cli.reading import problem_json, problem_lines
from kaffe.cli.terminal import shown
from kaffe.config.schema import MeConfig
from kaffe.daemon import health
from kaffe.daemon import problems as read_problems
from kaffe.daemon.cycle import CAP_META, CycleReport
from kaffe.daemon.executor import GAVE_UP, Executor
from kaffe.daemon.firstsync import progress_line
from kaffe.daemon.problems import Kept
from kaffe.kinds import CHECKIN
from kaffe.model import DUE, SKIPPED, Action, Draft, Event, LedgerEntry, OutcomeState, Verdict
from kaffe.redact import redact_text
from kaffe.rules.drip import NoDrip
from kaffe.rules.plan import Plan
from kaffe.rules.relations import Relationship, relationships
from kaffe.timeutil import local, stamp
from kaffe.wording import plural

log = logging.getLogger(__name__)


def _when(dt: datetime | None, zone: tzinfo = UTC) -> str:
    """``2026-03-09 15:00 CET``: every time a person reads is in ``[me] timezone``."""
    return stamp(dt, zone) if dt else "-"


def _event_when(event: Event, zone: tzinfo) -> str:
    """An all-day event is its date (stored at midnight UTC, it has no hour to convert)."""
    if event.all_day:
        return f"{event.start:%Y-%m-%d} (all day)"
    return _when(event.start, zone)


def _to(action: Action) -> str:
    return ", ".join(shown(r.email) for r in action.to) or "(nobody)"


@dataclass(frozen=True)
class Preview:
    """A draft as it would be created, and why the guard would stop it ("" = it would not)."""

    draft: Draft
    blocked: str = ""


def preview_drafts(runtime: Any, plan: Plan, now: datetime) -> dict[str, Preview]:
    """The drafts that DUE actions would create, keyed by action key: the executor's
    own dry run (:meth:`kaffe.daemon.executor.Executor.preview`), so that ``kaffe
    plan`` says "blocked" as the daemon does."""
    executor = Executor(runtime.store, runtime.sink, runtime.render, runtime.guard)
    return {
        o.action.key: Preview(o.draft, o.detail if o.state == OutcomeState.BLOCKED else "")
        for o in executor.preview(plan.actions, now) if o.draft is not None
    }


def event_lines(event: Event, verdict: Verdict, zone: tzinfo = UTC) -> list[str]:
    mark = "coffee" if verdict.is_coffee else "no    "
    title = shown(event.summary) or "(no title)"
    lines = [f"  {mark} {_event_when(event, zone)}  {title}  [score {verdict.score:g}]"]
    if verdict.veto:
        lines.append(f"           never counts: {shown(verdict.veto)}")
    # the veto is also the first veto reason: said once, on its own line
    lines += [f"           {shown(reason)}" for reason in verdict.reasons
              if not (reason.feature.startswith("veto.") and reason.detail == verdict.veto)]
    return lines


def action_lines(action: Action, preview: Preview | None, zone: tzinfo = UTC) -> list[str]:
    state = "BLOCKED" if preview and preview.blocked else action.state
    head = f"  {state:<8} {action.kind:<9} to {_to(action)} ({action.language})"
    lines = [head, f"           {shown(action.reason)}"]
    if action.language_reason:
        lines.append(f"           language {shown(action.language_reason)}")
    if action.due_at and action.state != DUE:
        lines.append(f"           due at {_when(action.due_at, zone)}")
    if preview is not None:
        lines.append(f"           subject: {shown(preview.draft.subject)}")
        if preview.blocked:
            lines.append(f"           {shown(preview.blocked)}")
    return lines


def plan_text(result: CycleReport, drafts: dict[str, Preview], zone: tzinfo = UTC,
              problems: Sequence[Kept] = ()) -> str:
    """The plan; ``problems``: the stored reading problems of the config's sources."""
    plan = result.plan
    coffee = sum(1 for _, v in plan.verdicts if v.is_coffee)
    out = [f"kaffe plan at {_when(result.now, zone)}"]
    out += [f"  sync {shown(s.source)}: "
            f"{shown(s.error or s.skipped or plural(s.changed, 'change'))}"
            + (f", {plural(len(s.problems), 'reading problem')}" if s.problems else "")
            for s in result.syncs]
    out += problem_lines(list(problems), zone)
    out.append(f"events: {len(plan.verdicts)} seen, {plural(coffee, 'coffee meeting')}")
    for event, verdict in sorted(plan.verdicts, key=lambda ev: ev[0].start):
        out += event_lines(event, verdict, zone)
    out.append(f"drafts: {len(plan.actions)} planned")
    if plan.cap is not None:
        out.append(f"  WARNING {plan.cap.warning()}")
    for action in plan.actions:
        out += action_lines(action, drafts.get(action.key), zone)
    out += no_drip_lines(plan)
    blocked = sum(1 for p in drafts.values() if p.blocked)
    out.append(f"{plural(len(drafts) - blocked, 'draft')} would be created now, {blocked} blocked")
    return "\n".join(out)


def no_drip_lines(plan: Plan) -> list[str]:
    """``no drip for ana@x.dk: best fresh article "…" scores 1.40 < threshold 2.0``:
    every contact met whose drip is not due, and why; a check-in planned instead
    says so."""
    if not plan.no_drip:
        return []
    checkins = {a.to[0].email: a.state for a in plan.actions if a.kind == CHECKIN and a.to}
    out = [f"no drip now: {plural(len(plan.no_drip), 'contact')} you met"]
    for reason in plan.no_drip:
        out.append(f"  no drip for {shown(reason.contact)}: {shown(reason.detail)}")
        if reason.contact in checkins:
            out.append(f"           a check-in is planned instead ({checkins[reason.contact]})")
    return out


def plan_json(result: CycleReport, drafts: dict[str, Preview],
              problems: Sequence[Kept] = ()) -> dict[str, Any]:
    return {
        "problems": problem_json(list(problems)),
        "now": result.now.isoformat(),
        "syncs": [
            {"source": redact_text(s.source), "changed": s.changed, "full": s.full,
             "error": redact_text(s.error), "skipped": s.skipped} for s in result.syncs
        ],
        "events": [_event_json(e, v) for e, v in result.plan.verdicts],
        "actions": [_action_json(a, drafts.get(a.key)) for a in result.plan.actions],
        "cap": result.plan.cap.warning() if result.plan.cap else None,
        "no_drip": [_no_drip_json(n) for n in result.plan.no_drip],
    }


def _no_drip_json(reason: NoDrip) -> dict[str, Any]:
    """Why a contact met gets no drip now, as data (``why``: a :class:`NoDripWhy` value)."""
    return {
        "contact": reason.contact,
        "why": str(reason.why),
        "detail": redact_text(reason.detail),
        "article": redact_text(reason.article) or None,
        "score": reason.score,
        "threshold": reason.threshold,
        "until": reason.until.isoformat() if reason.until else None,
    }


def _event_json(event: Event, verdict: Verdict) -> dict[str, Any]:
    """The event as data (JSON escapes control characters), secrets redacted."""
    return {
        "key": event.key,
        "summary": redact_text(event.summary),
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "is_coffee": verdict.is_coffee,
        "score": verdict.score,
        "veto": verdict.veto,
        "reasons": [{**asdict(r), "detail": redact_text(r.detail)} for r in verdict.reasons],
    }


def _action_json(action: Action, preview: Preview | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": action.kind,
        "key": action.key,
        "state": action.state,
        "reason": redact_text(action.reason),
        "to": [asdict(r) for r in action.to],
        "language": action.language,
        "language_reason": action.language_reason,
        "due_at": action.due_at.isoformat() if action.due_at else None,
    }
    if preview is not None:
        draft = preview.draft
        data["draft"] = {"subject": draft.subject, "body": draft.body}
        data["blocked"] = preview.blocked
    return data


def cycle_text(result: CycleReport, zone: tzinfo = UTC) -> str:
    out = [f"kaffe once at {_when(result.now, zone)}: {result.summary()}"]
    out += [f"  sync {shown(s.source)}: {shown(s.error)}" for s in result.syncs if s.error]
    if result.plan.cap is not None:
        out.append(f"  WARNING {result.plan.cap.warning()}")
    for outcome in result.outcomes:
        detail = shown(outcome.draft_id or outcome.detail)
        out.append(f"  {outcome.state:<9} {shown(outcome.action.key)}  {detail}")
    hints = [s.hint for s in result.syncs if s.error] + [o.hint for o in result.failed]
    out += [f"  fix: {shown(hint)}" for hint in dict.fromkeys(h for h in hints if h)]
    return "\n".join(out)


def status_text(
    store: Any, now: datetime, *, all_contacts: bool = False, me: MeConfig | None = None,
    sources: Collection[str] | None = None, missing: Sequence[str] = (),
    targets: Sequence[str] = (),
) -> str:
    """Sources, drafts and contacts; times in ``me.timezone``, your own addresses
    (prep briefs go to them) left out of the contacts. ``sources``: show only these
    (the current config's); None shows every stored one. ``missing``: the Google
    permissions the token was not granted, in words. ``targets``: the targets' block
    (:func:`kaffe.cli.targets.status_lines`)."""
    me = me or MeConfig()
    zone = me.zone
    out = [f"kaffe status at {_when(now, zone)} (schema v{store.schema_version})", "sources:"]
    out += source_lines(store, sources, zone)
    names = store.source_runs().keys() if sources is None else sources
    out += problem_lines(read_problems.load_all(store, names), zone)
    out += permission_lines(missing)
    cap = store.get_meta(CAP_META)
    if cap:
        out.append(f"WARNING {shown(cap)}")
    ledger = store.ledger()
    counts = Counter((e.kind, e.state) for e in ledger.values())
    out.append("drafts:")
    out += [f"  {kind} {state}: {n}" for (kind, state), n in sorted(counts.items())]
    recent = sorted(ledger.values(), key=lambda e: e.updated, reverse=True)[:10]
    out += [f"  {_when(e.updated, zone)}  {e.state:<8} {shown(e.key)}  "
            f"{shown(e.draft_id or e.detail)}" for e in recent]
    out += given_up_lines(ledger.values(), zone)
    out += review_lines(store.reviews().values(), zone)
    own = set(me.addresses)
    people = [r for r in relationships(store.interactions(), ledger).values()
              if r.contact not in own]
    listed = people if all_contacts else _most_relevant(people, SHOWN_CONTACTS)
    out.append(f"contacts: {len(people)}")
    out += [f"  {shown(r.contact)}  {relationship_text(r, zone)}" for r in listed]
    if len(listed) < len(people):
        out.append(f"  ... {len(people) - len(listed)} more (`kaffe status --all` lists them)")
    out += targets
    return "\n".join(out)


SHOWN_CONTACTS = 20


def review_lines(reviews: Iterable[Any], zone: tzinfo) -> list[str]:
    """Your drafts that read like a job ask, and those the guard could not judge
    (:mod:`kaffe.daemon.review`): which draft, to whom, why; never what they say."""
    from kaffe.store.reviews import ASK, UNJUDGED

    flagged = [r for r in reviews if r.verdict in (ASK, UNJUDGED)]
    if not flagged:
        return []
    out = ["your drafts, read before you send them:"]
    for r in sorted(flagged, key=lambda r: r.at):
        what = "reads like a job ask" if r.verdict == ASK else "not judged"
        out.append(f'  {_when(r.at, zone)}  draft to {shown(", ".join(r.recipients))} '
                   f'("{shown(r.subject)}") {what}: {shown(r.detail)}')
    return out


def permission_lines(missing: Sequence[str]) -> list[str]:
    """The Google permissions not granted, what kaffe cannot do without each, the fix."""
    from kaffe.connectors.google.permissions import GRANT_HINT

    if not missing:
        return []
    lines = [f"  NOT GRANTED: {shown(line)}" for line in missing]
    return ["google permissions:", *lines, f"    fix: {GRANT_HINT}"]


def given_up_lines(entries: Iterable[LedgerEntry], zone: tzinfo = UTC) -> list[str]:
    """Every draft kaffe stopped trying after it kept failing, however old."""
    gave_up = [e for e in entries if e.state == SKIPPED and e.detail.startswith(GAVE_UP)]
    lines = [f"  GIVEN UP: {e.kind} {shown(e.key)} ({_when(e.updated, zone)}): "
             f"{shown(e.detail)}" for e in gave_up]
    return [f"drafts given up on: {len(gave_up)} (not tried again)", *lines] if lines else []


def source_lines(
    store: Any, sources: Collection[str] | None = None, zone: tzinfo = UTC
) -> list[str]:
    """Each source synced so far: ok, or FAILING since when, why, and the command that fixes it."""
    runs = {name: run for name, run in store.source_runs().items()
            if sources is None or name in sources}
    if not runs:
        return ["  none synced yet: run `kaffe once` or start the daemon"]
    out = []
    for name, run in sorted(runs.items()):
        if run["ok"]:
            out.append(f"  {shown(name)}: ok, last run {_when(run['last_run'], zone)}")
        else:
            out += _failing_lines(name, run, health.load(store, name), zone)
        first = progress_line(store, name)
        out += [f"    {first}"] if first else []
    return out


def _failing_lines(
    name: str, run: dict[str, Any], failing: health.SourceHealth | None, zone: tzinfo
) -> list[str]:
    last_ok = f"last ok {_when(run['last_ok'], zone)}" if run["last_ok"] else "never worked"
    name = shown(name)
    if failing is None:  # failed before kaffe kept health records
        return [f"  {name}: FAILING at {_when(run['last_run'], zone)}, {last_ok}",
                f"    {shown(run['detail'])}"]
    lines = [f"  {name}: FAILING since {_when(failing.since, zone)} ({failing.kind} error), "
             f"last tried {_when(failing.last_failure, zone)}, {last_ok}",
             f"    {shown(failing.message)}"]
    return lines + ([f"    fix: {shown(failing.hint)}"] if failing.hint else [])


def _most_relevant(people: list[Relationship], limit: int) -> list[Relationship]:
    """Contacts with kaffe drafts first, then the most recently active."""
    def last(rel: Relationship) -> datetime:
        moments = [i.at for i in (rel.last_sent, rel.last_received) if i is not None]
        return max(moments, default=datetime.min.replace(tzinfo=UTC))

    ranked = sorted(people, key=lambda r: (r.drafted > 0, last(r)), reverse=True)
    return ranked[:limit]


def relationship_text(rel: Relationship, zone: tzinfo = UTC) -> str:
    """``you wrote … · they wrote … · kaffe drafts 1, sent 1, answered``."""
    parts = [
        f"you wrote {_day(rel.last_sent.at, zone) if rel.last_sent else 'never'}",
        f"they wrote {_day(rel.last_received.at, zone) if rel.last_received else 'never'}",
    ]
    if rel.drafted:
        answer = {None: "not sent yet", True: "answered", False: "no answer yet"}[rel.answered]
        parts.append(f"kaffe drafts {rel.drafted}, sent {rel.sent}, {answer}")
    return " · ".join(parts)


def _day(moment: datetime, zone: tzinfo) -> str:
    return f"{local(moment, zone):%Y-%m-%d}"
