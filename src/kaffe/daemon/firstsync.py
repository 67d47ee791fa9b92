"""A mailbox's first sync kept in the store, so that it resumes where it stopped.

A first sync of 180 days of mail takes minutes under Gmail's quota; a kill, a
reboot or a refused batch used to throw all of it away (the next cycle listed
and read everything again). The source hands every chunk it read to
:class:`StoreCheckpoint`, which stores the chunk's messages and invitations and
the progress in one transaction: what is stored is never read again. The plan
(the chunks still to read) is written once, at the start; each chunk then
writes only a few numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kaffe.model import MailBatch
from kaffe.store import Store

PLAN_KEY = "first_sync_plan:{}"
PROGRESS_KEY = "first_sync:{}"

StoreInvitations = Callable[[MailBatch], int]


class StoreCheckpoint:
    """The store side of a resumable first sync (see
    :class:`kaffe.connectors.google.gmail_source.Checkpoint`)."""

    def __init__(self, store: Store, account: str, own_addresses: Callable[[], tuple[str, ...]],
                 invitations: StoreInvitations) -> None:
        self.store, self.account = store, account
        self.own_addresses = own_addresses
        self.invitations = invitations
        self.changed = 0

    def load(self) -> dict[str, Any] | None:
        """The progress of a first sync under way, with its plan; None when there is none."""
        progress, plan = self._get(PROGRESS_KEY), self._get(PLAN_KEY)
        if not isinstance(progress, dict) or not isinstance(plan, list):
            return None
        return {**progress, "plan": plan}

    def begin(self, listed: list[str], progress: dict[str, Any]) -> None:
        """Forget stored mail the new listing lacks (as a full batch would), save the plan."""
        keep = set(listed)
        stale = tuple(m.id for m in self.store.messages(account=self.account) if m.id not in keep)
        with self.store.transaction():
            if stale:
                gone = MailBatch(self.account, (), cursor=None, full=False, removed=stale)
                self.changed += self.store.apply_mail_batch(gone, own_addresses=())
            self.store.set_meta(PLAN_KEY.format(self.account), json.dumps(progress["plan"]))
            self._save_progress(progress)

    def save(self, part: MailBatch, progress: dict[str, Any]) -> None:
        """Store one chunk's messages and invitations and the progress, together."""
        own = self.own_addresses() if part.messages else ()
        with self.store.transaction():
            self.changed += self.store.apply_mail_batch(part, own_addresses=own)
            if part.invitations:
                self.changed += self.invitations(part)
            self._save_progress(progress)

    def _save_progress(self, progress: dict[str, Any]) -> None:
        small = {k: v for k, v in progress.items() if k != "plan"}
        self.store.set_meta(PROGRESS_KEY.format(self.account), json.dumps(small))

    def _get(self, key: str) -> Any:
        text = self.store.get_meta(key.format(self.account))
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None


def finish(store: Store, account: str) -> None:
    """The first sync is complete: forget its plan and progress (in the caller's
    transaction, with the cursor it leads to)."""
    store.set_meta(PLAN_KEY.format(account), "")
    store.set_meta(PROGRESS_KEY.format(account), "")


def progress_line(store: Any, account: str) -> str:
    """"first sync: 4,000 of 20,000 messages read (20%)" while one is under way, else ""."""
    text = store.get_meta(PROGRESS_KEY.format(account))
    if not text:
        return ""
    try:
        progress = json.loads(text)
        read, total = int(progress["read"]), int(progress["total"])
    except (ValueError, KeyError, TypeError):
        return ""
    share = 100 * read // total if total else 100
    retry = len(progress.get("retry") or ())
    later = f"; {retry} batches to read again" if retry else ""
    return (f"first sync: {read:,} of {total:,} messages read ({share}%){later}; "
            "it goes on next cycle")
