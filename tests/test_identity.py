"""Answers kept per event by identity go with the event (no generation of events is
kept alive by a cache) and never answer for another object at a reused address."""

from __future__ import annotations

import gc

from kaffe.identity import ByIdentity
from kaffe.rules.people import external_people
from kaffe.rules.reuse import Reuse
from tests.rules.factories import ME, make_event


class Thing:
    pass


def test_an_entry_goes_with_its_object() -> None:
    kept: ByIdentity[str] = ByIdentity()
    things = [Thing() for _ in range(100)]
    for n, thing in enumerate(things):
        kept.put(thing, f"v{n}")
    assert len(kept) == 100 and kept.get(things[7]) == "v7"
    del things, thing
    gc.collect()
    assert len(kept) == 0


def test_a_reused_address_does_not_answer_for_the_old_object() -> None:
    kept: ByIdentity[str] = ByIdentity()
    for _ in range(1000):  # CPython reuses freed addresses quickly
        thing = Thing()
        assert kept.get(thing) is None
        kept.put(thing, "old")
        del thing
    assert len(kept) == 0


def test_events_read_again_do_not_pile_up_in_the_people_cache() -> None:
    reuse = Reuse()
    for generation in range(20):  # the store view reads the events again, 20 times
        events = [make_event(id=f"e{n}", uid=f"e{n}-{generation}@x") for n in range(50)]
        assert all(external_people(e, ME, reuse)[0].email == "ana@partner.example"
                   for e in events)
    del events
    gc.collect()
    assert len(reuse.external) == 0
