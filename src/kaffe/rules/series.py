"""Recurring meetings: nobody thanks a mentor "for taking the time to meet" every fortnight.

A series (the instances of one recurring event) gets its follow-up after its first
occurrence and its prep brief before it. A later occurrence gets either only when
there is something new to say:

- topics of its own: its description or title names a topic no earlier meeting
  with these people named (an agenda written for this occurrence);
- notes: topics you added (``kaffe note``, the notes folder) about them since the
  previous occurrence;
- a long gap: more than :data:`LONG_GAP` since the previous occurrence.

The previous occurrence is the latest earlier one in the calendar (cancelled and
declined ones do not count) or in the ledger (a follow-up or prep brief kaffe
planned for an earlier slot of the same iCalUID), so a short sync window does not
make every occurrence look like the first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from kaffe.kinds import FOLLOWUP, PREP
from kaffe.model import DECLINED, WAITING, Event, LedgerEntry, Recipient, Snapshot, Topic
from kaffe.rules.reuse import Reuse, index_of
from kaffe.timeutil import utc

# Between a monthly and a quarterly cadence: a coffee every quarter is worth a
# thank-you each time, a monthly one is not. Not a setting: notes give any single
# occurrence its follow-up, so one fixed notion of "a long time" is enough.
LONG_GAP = timedelta(days=60)
_SLOT_KINDS = (f"{FOLLOWUP}:", f"{PREP}:")
_NOTE_SOURCES = ("note", "notes:")


def series_id(event: Event) -> str:
    """The series an instance belongs to ("" for a one-off): its iCalUID, shared by all
    instances and all sources, else its calendar's recurring event id."""
    if not event.recurring_event_id:
        return ""
    return event.uid or f"{event.calendar}/{event.recurring_event_id}"


def slot(event: Event) -> datetime:
    """The occurrence's place in its series: the original start (a moved instance
    keeps its slot), else its start."""
    return utc(event.original_start or event.start)


def previous_slot(event: Event, snapshot: Snapshot, reuse: Reuse | None = None
                  ) -> datetime | None:
    """The slot of the latest earlier occurrence of ``event``'s series, or None when
    this is the first one kaffe knows of (or ``event`` is not recurring)."""
    series = series_id(event)
    if not series:
        return None
    this = slot(event)
    in_calendar = index_of(_slots_in_calendar, snapshot.events, reuse)
    in_ledger = index_of(_slots_in_ledger, snapshot.ledger, reuse)
    earlier = [s for s in in_calendar.get(series, ()) if s < this]
    earlier += [s for s in in_ledger.get(event.uid, ()) if s < this]
    return max(earlier, default=None)


def something_new(
    event: Event, previous: datetime, people: Sequence[Recipient], snapshot: Snapshot,
    now: datetime,
) -> str:
    """Why a later occurrence deserves a draft after all; "" when there is nothing new."""
    gap = slot(event) - previous
    if gap > LONG_GAP:
        return f"{gap.days} days since the previous occurrence"
    topics = [t for p in people for t in snapshot.topics.get(p.email, ()) if t.at <= now]
    own = _own_topics(event, topics)
    if own:
        return f'topics of its own ("{own[0]}")'
    notes = [t for t in topics if t.source.startswith(_NOTE_SOURCES) and t.at > previous]
    if notes:
        return f'notes on {notes[-1].contact} since the previous occurrence ("{notes[-1].text}")'
    return ""


def series_state(
    event: Event, people: Sequence[Recipient], snapshot: Snapshot, now: datetime,
    otherwise: tuple[str, str], what: str, reuse: Reuse | None = None,
) -> tuple[str, str]:
    """The state of a draft (``what``: 'follow-up', 'prep brief') for ``event`` that
    would otherwise be ``otherwise``: a later occurrence with nothing new WAITS (for
    notes, or until the draft goes stale or the meeting starts)."""
    previous = previous_slot(event, snapshot, reuse)
    if previous is None:
        return otherwise
    why = something_new(event, previous, people, snapshot, now)
    if why:
        state, reason = otherwise
        return state, f"{reason}; a later occurrence of a recurring meeting, with {why}"
    return WAITING, f'{what} for "{event.summary}": {nothing_new(previous)}'


def stale_state(
    event: Event, people: Sequence[Recipient], snapshot: Snapshot, now: datetime,
    otherwise: tuple[str, str], reuse: Reuse | None = None,
) -> tuple[str, str]:
    """A stale draft: for a later occurrence that waited in vain, the reason says so."""
    previous = previous_slot(event, snapshot, reuse)
    if previous is None or something_new(event, previous, people, snapshot, now):
        return otherwise
    return otherwise[0], f"{nothing_new(previous)}; nothing new came before it went stale"


def nothing_new(previous: datetime) -> str:
    """The reason a later occurrence gets no draft (yet)."""
    return (f"a later occurrence of a recurring meeting (previous {utc(previous):%Y-%m-%d}): "
            f"drafted only with something new (notes or topics for it, or more than "
            f"{LONG_GAP.days} days since the previous one)")


def _own_topics(event: Event, topics: list[Topic]) -> list[str]:
    """Topics this occurrence names that no earlier meeting with these people named
    (every instance of a series repeats the series' description)."""
    source = f"event:{event.key}"
    earlier = {t.text for t in topics if t.source.startswith("event:") and t.at < event.start}
    return [t.text for t in topics if t.source == source and t.text not in earlier]


def _slots_in_calendar(events: tuple[Event, ...]) -> dict[str, list[datetime]]:
    index: dict[str, list[datetime]] = {}
    for event in events:
        series = series_id(event)
        if series and event.status != "cancelled" and not _declined(event):
            index.setdefault(series, []).append(slot(event))
    return index


def _slots_in_ledger(ledger: Mapping[str, LedgerEntry]) -> dict[str, list[datetime]]:
    """iCalUID -> slots of the follow-ups and prep briefs kaffe planned for instances
    (keys ``followup:<uid>@<YYYYmmddTHHMMSSZ>``, see :func:`kaffe.rules.merge.meeting_id`)."""
    index: dict[str, list[datetime]] = {}
    for key in ledger:
        if not key.startswith(_SLOT_KINDS):
            continue
        base, _, stamp = key.partition(":")[2].rpartition("@")
        when = _stamp(stamp)
        if base and when is not None:
            index.setdefault(base, []).append(when)
    return index


def _stamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:  # a one-off's key: its uid may hold an "@" too
        return None


def _declined(event: Event) -> bool:
    return any(a.is_self and a.response == DECLINED for a in event.attendees)
