"""Which strings are a person's mail address: one test shared by every reader,
the planner and the draft composer.

``kaffe plan`` and ``kaffe once`` must agree: a draft that ``plan`` promises must
not fail later when the composer writes its ``To:`` header. So the readers
(iCalendar, Gmail, IMAP), the rules that pick recipients and
:func:`kaffe.compose.mime.to_address` all ask :func:`addr_spec` here, which
accepts exactly what the standard library's header writer accepts.

Robots (``noreply@…``) and relays (iCloud's ``…@imip.me.com``) are addresses,
but never a person to write to: :func:`is_recipient` says no to them.
"""

from __future__ import annotations

import re
from email.errors import MessageError
from email.headerregistry import Address

# Robot senders by local part, alone or as one dash/dot-separated piece of it
# ("calendar-noreply", "bounce+123", "calendar-notification", "notifier.mars").
# Role mailboxes that people answer ("info", "support", "hello", "team", "office")
# are left out on purpose: a small business invites from info@, and a robot is
# never a contact nor a recipient; bulk mail is told by its headers instead.
_ROBOT_WORDS = (
    r"no[-_.]?reply|no[-_.]?replies|do[-_.]?not[-_.]?reply|dont[-_.]?reply"
    r"|no[-_.]?respon(?:se|d)|do[-_.]?not[-_.]?respond|auto[-_.]?(?:reply|responder|confirm)"
    r"|mailer[-_.]?daemon|postmaster|calendar[-_.]?server"
    r"|notifications?|notify|notifier|alerts?|invitations?|invites?"
    r"|bounces?|newsletters?|news"
)
_ROBOT = re.compile(
    rf"(?:^|[-_.+])(?:{_ROBOT_WORDS})(?:$|[-_.+])"
    r"|^mailer$"  # Doodle's sender; "norman.mailer" is a person
    # Exchange's own mailboxes: the system mailbox that sends delivery reports and
    # meeting forward notifications ("MicrosoftExchange329e71ec...@contoso.com"),
    # federation, arbitration, health and migration mailboxes.
    r"|^(?:microsoftexchange[0-9a-f]{32}|federatedemail\.|systemmailbox\{|healthmailbox"
    r"|discoverysearchmailbox\{|migration\.[0-9a-f]{8}-)"
)
# Domains whose addresses stand in for someone else: iCloud's iMIP relay (the
# person is in the EMAIL= parameter), Google's calendar ids for groups and rooms.
_NOT_PEOPLE = ("imip.me.com", "group.calendar.google.com", "group.v.calendar.google.com",
               "resource.calendar.google.com")


def addr_spec(text: str) -> str:
    """``text`` as the addr-spec the composer will write (whitespace dropped, the
    domain IDNA-encoded); ValueError when it is not one address."""
    compact = "".join(text.split())
    local, at, domain = compact.rpartition("@")
    if not (local and at and domain) or "@" in local:
        raise ValueError(f"not one address: {shorten(text)!r}")
    try:
        spec = f"{local}@{domain.encode('idna').decode('ascii')}"
        Address(addr_spec=spec)  # the header writer's own check ("Invalid addr_spec")
    except (ValueError, UnicodeError, IndexError, MessageError) as exc:
        raise ValueError(f"not an address: {shorten(text)!r}") from exc
    return spec


def is_address(text: str) -> bool:
    """True when :func:`addr_spec` accepts ``text``."""
    try:
        addr_spec(text)
    except ValueError:
        return False
    return True


def is_robot(address: str) -> bool:
    """True for an automated sender (no-reply, notifications, bounces, ...)."""
    return bool(_ROBOT.search(address.strip().lower().rpartition("@")[0]))


def is_relay(address: str) -> bool:
    """True for an address that stands in for someone else (a relay, a calendar id)."""
    domain = address.strip().lower().rpartition("@")[2]
    return any(domain == d or domain.endswith("." + d) for d in _NOT_PEOPLE)


def is_recipient(address: str) -> bool:
    """True for an address kaffe may write to: a valid address, no robot, no relay."""
    return is_address(address) and not is_robot(address) and not is_relay(address)


def shorten(text: str, limit: int = 60) -> str:
    """A bad value as problems quote it: one line, at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
