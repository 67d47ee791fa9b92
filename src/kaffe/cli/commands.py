"""One function per subcommand (the parser in :mod:`kaffe.cli` names it with
``set_defaults(func=...)``). Each returns an exit code.

This module is imported to build the parser, so ``kaffe --help`` pays for its
imports: what a command needs beyond the config and the store it imports when it runs."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kaffe.config import load, paths, write_example
from kaffe.config.schema import Config
from kaffe.errors import EX_UNAVAILABLE, LockError
from kaffe.store import InstanceLock, Store
from kaffe.timeutil import now_utc

if TYPE_CHECKING:
    from kaffe.daemon.cycle import CycleReport
    from kaffe.daemon.problems import Kept

log = logging.getLogger(__name__)


def _config(args: argparse.Namespace) -> Config:
    return load(_config_path(args))


def _config_path(args: argparse.Namespace) -> Path:
    return paths.config_path(Path(args.config) if args.config else None, os.environ)


def _now(args: argparse.Namespace) -> datetime:
    return args.now or now_utc()


def _lock() -> InstanceLock:
    return InstanceLock(paths.runtime_dir() / "kaffe.lock")


@contextlib.contextmanager
def _runtime(config: Config) -> Iterator:
    from kaffe.daemon.runtime import open_runtime

    runtime = open_runtime(config)
    try:
        yield runtime
    finally:
        runtime.close()


def cmd_init(args: argparse.Namespace) -> int:
    path = write_example(_config_path(args), force=args.force)
    print(f"wrote {path}")
    print(INIT_NEXT)
    return 0


# Both ways in: many people cannot or will not make a Google Cloud OAuth client.
INIT_NEXT = """next: fill in [me] (name, addresses, domains, timezone), then either
  - with a Google OAuth client: point [google] client_secret_file at it and run `kaffe auth`, or
  - without one: add a [[calendars]] entry (type "ics", your calendar's secret iCal address)
    and a [[mail]] entry (type "imap", an app password in password_file), as the
    commented [[calendars]] and [[mail]] examples in the file show
then `kaffe doctor` checks it all and `kaffe plan` shows what kaffe would do"""


def cmd_auth(args: argparse.Namespace) -> int:
    from kaffe.connectors.google.auth import authorize, granted_missing
    from kaffe.connectors.google.permissions import GRANT_HINT

    config = _config(args)
    token = paths.token_path(config)
    creds = authorize(config.google, token, open_browser=not args.no_browser, port=args.port)
    print(f"authorised; the token is stored in {token} (readable only by you)")
    missing = granted_missing(creds)
    if missing:
        print("Some permissions were not granted; kaffe does what the others allow:")
        print("".join(f"  - {p.missing_line()}\n" for p in missing), end="")
        print(f"To grant them: {GRANT_HINT}.")
    return 0


def cmd_once(args: argparse.Namespace) -> int:
    from kaffe.cli import report
    from kaffe.daemon.loop import EX_SIGTERM, Backstop, StopFlag

    config = _config(args)
    # SIGTERM ends the cycle as it ends the daemon's: a fetch in flight is aborted,
    # the current draft is finished, the rest is done by the next run.
    with _lock(), _runtime(config) as runtime, StopFlag().on(signal.SIGTERM) as stop:
        with Backstop(stop, code=EX_SIGTERM):
            result = runtime.cycle(_now(args), stop=stop)
    print(report.cycle_text(result, config.me.zone))
    if stop():
        return EX_SIGTERM
    return 1 if result.failed or any(s.error for s in result.syncs) else 0


def cmd_plan(args: argparse.Namespace) -> int:
    from kaffe.cli import report

    config, now = _config(args), _now(args)
    try:
        with _lock(), _runtime(config) as runtime:
            result = runtime.cycle(now, dry_run=True)
            drafts = report.preview_drafts(runtime, result.plan, now)
    except LockError:
        log.warning("the daemon is running: showing what it last synced, without syncing")
        with _runtime_offline(config) as runtime:
            result = runtime.cycle(now, dry_run=True)
            drafts = report.preview_drafts(runtime, result.plan, now)
    problems = _stored_problems(config)
    missing = _missing_permissions(config)
    if args.json:
        doc = report.plan_json(result, drafts, problems) | {"missing_permissions": missing}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(report.plan_text(result, drafts, config.me.zone, problems))
        print("\n".join(report.permission_lines(missing)), end="\n" if missing else "")
    return _plan_exit(result)


def _stored_problems(config: Config) -> list[Kept]:
    """The reading problems kept for the config's sources (the plan's syncs included)."""
    from kaffe.connectors.registry import source_names
    from kaffe.daemon import problems

    with Store.open(paths.database_path(config)) as store:
        return problems.load_all(store, source_names(config))


def _missing_permissions(config: Config) -> list[str]:
    """The Google permissions the stored token lacks, in words ([] without Google)."""
    from kaffe.connectors.google.permissions import missing_lines
    from kaffe.connectors.registry import needs_google

    return missing_lines(paths.token_path(config)) if needs_google(config) else []


def _plan_exit(result: CycleReport) -> int:
    """69 (EX_UNAVAILABLE) when sources were asked and not one synced: the plan shown is
    from stored data only, and a script or a person must not take it for a fresh one."""
    if result.syncs and not result.synced:
        print(f"kaffe: error: none of the {len(result.syncs)} sources synced (see above); "
              "this plan is from what was stored before", file=sys.stderr)
        return EX_UNAVAILABLE
    return 0


@contextlib.contextmanager
def _runtime_offline(config: Config) -> Iterator:
    """A runtime whose sources are left out: plan from the stored state only."""
    with _runtime(config) as runtime:
        runtime.calendars, runtime.mailboxes, runtime.feeds = [], [], []
        yield runtime


def cmd_run(args: argparse.Namespace) -> int:
    from kaffe.daemon.loop import Daemon
    from kaffe.daemon.runtime import LiveRuntime

    # SIGHUP reloads the config file into a new runtime; the lock stays held.
    with _lock(), LiveRuntime.open(_config_path(args)) as live:
        interval = live.config.schedule.interval_minutes
        daemon = Daemon(live.cycle, interval, now_utc, reload=live.reload)
        daemon.install_signals()
        daemon.run()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from kaffe.cli import report, targets
    from kaffe.connectors.registry import source_names

    config, now = _config(args), now_utc()
    read = targets.read_all(config)
    with Store.open(paths.database_path(config)) as store:
        found = targets.target_progress(store, config, now, read.targets)
        print(report.status_text(store, now, all_contacts=args.all, me=config.me,
                                 sources=source_names(config),
                                 missing=_missing_permissions(config),
                                 targets=targets.status_lines(found, read.problems,
                                                              config.me.zone)))
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from kaffe.cli import targets

    config = _config(args)
    if args.targets_command == "add":
        columns = {c: getattr(args, c) for c in ("company", "role", "theme", "offer", "language")}
        print(targets.add(config, args.name, args.email, **columns))
        return 0
    read = targets.read_all(config, strict=True)
    with Store.open(paths.database_path(config)) as store:
        found = targets.target_progress(store, config, _now(args), read.targets)
    print(targets.targets_text(found, read.problems, config))
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    from kaffe.cli.topics import note

    config = _config(args)
    with Store.open(paths.database_path(config)) as store:
        return note(store, args.contact, args.text, now_utc(), sys.stdout, sys.stderr)


def cmd_topics(args: argparse.Namespace) -> int:
    from kaffe.cli.topics import show_topics

    config = _config(args)
    with Store.open(paths.database_path(config)) as store:
        return show_topics(store, args.contact, sys.stdout, config.me.zone)


def cmd_trends(args: argparse.Namespace) -> int:
    from kaffe.cli import trends

    config, now = _config(args), _now(args)
    with Store.open(paths.database_path(config)) as store:
        found, articles = trends.gather(store, config, now)
    if args.json:
        doc = trends.trends_json(found, articles, now, config.me.zone, args.limit)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(trends.trends_text(found, articles, config.me.zone, args.limit))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kaffe.cli.transfer import export

    config = _config(args)
    output = Path(args.output).expanduser() if args.output else None
    with Store.open(paths.database_path(config)) as store:
        return export(store, output, now_utc(), sys.stdout)


def cmd_import(args: argparse.Namespace) -> int:
    from kaffe.cli.transfer import import_

    config = _config(args)
    with Store.open(paths.database_path(config)) as store:
        return import_(store, args.file, dry_run=args.dry_run, out=sys.stdout, stdin=sys.stdin)


def cmd_guard(args: argparse.Namespace) -> int:
    from kaffe.cli.guard import run_guard
    from kaffe.config.schema import GuardConfig

    # Without a config file the shipped patterns are checked.
    path = _config_path(args)
    guard = load(path).guard if path.exists() else GuardConfig()
    return run_guard(sys.stdin, sys.stdout, guard, lines=args.lines)


def cmd_service(args: argparse.Namespace) -> int:
    from kaffe.cli.service import run_install

    return run_install(user=args.user, print_only=args.print_only, force=args.force,
                       out=sys.stdout)


def cmd_doctor(args: argparse.Namespace) -> int:
    from kaffe.cli.doctor import run_checks

    checks = run_checks(args.config)
    for check in checks:
        print(check)
    failed = [c for c in checks if not c.ok]
    warned = sum(1 for c in checks if c.ok and c.warning)
    tail = f", {warned} with a warning" if warned else ""
    print(f"{len(checks) - len(failed)} of {len(checks)} checks passed{tail}")
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from kaffe.demo import DEMO_START, run_demo

    start = args.now or DEMO_START
    return run_demo(start, days=args.days, quiet=args.quiet, out=sys.stdout)


def cmd_emulator(args: argparse.Namespace) -> int:
    from kaffe.emulator import serve
    from kaffe.emulator.faults import check_latency, cli_chaos
    from kaffe.errors import KaffeError

    seed = Path(args.seed) if args.seed else None
    log_file = Path(args.request_log) if args.request_log else None
    try:
        chaos = cli_chaos(args.fault_rate, args.slow_ms / 1000)
        latency = check_latency(args.latency_ms / 1000)
    except ValueError as exc:
        raise KaffeError(f"kaffe emulator: {exc}") from None
    serve(seed, args.host, args.port, log_file, chaos=chaos, chaos_seed=args.fault_seed,
          latency=latency, quota_per_minute=args.quota_per_minute)
    return 0
