"""The executor: the only place that writes to the outside world.

Ledger row ``pending`` -> create the draft (stamped ``X-Kaffe-Key``) -> ledger
``done`` with the draft id. A key found ``pending`` or ``failed`` from an
earlier attempt is first looked up among existing drafts, so a crash between
``drafts.create`` and the ledger commit never yields a second draft. Keys with no
ledger row at all are looked up too, all at once before the first draft of a
cycle: a lost or new database, or a second kaffe on the same mailbox, finds the
drafts already made instead of making them again.

A key whose draft fails for a reason of its own (not an outage or a sign-in) is
tried :data:`MAX_ATTEMPTS` times, then given up on: the ledger says ``skipped``
with why, the log says so at ERROR, and ``kaffe status`` lists it.

A sink that already knows it will be refused (the stored Google token says
``gmail.compose`` was not granted: :meth:`Refusing.refusal`) is not asked at all:
no look-up, no draft, the due keys stay due and untouched in the ledger, and the
cycle reports one permission outcome (logged once, as a 403 at run time is).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from kaffe.connectors.base import DraftSink
from kaffe.errors import AuthError, KaffeError, StorageError, TransientError
from kaffe.kinds import REVIEW
from kaffe.model import DONE, DUE, FAILED, PENDING, SKIPPED, Action, Draft, LedgerEntry
from kaffe.model import OutcomeState as S

if TYPE_CHECKING:
    from kaffe.compose.guard import GuardVerdict

log = logging.getLogger(__name__)


Render = Callable[[Action], Draft]
Guard = Callable[[Draft], "GuardVerdict"]
Created = Callable[[Draft, str, datetime], None]  # the draft, its id, when

# Attempts before a key that keeps failing on its own is given up on. A failure
# that is the mailbox's (outage, rate limit, sign-in) stops the cycle and leaves
# the key due; only a key's own error (a draft the server refuses, a template that
# cannot render it) ends it. Five: at the default 15-minute interval that is an
# hour of retries, enough for a passing fault to clear.
MAX_ATTEMPTS = 5
GAVE_UP = "gave up after"  # how a given-up key's ledger detail begins


class Refusing(Protocol):
    """A sink that can tell, before any call, that every draft would be refused."""

    def refusal(self) -> KaffeError | None: ...


class Ledger(Protocol):
    def ledger(self) -> dict[str, LedgerEntry]: ...
    def ledger_entry(self, key: str) -> LedgerEntry | None: ...
    def ledger_begin(
        self, key: str, kind: str, now: datetime, *, contact: str = ""
    ) -> LedgerEntry: ...
    def ledger_finish(
        self, key: str, state: str, now: datetime, *, draft_id: str = "", detail: str = ""
    ) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What happened to one action in this cycle."""

    action: Action
    state: S  # what happened: one of OutcomeState, each documented there
    draft_id: str = ""
    detail: str = ""
    draft: Draft | None = None
    hint: str = ""  # how to fix a failure (an auth outcome: "run `kaffe auth`")
    kind: str = ""  # an auth outcome's health kind: "auth", or "permission" (a scope not granted)


