"""Gmail's rule for putting a draft or message into an existing thread.

Google's guide "Adding drafts and messages to threads" lists three conditions, all
required: the request names the ``threadId``; the ``References`` or ``In-Reply-To``
header names a message of that thread (RFC 2822 style ``<msg-id>``s); and the
``Subject`` matches. Otherwise Gmail quietly starts a new thread: no error. The
emulator used to thread on ``threadId`` alone, so a client that forgot the headers
or changed the subject looked right in tests and wrong in a real mailbox.

Subjects match after stripping reply/forward prefixes (``Re:``, ``Fwd:``, ``Sv:``,
``Vs:``, ``AW:`` … repeated), case and runs of white space.
"""

from __future__ import annotations

import re

from kaffe.emulator.gmail_mime import StoredMessage

MSGID = re.compile(r"<[^<>\s]+>")
_PREFIX = re.compile(r"^\s*((re|fwd?|sv|vs|aw|antw|wg|tr|rv|ref)(\[\d+\])?\s*:\s*)+", re.I)


def base_subject(subject: str) -> str:
    """The subject as Gmail compares it: no reply/forward prefixes, no case, one space."""
    return " ".join(_PREFIX.sub("", subject).split()).casefold()


def referenced_ids(msg: StoredMessage) -> list[str]:
    """The ``<msg-id>``s a message names in In-Reply-To and References."""
    return MSGID.findall(msg.header("In-Reply-To")) + MSGID.findall(msg.header("References"))


def fits_thread(msg: StoredMessage, thread: list[StoredMessage]) -> bool:
    """Whether ``msg`` may join ``thread`` (its ``threadId`` was given): its headers
    reference a message of the thread and its subject matches that thread's."""
    known = {ref for m in thread for ref in MSGID.findall(m.header("Message-ID"))}
    if not known.intersection(referenced_ids(msg)):
        return False
    subject = base_subject(msg.header("Subject"))
    return any(base_subject(m.header("Subject")) == subject for m in thread)
