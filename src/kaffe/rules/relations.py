"""The state of each relationship, derived from mail and the ledger: when you last
wrote, when they last wrote, and whether they answered what kaffe drafted for you."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from kaffe.mailids import wire_key
from kaffe.model import DONE, RECEIVED, SENT, Interaction, LedgerEntry


@dataclass(frozen=True)
class Relationship:
    contact: str
    last_sent: Interaction | None = None
    last_received: Interaction | None = None
    drafted: int = 0  # kaffe drafts made for this contact
    sent: int = 0  # of those, the ones you sent
    unanswered: int = 0  # sent kaffe drafts since their last reply
    last_reply: datetime | None = None  # their first message after your latest sent draft

    @property
    def answered(self) -> bool | None:
        """None until a kaffe draft was sent; then whether they replied after the latest."""
        return None if not self.sent else self.unanswered == 0


def draft_sent_at(entry: LedgerEntry, mail: Iterable[Interaction]) -> Interaction | None:
    """The message that sent this draft: the one carrying its X-Kaffe-Key, else the
    first message you sent the contact after the draft was made."""
    sent = [i for i in mail if i.direction == SENT]
    stamped_as = {entry.key, wire_key(entry.key)}  # the header holds the ASCII form
    stamped = next((i for i in sent if i.kaffe_key in stamped_as), None)
    return stamped or next((i for i in sent if i.at >= entry.updated), None)


def relationship(
    contact: str, mail: tuple[Interaction, ...], entries: Iterable[LedgerEntry]
) -> Relationship:
    """``mail`` is the contact's interactions, oldest first."""
    drafts = sorted((e for e in entries if e.state == DONE), key=lambda e: e.updated)
    sends = [s for s in (draft_sent_at(e, mail) for e in drafts) if s is not None]
    received = [i for i in mail if i.direction == RECEIVED]
    last_received = received[-1] if received else None
    unanswered = sum(1 for s in sends if last_received is None or s.at > last_received.at)
    reply = _reply_after(sends[-1].at, received) if sends else None
    return Relationship(
        contact=contact,
        last_sent=next((i for i in reversed(mail) if i.direction == SENT), None),
        last_received=last_received,
        drafted=len(drafts),
        sent=len(sends),
        unanswered=unanswered,
        last_reply=reply,
    )


def _reply_after(moment: datetime, received: list[Interaction]) -> datetime | None:
    return next((i.at for i in received if i.at > moment), None)


def relationships(
    interactions: Mapping[str, tuple[Interaction, ...]], ledger: Mapping[str, LedgerEntry]
) -> dict[str, Relationship]:
    """Every contact you have mail or kaffe drafts with."""
    by_contact: dict[str, list[LedgerEntry]] = {}
    for entry in ledger.values():
        if entry.contact:
            by_contact.setdefault(entry.contact, []).append(entry)
    contacts = set(interactions) | set(by_contact)
    return {
        c: relationship(c, interactions.get(c, ()), by_contact.get(c, ())) for c in sorted(contacts)
    }
