"""``kaffe targets``: the people you would like to meet, each with the stage mail and
calendar put them at, since when, and kaffe's next step; ``kaffe targets add`` appends
one to ``[outreach] targets_file``. ``kaffe status`` shows the short block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from kaffe.cli.terminal import shown
from kaffe.config.schema import Config
from kaffe.daemon.storeview import read_snapshot
from kaffe.errors import KaffeError
from kaffe.kinds import OUTREACH
from kaffe.model import WAITING, Target
from kaffe.rules.outreach import outreach_plan
from kaffe.rules.stages import Progress, all_progress, by_stage
from kaffe.timeutil import stamp
from kaffe.topics.targets import TargetsRead, add_target, load_targets, read_targets
from kaffe.wording import plural


def read_all(config: Config, *, strict: bool = False) -> TargetsRead:
    """The targets of ``config``; ``strict``: a targets file that cannot be read is an
    error (exit 78 for a bad header) instead of one problem among the others."""
    path = config.outreach.targets_file
    if strict and path is not None and path.exists():
        read_targets(path, config.me)  # raises TargetsError: located, exit 78
    return load_targets(config)


def target_progress(store: Any, config: Config, now: datetime, targets: Sequence[Target]
                    ) -> tuple[Progress, ...]:
    """Each target's progress at ``now``, from what the store holds."""
    if not targets:
        return ()
    snapshot = read_snapshot(store, now, config, tuple(targets))
    found = all_progress(snapshot, now, config)
    paced = {a.to[0].email: a.due_at for a in outreach_plan(snapshot, now, config)
             if a.kind == OUTREACH and a.state == WAITING and a.to}
    return tuple(_paced(p, paced, config) for p in found)


def _paced(found: Progress, paced: dict[str, datetime | None], config: Config) -> Progress:
    """``found``, its next step saying when the weekly pace lets its outreach through."""
    if found.target.email not in paced:
        return found
    at = paced[found.target.email]
    when = f"from {stamp(at, config.me.zone)}" if at is not None else "when the pace allows"
    return replace(found, next_step=f"an outreach draft {when} ([outreach] per_week)")


def targets_text(found: Sequence[Progress], problems: Sequence[str], config: Config) -> str:
    """``kaffe targets``: one block per target, then what was skipped and why."""
    zone = config.me.zone
    if not found and not problems:
        where = config.outreach.targets_file
        return ("no targets: " + (f"{where} lists no one" if where else
                                  "set [outreach] targets_file, or add a referral to a note")
                + "; `kaffe targets add NAME EMAIL` adds one")
    out = [f"targets: {len(found)}" + _counts(found)]
    for p in found:
        t = p.target
        company = f", {t.role + ' at ' if t.role else ''}{t.company}" if t.company else ""
        out.append(f"  {shown(t.name)} <{shown(t.email)}>{shown(company)}")
        since = f" since {stamp(p.since, zone)}" if p.since else ""
        out.append(f"    stage: {p.stage}{since}")
        out.append(f"    next:  {shown(p.next_step)}")
        source = f"    from:  {shown(t.where)}"
        if t.introduced_by:
            source += f" (introduced by {shown(t.introduced_by)})"
        out.append(source)
    if problems:
        out.append(f"problems: {len(problems)} (the rows skipped, the cells ignored)")
        out += [f"  {shown(problem)}" for problem in problems]
    return "\n".join(out)


def _counts(found: Sequence[Progress]) -> str:
    counts = by_stage(found)
    return f" ({', '.join(f'{stage} {n}' for stage, n in counts.items())})" if counts else ""


def status_lines(found: Sequence[Progress], problems: Sequence[str], zone: tzinfo = UTC,
                 limit: int = 10) -> list[str]:
    """``kaffe status``'s short block: targets by stage, the latest moves, problems."""
    if not found and not problems:
        return []
    out = [f"targets: {len(found)}" + _counts(found)]
    moved = sorted(((p.since, p) for p in found if p.since is not None),
                   key=lambda pair: pair[0], reverse=True)[:limit]
    out += [f"  {stamp(since, zone)}  {p.stage:<11} {shown(p.target.email)}: "
            f"{shown(p.next_step)}" for since, p in moved]
    if problems:
        out.append(f"  {plural(len(problems), 'problem')} in the targets (`kaffe targets` "
                   "lists them)")
    return out


def add(config: Config, name: str, email: str, **columns: str) -> str:
    """Append a target to ``[outreach] targets_file``; what to tell the user."""
    path = config.outreach.targets_file
    if path is None:
        raise KaffeError("no targets file to add to",
                         hint='set [outreach] targets_file = "targets.csv" in your config')
    target = Target(email=email.strip().lower(), name=name.strip(),
                    **{k: v.strip() for k, v in columns.items() if v})
    add_target(path, target, config.me)
    return f"added {target.name} <{target.email}> to {path}"
