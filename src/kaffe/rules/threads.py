"""Which mail thread a follow-up should join, and what you last wrote to whom."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from kaffe.mailids import msg_ids
from kaffe.model import SENT, Event, Interaction, Recipient, ThreadRef

# "Re:", "RE:", "Sv:", "AW:", "Antw:", "Vs:", "Fwd:" ... repeated, with or without spaces.
_REPLY_PREFIX = re.compile(r"^\s*((re|sv|aw|antw|vs|ref|fw|fwd)(\[\d+\])?\s*:\s*)+", re.I)


def strip_reply_prefix(subject: str) -> str:
    return _REPLY_PREFIX.sub("", subject).strip()


def reply_subject(subject: str) -> str:
    """``Re: <subject>`` exactly once, as Gmail expects for a reply to join a thread."""
    return f"Re: {strip_reply_prefix(subject)}"


def with_contacts(
    interactions: dict[str, tuple[Interaction, ...]], people: Iterable[Recipient]
) -> list[Interaction]:
    """All interactions with any of ``people``, oldest first."""
    found = [i for p in people for i in interactions.get(p.email, ())]
    return sorted(found, key=lambda i: (i.at, i.message_key))


def wrote_after(
    interactions: list[Interaction], moment: datetime, now: datetime
) -> Interaction | None:
    """The first message you sent them after ``moment`` (and not after ``now``)."""
    return next((i for i in interactions if i.direction == SENT and moment < i.at <= now), None)


def thread_for(
    event: Event, interactions: list[Interaction], now: datetime, thread_days: int
) -> ThreadRef | None:
    """The thread to reply in: the latest one with the contact from ``thread_days``
    before the meeting until it ended (an emailed invitation's thread counts)."""
    if thread_days <= 0:
        return None
    start = event.start - timedelta(days=thread_days)
    until = min(now, event.end)
    recent = [i for i in interactions if i.thread_id and start <= i.at <= until]
    if event.thread_id:
        recent += [i for i in interactions if i.thread_id == event.thread_id and i.at <= now]
    if not recent:
        return None
    latest = max(recent, key=lambda i: (i.at, i.message_key))
    in_thread = [i for i in interactions if i.thread_id == latest.thread_id and i.at <= now]
    last = max(in_thread, key=lambda i: (i.at, i.message_key))
    return _reply_to(last)


def reply_to(message: Interaction) -> ThreadRef | None:
    """The thread reference of a reply to ``message`` (None: it names no <msg-id>)."""
    return _reply_to(message)


def _reply_to(message: Interaction) -> ThreadRef | None:
    # Only <msg-id>s are taken from the other side's headers (RFC 5322 3.6.4): any
    # other text in their References or Message-ID is not copied into a draft.
    own = msg_ids(message.message_id)[:1]
    if not own and not msg_ids(*message.references):
        # Gmail joins a thread only when threadId, In-Reply-To/References and the
        # subject agree: with no <msg-id> to name, the draft would land apart anyway,
        # so it starts its own conversation under its own subject.
        return None
    return ThreadRef(
        thread_id=message.thread_id,
        in_reply_to=own[0] if own else "",
        references=msg_ids(*message.references, *own),
        subject=reply_subject(message.subject),
    )