class Executor:
    """Turns DUE actions into drafts exactly once and records every outcome."""

    def __init__(
        self, ledger: Ledger, sink: DraftSink, render: Render, guard: Guard | None = None,
        *, created: Created | None = None,
    ) -> None:
        self.ledger = ledger
        self.sink = sink
        self.render = render
        self.guard = guard
        self.created = created  # told of each draft made (the review skips those)

    def execute(
        self,
        actions: Iterable[Action],
        now: datetime,
        *,
        stop: Callable[[], bool] | None = None,
        known: Container[str] = (),
    ) -> list[Outcome]:
        """Execute every DUE action and record SKIPPED ones.

        First, one look-up of the due keys whose draft the ledger does not record (see
        :meth:`_existing`); when it fails, nothing is drafted this cycle.
        Stops early on an auth or transient error: the rest stays due for the next cycle.
        ``stop`` is asked before each action (SIGTERM): the current one always finishes.
        ``known`` are ledger keys already recorded (the snapshot's ledger): a SKIPPED
        action among them is not looked up again.
        """
        actions = list(actions)
        refused = self._refusal(actions)
        if refused is not None:  # the skips are still recorded: they cost Google nothing
            skips = [a for a in actions if a.state == SKIPPED and a.key not in known]
            return [o for a in skips for o in self._record_skip(a, now)] + [refused]
        try:
            existing = self._existing(actions)
        except KaffeError as exc:
            return [self._lookup_failed(actions, exc, now)]
        outcomes: list[Outcome] = []
        for action in actions:
            if stop is not None and stop():
                log.info("stop requested: the remaining actions stay due")
                break
            if action.state == SKIPPED:
                if action.key in known:
                    continue
                outcomes.extend(self._record_skip(action, now))
            elif action.state == DUE:
                outcome = self._run(action, now, existing)
                outcomes.append(outcome)
                if outcome.state in (S.AUTH, S.TRANSIENT):
                    break
        return outcomes

    def _refusal(self, actions: list[Action]) -> Outcome | None:
        """The outcome standing for every due action when the sink says up front that
        it would refuse them (see :class:`Refusing`); None when it may draft."""
        due = next((a for a in actions if a.state == DUE), None)
        check = getattr(self.sink, "refusal", None)
        if due is None or check is None:
            return None
        exc = check()
        if exc is None:
            return None
        log.debug("not drafting this cycle: %s", exc)  # daemon.health logs it, once
        return Outcome(due, S.AUTH, detail=str(exc), hint=exc.hint,
                       kind=str(getattr(exc, "health_kind", "auth")))

    def _existing(self, actions: list[Action]) -> dict[str, str]:
        """Drafts already in the mailbox for the due keys that have no draft in the
        ledger: never seen (a lost or new database) or left pending or failed by an
        earlier attempt. One look-up for all of them (:meth:`DraftSink.find_drafts`);
        the drafts the ledger records as made for other keys are not read again."""
        keys = [a.key for a in actions if a.state == DUE and _unsure(self.ledger, a.key)]
        if not keys:
            return {}
        made = {e.draft_id for e in self.ledger.ledger().values() if e.state == DONE}
        return self.sink.find_drafts(keys, skip=made - {""})

    def _lookup_failed(self, actions: list[Action], exc: KaffeError, now: datetime) -> Outcome:
        """Nothing is drafted when the look-up fails (a draft might be there already);
        the failure is recorded on the first due key, never given up on for it."""
        first = next(a for a in actions if a.state == DUE)
        what = "looking for drafts made before: "
        self._fail(first, now, exc, what=what)
        state = (S.AUTH if isinstance(exc, AuthError)
                 else S.TRANSIENT if isinstance(exc, TransientError) else S.FAILED)
        return Outcome(first, state, detail=f"{what}{exc}", hint=exc.hint)

    def _record_skip(self, action: Action, now: datetime) -> list[Outcome]:
        if self.ledger.ledger_entry(action.key) is not None:
            return []
        self.ledger.ledger_begin(action.key, action.kind, now, contact=_contact(action))
        self.ledger.ledger_finish(action.key, SKIPPED, now, detail=action.reason)
        return [Outcome(action, S.SKIPPED, detail=action.reason)]

    def _run(self, action: Action, now: datetime, existing: dict[str, str]) -> Outcome:
        entry = self.ledger.ledger_entry(action.key)
        if entry is not None and entry.state in (DONE, SKIPPED):
            return Outcome(action, S.UNCHANGED, entry.draft_id)
        try:
            if action.key in existing:
                return self._adopt(action, now, existing[action.key], entry)
            return self._create(action, now)
        except StorageError:
            raise  # the ledger cannot be written: stop; a pending key is recovered next time
        except AuthError as exc:
            self._fail(action, now, exc)
            return Outcome(action, S.AUTH, detail=str(exc), hint=exc.hint,
                           kind=str(getattr(exc, "health_kind", "auth")))
        except TransientError as exc:
            self._fail(action, now, exc)
            return Outcome(action, S.TRANSIENT, detail=str(exc))
        except KaffeError as exc:
            return self._fail_alone(action, now, exc)

    def _adopt(self, action: Action, now: datetime, draft_id: str,
               entry: LedgerEntry | None) -> Outcome:
        """Record a draft that is already there: from an interrupted attempt, or made
        before this database knew of it (a lost or new database, a second kaffe)."""
        if entry is None:
            detail = "found in the mailbox, made before this database"
            self.ledger.ledger_begin(action.key, action.kind, now, contact=_contact(action))
        else:
            detail = "found after an interrupted attempt"
        log.info("%s: draft %s for %s; not drafting it again", detail, draft_id, action.key)
        self.ledger.ledger_finish(action.key, DONE, now, draft_id=draft_id, detail="recovered")
        return Outcome(action, S.RECOVERED, draft_id, detail)

    def preview(self, actions: Iterable[Action], now: datetime) -> list[Outcome]:
        """A dry run (``kaffe plan``): each DUE action rendered and guarded as
        :meth:`execute` would, nothing written to the ledger or the sink. A draft that
        would be created is a DONE outcome without a draft id; one the guard stops is
        BLOCKED, in :meth:`execute`'s words. A draft that cannot be rendered is logged
        and left out."""
        outcomes = []
        for action in actions:
            if action.state != DUE:
                continue
            try:
                outcomes.append(self._render_and_guard(action, now))
            except KaffeError as exc:
                log.error("cannot render %s: %s", action.key, exc)
        return outcomes

    def _render_and_guard(self, action: Action, now: datetime) -> Outcome:
        """The draft for ``action`` and the guard's word on it: DONE (nothing written
        yet) or BLOCKED."""
        draft = replace(self.render(action), date=now)
        # A review note quotes the sentence that reads like a job ask, on purpose, and
        # goes to you only: the guard judges what goes to a contact.
        verdict = self.guard(draft) if self.guard and action.kind != REVIEW else None
        if verdict is not None and verdict.blocked:
            phrase = verdict.phrase if len(verdict.phrase) <= 120 else verdict.phrase[:119] + "…"
            detail = f'blocked by the guard: "{phrase}" ({verdict.reason})'
            return Outcome(action, S.BLOCKED, detail=detail, draft=draft)
        return Outcome(action, S.DONE, draft=draft)

    def _create(self, action: Action, now: datetime) -> Outcome:
        checked = self._render_and_guard(action, now)
        if checked.state == S.BLOCKED or checked.draft is None:
            # Not recorded in the ledger: fixing the template or the guard lets it through.
            log.warning("not drafting %s: %s", action.key, checked.detail)
            return checked
        draft = checked.draft
        self.ledger.ledger_begin(action.key, action.kind, now, contact=_contact(action))
        draft_id = self.sink.create_draft(draft)
        self.ledger.ledger_finish(action.key, DONE, now, draft_id=draft_id)
        log.info("created draft %s for %s", draft_id, action.key)
        if self.created is not None:
            self.created(draft, draft_id, now)
        return Outcome(action, S.DONE, draft_id, draft=draft)

    def _fail(self, action: Action, now: datetime, exc: KaffeError, *, what: str = "") -> int:
        """Record a failed attempt (``what`` was being done); return how many attempts
        the key has had."""
        kind = "transient" if isinstance(exc, TransientError) else type(exc).__name__
        # An auth failure is the sink's, not the draft's: daemon.health logs it, hourly.
        level = logging.DEBUG if isinstance(exc, AuthError) else logging.WARNING
        log.log(level, "could not draft %s (%s): %s%s", action.key, kind, what, exc)
        entry = self.ledger.ledger_entry(action.key)
        if entry is None or entry.state != PENDING:  # _create has not counted this attempt
            self.ledger.ledger_begin(action.key, action.kind, now, contact=_contact(action))
        self.ledger.ledger_finish(action.key, FAILED, now, detail=f"{kind}: {what}{exc}")
        counted = self.ledger.ledger_entry(action.key)
        return counted.attempts if counted is not None else 1

    def _fail_alone(self, action: Action, now: datetime, exc: KaffeError) -> Outcome:
        """A failure of this draft alone: recorded, and given up on at MAX_ATTEMPTS."""
        attempts = self._fail(action, now, exc)
        if attempts < MAX_ATTEMPTS:
            return Outcome(action, S.FAILED, detail=str(exc))
        detail = f"{GAVE_UP} {attempts} failed attempts: {type(exc).__name__}: {exc}"
        self.ledger.ledger_finish(action.key, SKIPPED, now, detail=detail)
        log.error("gave up on the %s draft %s after %d failed attempts; it will not be "
                  "tried again (`kaffe status` lists it). Last error: %s", action.kind,
                  action.key, attempts, exc)
        return Outcome(action, S.FAILED, detail=detail)


def _unsure(ledger: Ledger, key: str) -> bool:
    """Whether a draft for ``key`` may exist that the ledger does not record."""
    entry = ledger.ledger_entry(key)
    return entry is None or entry.state in (PENDING, FAILED)


def _contact(action: Action) -> str:
    return action.to[0].email if action.to else ""
