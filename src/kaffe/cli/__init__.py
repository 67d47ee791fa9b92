"""The ``kaffe`` command line: argument parsing, logging set-up and error handling.

Each subcommand's parser names the function that runs it (``set_defaults(func=...)``,
one ``cmd_*`` of :mod:`kaffe.cli.commands`); a new command is added in one place here."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from kaffe import __version__
from kaffe.cli import commands
from kaffe.errors import EX_CONFIG, ConfigError, KaffeError
from kaffe.timeutil import parse_iso

log = logging.getLogger("kaffe")


def _iso_time(text: str) -> datetime:
    try:
        return parse_iso(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO time: {text!r} (try 2026-03-04T18:00Z)"
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def _now_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now", metavar="ISO-TIME", type=_iso_time,
        help="pretend it is this time (e.g. 2026-03-04T18:00Z)",
    )


def _service_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("service", help="install kaffe as a systemd service")
    p.set_defaults(func=commands.cmd_service)
    action = p.add_subparsers(dest="service_command", required=True, metavar="ACTION")
    p = action.add_parser("install", help="write the systemd unit (the system template "
                          "kaffe@.service, or with --user your user unit) and say what to run")
    p.add_argument("--user", action="store_true",
                   help="a user unit in ~/.config/systemd/user (no root needed)")
    p.add_argument("--print", action="store_true", dest="print_only",
                   help="print the unit instead of writing it")
    p.add_argument("--force", action="store_true", help="replace a different existing unit")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kaffe", description="Coffee meetings become follow-up drafts in your mailbox."
    )
    parser.add_argument("--version", action="version", version=f"kaffe {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $KAFFE_CONFIG, "
                        "else the platform config dir)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more logging; -v also shows tracebacks")
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="write the commented example config")
    p.set_defaults(func=commands.cmd_init)
    p.add_argument("--force", action="store_true", help="overwrite an existing config")
    p = sub.add_parser("auth", help="authorise kaffe with your Google account")
    p.set_defaults(func=commands.cmd_auth)
    p.add_argument("--no-browser", action="store_true",
                   help="print the URL instead of opening a browser (for SSH tunnels)")
    p.add_argument("--port", type=int, default=8085, help="local port for the OAuth redirect")
    p = sub.add_parser("run", help="run the daemon (a cycle every [schedule] interval_minutes)")
    p.set_defaults(func=commands.cmd_run)
    p = sub.add_parser("once", help="run one cycle: sync, plan, create due drafts")
    p.set_defaults(func=commands.cmd_once)
    _now_arg(p)
    p = sub.add_parser("plan", help="dry run: every event, its verdict and reasons, every draft")
    p.set_defaults(func=commands.cmd_plan)
    _now_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--all", action="store_true", help="also list events that are not coffee")
    p = sub.add_parser("status", help="sources, drafts, and each contact: who wrote last, "
                       "whether they answered")
    p.set_defaults(func=commands.cmd_status)
    p.add_argument("--all", action="store_true", help="list every contact")
    p = sub.add_parser("doctor", help="check config, files, credentials and connections")
    p.set_defaults(func=commands.cmd_doctor)
    _service_parser(sub)
    p = sub.add_parser("note", help="remember what you talked about with a contact")
    p.set_defaults(func=commands.cmd_note)
    p.add_argument("contact", help="the contact's e-mail address")
    p.add_argument("text", help='the note, e.g. "Topics: data mesh, hiring" or #hashtags')
    p = sub.add_parser("targets", help="the people you would like to meet: stage, since when, "
                       "next step ([outreach] targets_file and referrals in your notes)")
    p.set_defaults(func=commands.cmd_targets, targets_command=None)
    _now_arg(p)
    action = p.add_subparsers(dest="targets_command", metavar="ACTION")
    add = action.add_parser("add", help="append a target to [outreach] targets_file")
    add.add_argument("name", help='their name, e.g. "Ana Silva"')
    add.add_argument("email", help="their e-mail address")
    for column in ("company", "role", "theme", "offer", "language"):
        add.add_argument(f"--{column}", default="", help=f"the {column} column")
    p = sub.add_parser("guard", help="check text on standard input against the guard "
                       "(exit 1 if anything reads like asking for a job)")
    p.set_defaults(func=commands.cmd_guard)
    p.add_argument("--lines", action="store_true", help="one verdict per line")
    p = sub.add_parser("topics", help="the topics kaffe remembers, with source and date")
    p.set_defaults(func=commands.cmd_topics)
    p.add_argument("contact", nargs="?", help="only this contact")
    p = sub.add_parser("trends", help="the themes across your meetings and notes: who "
                       "raised them, when, and recent articles on each")
    p.set_defaults(func=commands.cmd_trends)
    _now_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--limit", type=_positive, default=10, metavar="N",
                   help="show the top N themes (default 10)")
    p = sub.add_parser("export", help="write contacts, topics and the ledger as JSON "
                       "(never tokens or mail)")
    p.set_defaults(func=commands.cmd_export)
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE, readable only by you "
                   "(default: standard output)")
    p = sub.add_parser("import", help="merge a `kaffe export` file into the store")
    p.set_defaults(func=commands.cmd_import)
    p.add_argument("file", metavar="FILE", help="the export file (- for standard input)")
    p.add_argument("--dry-run", action="store_true", help="only say what would change")
    p = sub.add_parser("demo", help="run kaffe against the built-in emulator with sample data")
    p.set_defaults(func=commands.cmd_demo)
    _now_arg(p)
    p.add_argument("--days", type=float, default=45, help="simulated days to run (default 45)")
    p.add_argument("--quiet", action="store_true", help="only print the summary line")
    p = sub.add_parser("emulator", help="serve the local Google API emulator")
    p.set_defaults(func=commands.cmd_emulator)
    p.add_argument("--seed", metavar="DIR", help="seed directory (calendar/*.json, gmail/*/*.eml)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--request-log", metavar="FILE", help="append every request as JSON lines")
    p.add_argument("--fault-rate", type=float, default=0.0, metavar="SHARE",
                   help="fail this share (0-1) of API requests with 429/500/503, "
                   "with and without Retry-After")
    p.add_argument("--fault-seed", type=int, metavar="N", help="seed for repeatable faults")
    p.add_argument("--slow-ms", type=float, default=0.0, metavar="MS",
                   help="answer the same share of requests up to MS ms late")
    p.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                   help="answer every request MS ms late (a far-away server)")
    p.add_argument("--quota-per-minute", type=int, default=0, metavar="UNITS",
                   help="refuse Gmail calls past UNITS quota units a minute, as Google does "
                   "(6000 today; 0 = no limit)")
    return parser


def setup_logging(verbose: int, fmt: str) -> None:
    from kaffe.cli.logs import configure

    configure(verbose, fmt)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The daemon reports each cycle at INFO; one-shot commands stay quiet unless -v.
    setup_logging(args.verbose + (args.command == "run"), args.log_format)
    from kaffe.cli.terminal import shown, shown_lines

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"kaffe: {shown_lines(exc)}", file=sys.stderr)
        if exc.hint:
            print(f"kaffe: hint: {shown(exc.hint)}", file=sys.stderr)
        return EX_CONFIG
    except KaffeError as exc:
        if args.verbose:
            log.exception("error")
        print(f"kaffe: error: {shown_lines(exc)}", file=sys.stderr)
        if exc.hint:
            print(f"kaffe: hint: {shown(exc.hint)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
