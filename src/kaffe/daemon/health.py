"""Source health: which source fails since when, and a log that says so without shouting.

A failing source is logged at ERROR the first time (with the command that fixes
it), at DEBUG while it keeps failing, at ERROR again once an hour has passed
("still failing since ..."), and at INFO once when it works again. The record
lives in the store's ``meta`` table under ``health:<source>`` (an empty value
means healthy), so ``kaffe status`` and ``kaffe doctor`` can show what the
daemon saw, and a restart does not repeat an error logged minutes ago.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from kaffe.errors import AuthError, KaffeError, TransientError
from kaffe.model import OutcomeState
from kaffe.timeutil import parse_iso

if TYPE_CHECKING:
    from kaffe.daemon.executor import Outcome

log = logging.getLogger(__name__)

REPEAT_EVERY = timedelta(hours=1)
PREFIX = "health:"


class MetaStore(Protocol):
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def source_runs(self) -> dict[str, dict[str, Any]]: ...
    def record_source_run(self, source: str, now: datetime, ok: bool, detail: str = "") -> None:
        ...


@dataclass(frozen=True)
class Failure:
    """What went wrong, as the log, ``kaffe status`` and ``kaffe doctor`` say it."""

    kind: str  # auth | permission | transient | other
    message: str
    hint: str = ""


@dataclass(frozen=True)
class SourceHealth:
    """A source that is failing: since when, why, how to fix it, when the log last said so."""

    source: str
    kind: str
    message: str
    hint: str
    since: datetime
    last_failure: datetime
    logged_at: datetime

    @property
    def failure(self) -> Failure:
        return Failure(self.kind, self.message, self.hint)


def failure_of(exc: KaffeError) -> Failure:
    """Classify ``exc``: auth (retrying will not help), transient, or other."""
    return Failure(kind_of(exc), str(exc), exc.hint)


def kind_of(exc: KaffeError) -> str:
    """auth (retrying will not help), permission (a Google scope not granted: an auth
    failure said once, not hourly), transient, or other."""
    if isinstance(exc, AuthError):
        return str(getattr(exc, "health_kind", "auth"))
    return "transient" if isinstance(exc, TransientError) else "other"


def load(store: MetaStore, source: str) -> SourceHealth | None:
    """The stored failure of ``source``, or None while it is healthy."""
    text = store.get_meta(PREFIX + source)
    if not text:
        return None
    try:
        data = json.loads(text)
        moments = {k: parse_iso(data[k]) for k in ("since", "last_failure", "logged_at")}
        return SourceHealth(source, str(data["kind"]), str(data["message"]),
                            str(data.get("hint", "")), **moments)
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring an unreadable health record for %s", source)
        return None


def _save(store: MetaStore, health: SourceHealth) -> None:
    data = asdict(health)
    del data["source"]
    for key in ("since", "last_failure", "logged_at"):
        data[key] = data[key].isoformat()
    store.set_meta(PREFIX + health.source, json.dumps(data, sort_keys=True))


def failing(store: MetaStore, only: Collection[str] | None = None) -> list[SourceHealth]:
    """Every source whose last run failed and that has a failure record, by name;
    ``only``: of these sources (those of the current config)."""
    names = [name for name, run in store.source_runs().items()
             if not run["ok"] and (only is None or name in only)]
    return [h for h in (load(store, name) for name in sorted(names)) if h is not None]


def note_failure(
    store: MetaStore, source: str, failure: Failure, now: datetime, *, what: str = ""
) -> SourceHealth:
    """Record that ``source`` failed at ``now`` and log it as often as it deserves."""
    what = what or source
    before = load(store, source)
    if before is None:
        health = SourceHealth(source, failure.kind, failure.message, failure.hint,
                              since=now, last_failure=now, logged_at=now)
        log.error("%s failed: %s%s", what, failure.message, _fix(failure.hint))
    else:
        health = _again(before, failure, now, what)
    _save(store, health)
    return health


def _again(before: SourceHealth, failure: Failure, now: datetime, what: str) -> SourceHealth:
    """A repeat: quiet within the hour unless the kind of failure changed; a missing
    permission stays quiet (status, doctor and plan keep saying it)."""
    health = replace(before, kind=failure.kind, message=failure.message, hint=failure.hint,
                     last_failure=now)
    if failure.kind != before.kind:
        log.error("%s failed: %s%s", what, failure.message, _fix(failure.hint))
    elif now - before.logged_at >= REPEAT_EVERY and failure.kind != "permission":
        log.error("%s still failing since %s: %s%s", what, _when(before.since),
                  failure.message, _fix(failure.hint))
    else:
        log.debug("%s failed again (reported at %s): %s", what, _when(before.logged_at),
                  failure.message)
        return health
    return replace(health, logged_at=now)


def note_ok(store: MetaStore, source: str, now: datetime, *, what: str = "") -> None:
    """Record that ``source`` worked at ``now``; a recovery is logged once, at INFO."""
    before = load(store, source)
    if before is None:
        return
    log.info("%s works again (failing since %s)", what or source, _when(before.since))
    store.set_meta(PREFIX + source, "")


def note_drafts(store: MetaStore, sink: str, outcomes: Iterable[Outcome], now: datetime) -> None:
    """The draft sink's health from one cycle's outcomes: an auth or transient outcome
    is a failure of the sink; a created or recovered draft shows it works."""
    source = f"drafts:{sink}"
    what = f"creating drafts in {sink}"
    states = {o.state: o for o in outcomes}
    broken = states.get(OutcomeState.AUTH) or states.get(OutcomeState.TRANSIENT)
    if broken is not None:
        kind = broken.kind or str(broken.state)
        failure = Failure(kind, broken.detail, broken.hint)
        note_failure(store, source, failure, now, what=what)
        store.record_source_run(source, now, False, broken.detail)
    elif OutcomeState.DONE in states or OutcomeState.RECOVERED in states:
        note_ok(store, source, now, what=what)
        store.record_source_run(source, now, True, "drafts created")


def _fix(hint: str) -> str:
    return f"; fix: {hint}" if hint else ""


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# -- cycles -------------------------------------------------------------------------------
CYCLES = "cycles"  # meta key: the outcomes of the last cycles, newest last
KEEP_CYCLES = 10


@dataclass(frozen=True)
class CycleRecord:
    """How one cycle (of the daemon or `kaffe once`) ended, for `kaffe doctor`."""

    at: datetime
    ok: bool
    detail: str  # the summary, or the error that stopped the cycle
    hint: str = ""


def note_cycle(store: MetaStore, record: CycleRecord) -> None:
    """Keep ``record`` with the last cycles'. Best effort: on a full disk this write may
    fail too, and then `kaffe doctor`'s free-space check says so instead."""
    from kaffe.errors import StorageError

    kept = [asdict(r) | {"at": r.at.isoformat()} for r in last_cycles(store)]
    kept.append(asdict(record) | {"at": record.at.isoformat()})
    try:
        store.set_meta(CYCLES, json.dumps(kept[-KEEP_CYCLES:]))
    except StorageError as exc:
        log.debug("could not record the cycle's outcome: %s", exc)


def last_cycles(store: MetaStore) -> list[CycleRecord]:
    """The recorded outcomes of the last cycles, oldest first ([] before the first)."""
    try:
        rows = json.loads(store.get_meta(CYCLES) or "[]")
        return [CycleRecord(parse_iso(r["at"]), bool(r["ok"]), str(r["detail"]),
                            str(r.get("hint", ""))) for r in rows]
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring an unreadable record of the last cycles")
        return []
