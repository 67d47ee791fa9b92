"""No module in rules/ or daemon/ keeps state between calls: after cycles with every
rule at work, no list, dict, set or per-object cache held by a module (as a global,
or in a closure of a module-level function) has changed. What a cycle may reuse lives
in the cycle's memo and is passed into the rules (kaffe.rules.reuse)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import kaffe.daemon
import kaffe.rules
from kaffe.daemon.cycle import run_cycle
from kaffe.daemon.memo import CycleMemo
from kaffe.identity import ByIdentity
from kaffe.model import Article, CalendarBatch, FeedBatch, MailBatch, Message, Recipient
from kaffe.relevance.live import Relevance
from kaffe.store import Store

from .factories import ANA_EMAIL, ME_EMAIL, START, make_config, make_event

MUTABLE = (list, dict, set, bytearray, ByIdentity)


def modules() -> list[ModuleType]:
    found = []
    for package in (kaffe.rules, kaffe.daemon):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            found.append(importlib.import_module(info.name))
    return found


def holders(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """Every mutable value the module holds: its globals, and the cells of the
    closures of its own functions (a decorator's cache lives there)."""
    for name, value in vars(module).items():
        if isinstance(value, MUTABLE):
            yield name, value
        function = getattr(value, "__wrapped__", None) and value
        if isinstance(function, FunctionType) and function.__module__ == module.__name__:
            for n, cell in enumerate(function.__closure__ or ()):
                contents = cell.cell_contents
                if isinstance(contents, MUTABLE):
                    yield f"{name}.<closure {n}>", contents


def fingerprint(value: Any) -> Any:
    if isinstance(value, ByIdentity):
        return len(value)
    if isinstance(value, dict):
        return {k: id(v) for k, v in value.items()}
    if isinstance(value, set):
        return frozenset(map(id, value))
    return [id(v) for v in value]


def world(store: Store) -> None:
    """A coffee meeting with Ana, mail with her, one upcoming, and an article on the
    topic they discussed: every rule (follow-up, drip, check-in, prep) has work."""
    now = START + timedelta(days=30)
    past = make_event(start=START, description="Topics: data mesh, kafka")
    upcoming = make_event(id="e2", uid="e2@x", start=now + timedelta(hours=20))
    store.apply_calendar_batch(CalendarBatch("google:primary", (past, upcoming), "t", False),
                               window_start=START - timedelta(days=400),
                               window_end=now + timedelta(days=60))
    ana = Recipient(ANA_EMAIL, "Ana")
    mail = (Message(id="m1", account="gmail", thread_id="t1", date=START + timedelta(days=1),
                    direction="received", sender=ana, subject="Data mesh slides"),)
    store.apply_mail_batch(MailBatch("gmail", mail, "h1", full=True), own_addresses=(ME_EMAIL,))
    articles = tuple(Article(f"a{n}", "feed", f"https://news.example/{n}",
                             "Data mesh in practice" if n == 0 else f"Gardening tips {n}",
                             published=now - timedelta(days=1), language="en")
                     for n in range(8))
    store.apply_feed_batch(FeedBatch("feed", articles, "e"), now=now)


def test_cycles_leave_no_state_in_rules_or_daemon_modules(tmp_path: Path) -> None:
    loaded = modules()
    config = make_config()
    with Store.open(tmp_path / "kaffe.db") as store:
        world(store)
        before = {(m.__name__, name): (value, fingerprint(value))
                  for m in loaded for name, value in holders(m)}
        memo, relevance = CycleMemo(store), Relevance(config)
        for hours in (0, 1, 24 * 3, 24 * 30, 24 * 60):
            now = START + timedelta(days=30, hours=hours)
            report = run_cycle(store, ([], [], []), None, relevance, now, config, memo=memo)
            assert report.plan.actions  # the rules had work
    changed = [f"{module}.{name}" for (module, name), (value, seen) in before.items()
               if fingerprint(value) != seen]
    assert changed == []
