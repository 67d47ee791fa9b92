"""What the rules of one runtime may reuse from cycle to cycle: one visible object,
owned by the cycle's memo (:class:`kaffe.daemon.memo.CycleMemo`) and passed into the
rules as their ``reuse`` argument.

A steady daemon asks the same questions about the same snapshot objects (the store
view hands out the same objects while nothing changed) cycle after cycle; a rule
keeps the answer here, keyed by what it was computed from, and computes it afresh
when the key differs. Without a ``Reuse`` (``reuse=None``) a rule computes
everything from its arguments: the answers are the same, only slower. Nothing here
lives in a module: a new config opens a new runtime, a new memo and a new ``Reuse``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from kaffe.identity import ByIdentity

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from kaffe.config.schema import DripConfig, FollowupConfig, MeConfig
    from kaffe.language import Choice
    from kaffe.model import Article, Contact, Event, Interaction, LedgerEntry, Recipient

    # a contact's hold: its mail, its ledger entries, the [drip] config, the first
    # moment the answer holds for, the moment it could change at, the answer
    HoldKey = tuple[tuple[Interaction, ...], Sequence[LedgerEntry], DripConfig, datetime,
                    datetime, Any]

T = TypeVar("T")
V = TypeVar("V")


@dataclass
class Reuse:
    """The rules' answers a later cycle may reuse, each with the key it was computed
    from (see the module docstring). Fields are written only by the rule named."""

    # cadence.hold: per contact (at most ``holds_max``; then forgotten all at once)
    holds: dict[str, HoldKey] = field(default_factory=dict)
    holds_max: int = 50_000
    # cadence.met_contacts: (meetings, how many ended, [me], contacts met)
    met: tuple[tuple[Event, ...], int, MeConfig,
               dict[str, tuple[Recipient, list[Event]]]] | None = None
    # cadence._by_end: (meetings, sorted by end, their ends)
    by_end: tuple[tuple[Event, ...], list[Event], list[datetime]] | None = None
    # language.choose_language, with the mail evidence (True) and without: (contacts,
    # [followup], [me] language, the snapshot's languages and interactions, per event
    # and contact)
    languages: dict[bool, tuple[Mapping[str, Contact], FollowupConfig, str,
                                Mapping[str, tuple[str, ...]],
                                Mapping[str, tuple[Interaction, ...]],
                                ByIdentity[dict[str, Choice]]]] = field(default_factory=dict)
    # prep.fresh_texts: (articles, their fresh ids, texts) and (articles, now, age, texts)
    fresh: tuple[Mapping[str, Article], tuple[str, ...], Any] | None = None
    fresh_at: tuple[Mapping[str, Article], datetime, int, Any] | None = None
    # people.external_people: per live event (by identity), with the [me] it was for
    external: ByIdentity[tuple[MeConfig, tuple[Recipient, ...]]] = field(
        default_factory=ByIdentity)
    # one-pass indexes of a snapshot's table (entries per contact, meetings per person,
    # ...): per index function, the table object it was built from and the index
    indexes: dict[Callable[[Any], Any], tuple[Any, Any]] = field(default_factory=dict)


def index_of(build: Callable[[T], V], table: T, reuse: Reuse | None) -> V:
    """``build(table)``, kept in ``reuse`` while the same ``table`` object is asked for:
    the rules index a snapshot's table once and ask the index for every contact,
    cycle after cycle while the store view hands them the same table."""
    if reuse is None:
        return build(table)
    kept = reuse.indexes.get(build)
    if kept is not None and kept[0] is table:
        found: V = kept[1]
        return found
    found = build(table)
    reuse.indexes[build] = (table, found)
    return found
