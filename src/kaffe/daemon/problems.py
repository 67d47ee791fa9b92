"""Reading problems: what a source could not read, kept so that ``kaffe plan``,
``kaffe status`` and ``kaffe doctor`` say it, not only the log.

The one channel, end to end:

1. A connector adds a string naming the item and what is wrong to its collector
   (``ical.read.Problems.add`` / ``.skip``, the ``problems`` list of
   :func:`kaffe.connectors.ical.invites.invitations_from_mime`, a feed's list) — e.g.
   ``"https://…/basic.ics: event 'Coffee' UID abc skipped: its DTSTART cannot be read"``.
2. The source returns them in its batch: ``CalendarBatch.problems``,
   ``MailBatch.problems``, ``FeedBatch.problems``.
3. :mod:`kaffe.daemon.sync` calls :func:`record` with them: kept in the store's
   ``meta`` table under ``problems:<source>`` (the source's store name, which names
   its config entry: ``ics:home``, ``imap:work``, ``feed:blog``).
4. The CLI shows :func:`load_all` (through ``cli.terminal.shown``), each with
   :func:`hint` (what to do).

A full read replaces the source's problems (what is fixed disappears); an
incremental one (mail, a changed calendar delta) adds to them, deduplicated, the
newest :data:`MAX_KEPT` kept and each forgotten :data:`KEEP_FOR` after it was last
seen. Only strings are stored: a structured problem is welcome as long as its
``str()`` names the item.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from kaffe.timeutil import parse_iso
from kaffe.wording import plural

log = logging.getLogger(__name__)

PREFIX = "problems:"
MAX_KEPT = 20  # problems kept per source (the newest); the rest are counted
KEEP_FOR = timedelta(days=30)  # an accumulated problem not seen again for this long goes


class MetaStore(Protocol):
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class Kept:
    """The reading problems of one source as last recorded."""

    source: str
    items: tuple[tuple[str, datetime], ...]  # (problem, last seen), newest first
    more: int = 0  # problems left out beyond MAX_KEPT

    @property
    def count(self) -> int:
        return len(self.items) + self.more


def record(
    store: MetaStore, source: str, problems: Iterable[object], now: datetime, *,
    replace: bool,
) -> None:
    """Keep ``source``'s problems of this read: ``replace`` for a full read (the
    source was read whole), else added to those kept."""
    new = list(dict.fromkeys(str(p) for p in problems if str(p).strip()))
    if not new and not replace:
        return
    previous = Kept(source, ()) if replace else load(store, source)
    fresh = [(t, s) for t, s in previous.items if now - s < KEEP_FOR]
    merged = dict.fromkeys(new, now)
    merged.update((t, s) for t, s in fresh if t not in merged)
    items = sorted(merged.items(), key=lambda item: item[1], reverse=True)
    # those counted beyond the cap are older than every kept one: gone when one ages out
    older = previous.more if len(fresh) == len(previous.items) else 0
    more = max(0, len(items) - MAX_KEPT) + older
    data = {"items": [[t, s.isoformat()] for t, s in items[:MAX_KEPT]], "more": more}
    store.set_meta(PREFIX + source, json.dumps(data) if items else "")


def load(store: MetaStore, source: str) -> Kept:
    """``source``'s kept problems (none when it has none, or the record is unreadable)."""
    text = store.get_meta(PREFIX + source)
    if not text:
        return Kept(source, ())
    try:
        data = json.loads(text)
        items = tuple((str(t), parse_iso(s)) for t, s in data["items"])
        return Kept(source, items, int(data.get("more", 0)))
    except (ValueError, KeyError, TypeError):
        log.debug("ignoring an unreadable problems record of %s", source)
        return Kept(source, ())


def load_all(store: MetaStore, sources: Collection[str]) -> list[Kept]:
    """The sources among ``sources`` that have problems, by name."""
    found = (load(store, name) for name in sorted(sources))
    return [kept for kept in found if kept.items]


def hint(source: str, problem: str) -> str:
    """What the user can do about ``problem`` of ``source``."""
    if "not an iCalendar file" in problem and source.startswith("caldav:"):
        return ("the server holds an object that is not a calendar event; the other events "
                "are read (remove the object in your calendar app or on the server)")
    if "not an iCalendar file" in problem:
        return "check the url of this calendar's entry: it must give an .ics file"
    if source.startswith("feed:"):
        return ("the feed's other entries are read; tell the feed's owner if one you "
                "need is missing")
    if source == "gmail" or source.startswith("imap:"):
        return ("kaffe left it out; if it matters, open it in your mail app (an invitation "
                "accepted there reaches kaffe through your calendar)")
    if "skipped" in problem:
        return ("the other events are read and what kaffe stored of this one is kept; fix "
                "or re-save the event in your calendar app (or ask its organiser)")
    return ("kaffe read around it as said; if a meeting's time or title looks wrong, "
            "re-save the event in your calendar app")


def summary(kept: Kept) -> str:
    """``2 reading problems`` (``1 reading problem``)."""
    return plural(kept.count, "reading problem")
