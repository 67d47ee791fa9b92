"""Factories with overrides for the domain objects the rules look at."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from kaffe.config.schema import Config, DetectConfig, FollowupConfig, MeConfig
from kaffe.model import ACCEPTED, Attendee, Event, Interaction, LedgerEntry, Snapshot

ME_EMAIL = "me@acme.example"
ANA_EMAIL = "ana@partner.example"
START = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)

ME = MeConfig(name="Mette Jensen", addresses=(ME_EMAIL,), domains=("acme.example",))


def me_attendee(**overrides: Any) -> Attendee:
    """Your own attendee entry (``self`` set, accepted)."""
    fields: dict[str, Any] = {"email": ME_EMAIL, "is_self": True, "response": ACCEPTED}
    return Attendee(**{**fields, **overrides})


def guest(email: str = ANA_EMAIL, name: str = "Ana Silva", **overrides: Any) -> Attendee:
    """Another attendee (external unless the address says otherwise)."""
    return Attendee(email=email, name=name, response=ACCEPTED, **overrides)


def make_event(**overrides: Any) -> Event:
    """A clear coffee meeting: "Coffee with Ana", an hour, you and one outsider.

    ``minutes`` sets the duration from ``start``; any Event field can be overridden.
    """
    start = overrides.pop("start", START)
    minutes = overrides.pop("minutes", 60)
    fields: dict[str, Any] = {
        "id": "evt1",
        "calendar": "google:primary",
        "summary": "Coffee with Ana",
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "uid": "evt1@google.com",
        "location": "Café Det Vide Hus, Krystalgade 24, København",
        "attendees": (me_attendee(), guest()),
        "organizer": ME_EMAIL,
    }
    return Event(**{**fields, **overrides})


def make_config(**sections: Any) -> Config:
    """A Config with ``ME`` and defaults; ``detect=``/``followup=`` take field overrides."""
    detect = replace(DetectConfig(), **sections.pop("detect", {}))
    followup = replace(FollowupConfig(), **sections.pop("followup", {}))
    me = replace(ME, **sections.pop("me", {}))
    return Config(me=me, detect=detect, followup=followup, **sections)


def make_snapshot(*events: Event, **fields: Any) -> Snapshot:
    return Snapshot(events=events, **fields)


def ledger_entry(key: str, state: str, **overrides: Any) -> LedgerEntry:
    fields: dict[str, Any] = {"key": key, "kind": "followup", "state": state, "updated": START}
    return LedgerEntry(**{**fields, **overrides})


def mail(
    direction: str, at: datetime, *, contact: str = ANA_EMAIL, thread: str = "t1", **overrides: Any
) -> Interaction:
    """One message with ``contact``; ``direction`` is "sent" or "received"."""
    n = overrides.pop("n", int(at.timestamp()))
    fields: dict[str, Any] = {
        "contact": contact,
        "direction": direction,
        "at": at,
        "message_key": f"gmail/m{n}",
        "thread_id": thread,
        "subject": "Coffee next week?",
        "message_id": f"<m{n}@mail.example>",
    }
    return Interaction(**{**fields, **overrides})


def mailbox(*interactions: Interaction) -> dict[str, tuple[Interaction, ...]]:
    """Interactions grouped by contact, oldest first, as the snapshot holds them."""
    grouped: dict[str, list[Interaction]] = {}
    for item in sorted(interactions, key=lambda i: i.at):
        grouped.setdefault(item.contact, []).append(item)
    return {contact: tuple(items) for contact, items in grouped.items()}
