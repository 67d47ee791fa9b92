"""The executor: the only place that writes to the outside world.

Ledger row ``pending`` -> create the draft (stamped ``X-Kaffe-Key``) -> ledger
``done`` with the draft id. A key found ``pending`` or ``failed`` from an
earlier attempt is first looked up among existing drafts, so a crash between
``drafts.create`` and the ledger commit never yields a second draft.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from kaffe.connectors.base import DraftSink
from kaffe.errors import AuthError, KaffeError, StorageError, TransientError
from kaffe.model import DONE, DUE, FAILED, PENDING, SKIPPED, Action, Draft, LedgerEntry

if TYPE_CHECKING:
    from kaffe.rules.guard import GuardVerdict

log = logging.getLogger(__name__)


Render = Callable[[Action], Draft]
Guard = Callable[[Draft], "GuardVerdict"]


class Ledger(Protocol):
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
    state: str  # done | failed | skipped | recovered | unchanged
    draft_id: str = ""
    detail: str = ""
    draft: Draft | None = None
    hint: str = ""  # how to fix a failure (an auth outcome: "run `kaffe auth`")


class Executor:
    """Turns DUE actions into drafts exactly once and records every outcome."""

    def __init__(
        self, ledger: Ledger, sink: DraftSink, render: Render, guard: Guard | None = None
    ) -> None:
        self.ledger = ledger
        self.sink = sink
        self.render = render
        self.guard = guard

    def execute(
        self,
        actions: Iterable[Action],
        now: datetime,
        *,
        stop: Callable[[], bool] | None = None,
        known: Container[str] = (),
    ) -> list[Outcome]:
        """Execute every DUE action and record SKIPPED ones.

        Stops early on an auth or transient error: the rest stays due for the next cycle.
        ``stop`` is asked before each action (SIGTERM): the current one always finishes.
        ``known`` are ledger keys already recorded (the snapshot's ledger): a SKIPPED
        action among them is not looked up again.
        """
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
                outcome = self._run(action, now)
                outcomes.append(outcome)
                if outcome.state in ("auth", "transient"):
                    break
        return outcomes

    def _record_skip(self, action: Action, now: datetime) -> list[Outcome]:
        if self.ledger.ledger_entry(action.key) is not None:
            return []
        self.ledger.ledger_begin(action.key, action.kind, now, contact=_contact(action))
        self.ledger.ledger_finish(action.key, SKIPPED, now, detail=action.reason)
        return [Outcome(action, SKIPPED, detail=action.reason)]

    def _run(self, action: Action, now: datetime) -> Outcome:
        entry = self.ledger.ledger_entry(action.key)
        if entry is not None and entry.state in (DONE, SKIPPED):
            return Outcome(action, "unchanged", entry.draft_id)
        try:
            if entry is not None and entry.state in (PENDING, FAILED):
                recovered = self._recover(action, now)
                if recovered is not None:
                    return recovered
            return self._create(action, now)
        except StorageError:
            raise  # the ledger cannot be written: stop; a pending key is recovered next time
        except AuthError as exc:
            self._fail(action, now, exc)
            return Outcome(action, "auth", detail=str(exc), hint=exc.hint)
        except TransientError as exc:
            self._fail(action, now, exc)
            return Outcome(action, "transient", detail=str(exc))
        except KaffeError as exc:
            self._fail(action, now, exc)
            return Outcome(action, FAILED, detail=str(exc))

    def _recover(self, action: Action, now: datetime) -> Outcome | None:
        draft_id = self.sink.find_draft(action.key)
        if draft_id is None:
            return None
        log.info("found the draft for %s from an earlier attempt: %s", action.key, draft_id)
        self.ledger.ledger_finish(action.key, DONE, now, draft_id=draft_id, detail="recovered")
        return Outcome(action, "recovered", draft_id, "found after an interrupted attempt")

    def _create(self, action: Action, now: datetime) -> Outcome:
        draft = self.render(action)
        verdict = self.guard(draft) if self.guard else None
        if verdict is not None and verdict.blocked:
            # Not recorded in the ledger: fixing the template or the guard lets it through.
            detail = f'blocked by the guard: "{verdict.phrase}"'
            log.warning("not drafting %s: %s", action.key, detail)
            return Outcome(action, "blocked", detail=detail, draft=draft)
        self.ledger.ledger_begin(action.key, action.kind, now, contact=_contact(action))
        draft_id = self.sink.create_draft(draft)
        self.ledger.ledger_finish(action.key, DONE, now, draft_id=draft_id)
        log.info("created draft %s for %s", draft_id, action.key)
        return Outcome(action, DONE, draft_id, draft=draft)

    def _fail(self, action: Action, now: datetime, exc: KaffeError) -> None:
        kind = "transient" if isinstance(exc, TransientError) else type(exc).__name__
        # An auth failure is the sink's, not the draft's: daemon.health logs it, hourly.
        level = logging.DEBUG if isinstance(exc, AuthError) else logging.WARNING
        log.log(level, "could not draft %s (%s): %s", action.key, kind, exc)
        if self.ledger.ledger_entry(action.key) is None:
            self.ledger.ledger_begin(action.key, action.kind, now, contact=_contact(action))
        self.ledger.ledger_finish(action.key, FAILED, now, detail=f"{kind}: {exc}")


def _contact(action: Action) -> str:
    return action.to[0].email if action.to else ""
