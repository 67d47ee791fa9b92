"""``kaffe doctor``: check every part a cycle needs and say in words what is wrong."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kaffe.config import load, paths
from kaffe.config.schema import Config
from kaffe.errors import ConfigError, KaffeError
from kaffe.timeutil import now_utc


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""

    def __str__(self) -> str:
        line = f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"
        return f"{line}\n     fix: {self.hint}" if self.hint and not self.ok else line


def _private(path: Path) -> Check:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Check(f"mode of {path.name}", False, f"{oct(mode)} is readable by others",
                     f"chmod 600 {path}")
    return Check(f"mode of {path.name}", True, "0600")


def check_database(config: Config) -> list[Check]:
    from kaffe.store import Store

    path = paths.database_path(config)
    try:
        with Store.open(path) as store:
            version = store.schema_version
    except (OSError, KaffeError) as exc:
        return [Check("database", False, f"{path}: {exc}", "check that the data dir is writable")]
    return [Check("database", True, f"{path} (schema v{version})"), _private(path)]


def check_google(config: Config) -> list[Check]:
    from kaffe.connectors.google import open_google

    token = paths.token_path(config)
    if not token.exists():
        return [Check("google token", False, f"{token} does not exist", "run `kaffe auth`")]
    checks = [_private(token)]
    try:
        google = open_google(config, token)
        checks.append(Check("gmail", True, f"signed in as {google.profile_email()}"))
        for source in google.calendars:
            source.sync(None, window_start=_today(), window_end=_today(days=1))
            checks.append(Check(f"calendar {source.name}", True, "readable"))
    except KaffeError as exc:
        checks.append(Check("google", False, str(exc), exc.hint or "see `kaffe -v doctor`"))
    return checks


def _today(days: int = 0) -> datetime:
    return now_utc() + timedelta(days=days)


def run_checks(config_arg: str | None) -> list[Check]:
    """Run every check; a failing early one (the config) stops those that depend on it."""
    path = paths.config_path(Path(config_arg) if config_arg else None, os.environ)
    try:
        config = load(path)
    except ConfigError as exc:
        return [Check("config", False, f"{path}: {p}") for p in exc.problems] or [
            Check("config", False, str(exc), "run `kaffe init`")
        ]
    steps: list[Callable[[Config], list[Check]]] = [check_database, check_google]
    checks = [Check("config", True, str(path))]
    for step in steps:
        checks += step(config)
    return checks
