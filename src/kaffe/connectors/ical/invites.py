"""Meetings that arrive as invitations by mail: text/calendar parts and .ics files.

Outlook, Exchange, Google, Apple, Zoom, Teams and Calendly all send an ICS
inside the message; some meetings exist nowhere else. This module finds those
parts in a raw MIME message and turns them into :class:`kaffe.model.Event`
with :func:`kaffe.connectors.ical.parse.parse_calendar`. It never raises and never
logs message bodies: problems are logged with the Message-ID and part number.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
from datetime import datetime
from email.message import Message

from kaffe.connectors.ical.parse import parse_calendar
from kaffe.model import Event

log = logging.getLogger(__name__)

_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
_CALENDAR_SUFFIXES = (".ics", ".vcs")
# iTIP methods that carry a meeting; REPLY, COUNTER, REFRESH, DECLINECOUNTER do not.
_MEETING_METHODS = frozenset({"REQUEST", "CANCEL", "ADD"})
_TEXT_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
# An invitation is a few KB; a calendar part past this is not read (parsing costs
# about 30 times its size in memory).
MAX_CALENDAR_BYTES = 2_000_000


def calendar_parts(msg: Message) -> list[tuple[str, bytes]]:
    """Every calendar part of ``msg`` as ``(method, payload)``, payloads decoded and
    de-duplicated (Google sends the same ICS inline and as invite.ics).

    Copies that differ only in line endings count as the same.
    ``method`` is the upper-cased ``method=`` Content-Type parameter, "" when absent.
    """
    found: list[tuple[str, bytes]] = []
    seen: set[bytes] = set()
    for part in msg.walk():
        if part.is_multipart() or not _is_calendar(part):
            continue
        payload = _payload(part)
        same = payload.replace(b"\r\n", b"\n").strip()  # QP and base64 copies differ in EOLs
        if same and same not in seen:
            seen.add(same)
            found.append((str(part.get_param("method", "") or "").strip().upper(), payload))
    return found


def invitations_from_mime(
    raw: bytes,
    *,
    account: str,
    thread_id: str,
    received: datetime,
    self_addresses: tuple[str, ...],
    window: tuple[datetime, datetime],
    problems: list[str] | None = None,
) -> list[Event]:
    """The meetings a raw message invites to (or cancels), inside ``window``.

    Events belong to calendar ``"mail:" + account`` and carry ``thread_id``.
    Replies, counter-proposals and free/busy answers are not meetings: [].
    What could not be read is appended to ``problems`` (each names the message's
    Message-ID), which the mail source returns in ``MailBatch.problems``.
    """
    found: list[str] = [] if problems is None else problems
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        ident = str(msg.get("Message-ID", "") or "").strip() or "(no Message-ID)"
        parts = calendar_parts(msg)
    except Exception as exc:  # RecursionError from deep nesting, too: one line, no traceback
        log.warning("message could not be read for invitations (%s)", type(exc).__name__)
        log.debug("unreadable message", exc_info=True)
        found.append(f"a message could not be read for invitations ({type(exc).__name__})")
        return []
    events: dict[str, Event] = {}
    for index, (method, payload) in enumerate(parts, start=1):
        source = f"{ident} part {index}"
        if len(payload) > MAX_CALENDAR_BYTES:
            log.warning("%s: calendar of %d bytes is too large to be an invitation; skipped",
                        source, len(payload))  # fmt: skip
            found.append(f"{source}: calendar of {len(payload)} bytes is too large to be "
                         "an invitation; skipped")
            continue
        read = _part_events(payload, method, source, account, self_addresses, window, found)
        for event in read:
            events.setdefault(event.id, _stamped(event, thread_id, received))
    return list(events.values())


def _part_events(
    payload: bytes,
    part_method: str,
    source: str,
    account: str,
    self_addresses: tuple[str, ...],
    window: tuple[datetime, datetime],
    problems: list[str],
) -> list[Event]:
    """The events of one calendar part, if that part is an invitation at all."""
    result = parse_calendar(
        payload,
        calendar=f"mail:{account}",
        source=source,
        window=window,
        self_addresses=self_addresses,
    )
    if result.problems:
        log.info("%s: %d problem(s) reading the calendar", source, len(result.problems))
        for problem in result.problems:
            log.debug("%s", problem)
        problems.extend(result.problems)
    method = result.method or part_method or "PUBLISH"  # no METHOD: a plain calendar
    if not _is_invitation(method, result.events):
        log.debug("%s: METHOD %s is not an invitation", source, method)
        return []
    if method == "CANCEL":
        return [dataclasses.replace(e, status="cancelled") for e in result.events]
    return list(result.events)


def _is_invitation(method: str, events: tuple[Event, ...]) -> bool:
    if method in _MEETING_METHODS:
        return True
    return method == "PUBLISH" and any(e.attendees for e in events)


def _stamped(event: Event, thread_id: str, received: datetime) -> Event:
    return dataclasses.replace(event, thread_id=thread_id, updated=event.updated or received)


def _is_calendar(part: Message) -> bool:
    if part.get_content_type() in _CALENDAR_TYPES:
        return True
    try:
        filename = part.get_filename() or ""
    except Exception:  # malformed Content-Disposition: judge by type alone
        return False
    return filename.strip().lower().endswith(_CALENDAR_SUFFIXES)


def _payload(part: Message) -> bytes:
    """The part's bytes, undone from base64/QP, re-encoded to UTF-8 when a charset says so."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        return b""
    if not isinstance(data, bytes):
        return b""
    charset = (part.get_content_charset() or "").lower()
    if charset and charset not in _TEXT_CHARSETS:
        try:
            return data.decode(charset).encode("utf-8")
        except (LookupError, UnicodeError):
            return data
    return data
