"""CPU of a steady kaffe cycle (nothing new in any source), with the cycle caches and
without them, measured in the same run.

The data set is written straight into a store through the Store API: 2,000 events
in the calendar window (1,000 contacts, one coffee meeting and one other meeting
each), 10,000 messages (10 per contact), the topics the coffee meetings name,
and 20 feeds of 50 articles. The sources are in-process and answer "nothing new"
(an empty incremental calendar and mail batch, a 304 for every feed), so the
figure is kaffe's own work per cycle: store reads, judging, learning, matching,
planning and the cursor writes, without HTTP (bench/cost.py measures that part).

One first cycle drafts what is due (into an in-memory sink); then each mode runs
``--cycles`` cycles, the clock moving ``interval_minutes`` per cycle as in the
daemon. ``baseline`` is the same runtime with its caches switched off.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.table import Row, print_table  # noqa: E402
from kaffe.config import loads  # noqa: E402
from kaffe.config.schema import Config  # noqa: E402
from kaffe.daemon.runtime import Runtime  # noqa: E402
from kaffe.model import (  # noqa: E402
    Article,
    Attendee,
    CalendarBatch,
    Draft,
    Event,
    FeedBatch,
    MailBatch,
    Message,
    Recipient,
)
from kaffe.store import Store  # noqa: E402

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
ME = "me@example.com"
SECTION = "steady cycle CPU"
TARGET_MS = 50.0
TOPICS = [
    "data platform migration", "kafka streams", "event sourcing", "dbt models",
    "data mesh", "postgres replication", "rust async", "python packaging",
    "observability budgets", "feature flags", "zero trust networking", "llm evaluation",
    "vector search", "climate tech funding", "open source licensing", "remote hiring",
    "design systems", "product discovery", "pricing experiments", "supply chain analytics",
]
FILLER = ("why", "teams", "new", "report", "lessons", "from", "the", "field", "how",
          "scale", "guide", "notes", "review", "week", "market")


# The first cycle drafts everything due at once; the [safety] caps would spread that
# over the measured cycles, which are to be steady (nothing to draft).
UNCAPPED = "[safety]\nmax_drafts_per_cycle = 1000\nmax_drafts_per_day = 10000\n"


def make_config(data: Path) -> Config:
    """The bench's config: defaults, your address, a store in ``data``."""
    text = (f'[me]\nname = "Me"\naddresses = ["{ME}"]\n'
            f'[storage]\ndatabase = "{data / "kaffe.db"}"\n{UNCAPPED}')
    return loads(text, source="<bench cpu>", base_dir=data)


def _event(i: int, coffee: bool, start: datetime, rng: random.Random) -> Event:
    topics = rng.sample(TOPICS, 2)
    return Event(
        id=f"ev{i:06d}{'c' if coffee else 'm'}", calendar="google:primary",
        summary=f"Coffee with Person{i}" if coffee else f"Project sync {i}",
        start=start, end=start + timedelta(minutes=45), uid=f"ev{i}{coffee}@bench",
        description=f"Topics: {topics[0]}, {topics[1]}" if coffee else "Weekly status",
        attendees=(Attendee(ME, "Me", "accepted", is_self=True),
                   Attendee(_contact(i), f"Person{i}", "accepted")),
        organizer=ME, updated=start - timedelta(days=3),
    )


def _contact(i: int) -> str:
    return f"p{i}@partner{i % 50}.example"


def events(contacts: int, rng: random.Random) -> tuple[Event, ...]:
    """Two meetings per contact across the window: a coffee and a project sync."""
    found = []
    for i in range(contacts):
        for coffee in (True, False):
            start = NOW + timedelta(days=rng.uniform(-330, 13))
            found.append(_event(i, coffee, start.replace(minute=0, second=0, microsecond=0), rng))
    return tuple(found)


def messages(contacts: int, per_contact: int, rng: random.Random) -> tuple[Message, ...]:
    """Mail with every contact over the last 170 days, both ways."""
    found = []
    for i in range(contacts):
        them = Recipient(_contact(i), f"Person{i}")
        for n in range(per_contact):
            sent = n % 2 == 0
            found.append(Message(
                id=f"m{i:05d}{n:02d}", account="gmail", thread_id=f"t{i:05d}{n // 3}",
                date=NOW - timedelta(days=rng.uniform(1, 170)),
                direction="sent" if sent else "received",
                sender=Recipient(ME, "Me") if sent else them, to=(them,) if sent else (),
                subject=f"Re: {rng.choice(TOPICS)}", message_id=f"<m{i}.{n}@bench>",
            ))
    return tuple(found)


def articles(feeds: int, per_feed: int, rng: random.Random) -> dict[str, list[Article]]:
    """Recent articles per feed whose titles mix topic words with filler."""
    found: dict[str, list[Article]] = {}
    for f in range(feeds):
        for n in range(per_feed):
            words = [*rng.choice(TOPICS).split(), *rng.sample(FILLER, 4)]
            rng.shuffle(words)
            found.setdefault(f"feed{f}", []).append(Article(
                id=f"a{f}-{n}", feed=f"feed{f}", url=f"https://feed{f}.example/{n}",
                title=" ".join(words).capitalize(), summary=" ".join(rng.sample(FILLER, 8)),
                published=NOW - timedelta(days=rng.uniform(0.1, 12)), language="en",
            ))
    return found


def fill(store: Store, args: argparse.Namespace, rng: random.Random) -> dict[str, list[Article]]:
    """Write the data set into ``store``; returns the feeds' articles."""
    window = (NOW - timedelta(days=400), NOW + timedelta(days=30))
    batch = CalendarBatch("google:primary", events(args.contacts, rng), "sync-1", True)
    store.apply_calendar_batch(batch, window_start=window[0], window_end=window[1])
    store.set_cursor("google:primary", "sync-1")
    store.set_meta("window_end:google:primary", (NOW + timedelta(days=60)).isoformat())
    mail = MailBatch("gmail", messages(args.contacts, args.messages // args.contacts, rng),
                     "h-1", True)
    store.apply_mail_batch(mail, own_addresses=(ME,))
    store.set_cursor("gmail", "h-1")
    feeds = articles(args.feeds, args.articles, rng)
    for name, items in feeds.items():
        store.apply_feed_batch(FeedBatch(name, tuple(items), "etag-1"), now=NOW)
        store.set_cursor(f"feed:{name}", "etag-1")
    return feeds


class QuietCalendar:
    """A calendar with nothing new: an empty incremental batch."""

    name = "google:primary"

    def sync(self, cursor: str | None, *, window_start: datetime,
             window_end: datetime) -> CalendarBatch:
        return CalendarBatch(self.name, (), cursor or "sync-1", full=False)


class QuietMail:
    """A mailbox with nothing new: an empty history delta."""

    name = "gmail"

    def sync(self, cursor: str | None, *, since: datetime, now: datetime) -> MailBatch:
        return MailBatch(self.name, (), cursor or "h-1", full=False)

    def own_addresses(self) -> tuple[str, ...]:
        return (ME,)


class QuietFeed:
    """A feed that answers 304 Not Modified."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fetch(self, cursor: str | None, *, now: datetime) -> FeedBatch:
        return FeedBatch(self.name, (), cursor, not_modified=True)


class MemorySink:
    """Drafts kept in a dict (the executor's sink)."""

    name = "memory"

    def __init__(self) -> None:
        self.drafts: dict[str, Draft] = {}

    def create_draft(self, draft: Draft) -> str:
        self.drafts[draft.key] = draft
        return f"d{len(self.drafts)}"

    def find_draft(self, key: str) -> str | None:
        return None

    def find_drafts(self, keys: Iterable[str], *, skip: Collection[str] = ()) -> dict[str, str]:
        return {}


def open_bench(data: Path, args: argparse.Namespace) -> Runtime:
    """A runtime over a filled store, with quiet sources and an in-memory sink."""
    config = make_config(data)
    store = Store.open(data / "kaffe.db")
    feeds = fill(store, args, random.Random(args.seed))
    return Runtime(config, store, [QuietCalendar()], [QuietMail()], MemorySink(),
                   Recipient(ME, "Me"), feeds=[QuietFeed(name) for name in feeds])


def set_caching(runtime: Runtime, on: bool) -> None:
    """Switch the runtime's cycle caches on or off (off: the uncached code path)."""
    runtime.caching = on


def timed_cycles(runtime: Runtime, start: datetime, cycles: int, step: timedelta,
                 profile: cProfile.Profile | None = None) -> list[float]:
    """CPU ms of each of ``cycles`` cycles from ``start``, ``step`` apart."""
    spent = []
    for n in range(cycles):
        cpu = time.process_time()
        if profile is not None:
            profile.enable()
        runtime.cycle(start + n * step)
        if profile is not None:
            profile.disable()
        spent.append((time.process_time() - cpu) * 1000)
    return spent


def measure(args: argparse.Namespace, out: TextIO | None = None) -> dict[str, list[float]]:
    """Steady-cycle CPU ms per cycle, cached and uncached, from one data set."""
    step = timedelta(minutes=15)
    with tempfile.TemporaryDirectory(prefix="kaffe-bench-cpu-") as tmp:
        runtime = open_bench(Path(tmp), args)
        try:
            first = _cpu(lambda: runtime.cycle(NOW))
            set_caching(runtime, False)
            base = timed_cycles(runtime, NOW + step, args.cycles, step)
            set_caching(runtime, True)
            timed_cycles(runtime, NOW + step, 1, step)  # fills the caches
            profile = cProfile.Profile() if out is not None else None
            ours = timed_cycles(runtime, NOW + 2 * step, args.cycles, step, profile)
        finally:
            runtime.close()
    if profile is not None and out is not None:
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    return {"first": [first], "kaffe": ours, "baseline": base}


def _cpu(fn: Callable[[], object]) -> float:
    cpu = time.process_time()
    fn()
    return (time.process_time() - cpu) * 1000


def rows(args: argparse.Namespace) -> list[Row]:
    """Rows for the bench table: steady-cycle CPU (median and mean) and the first cycle."""
    found = measure(args, sys.stdout if getattr(args, "verbose", False) else None)
    data = (f"{args.contacts * 2} events, {args.messages} messages, {args.contacts} contacts, "
            f"{args.feeds}x{args.articles} articles")
    ours, base = found["kaffe"], found["baseline"]
    table = []
    for label, fn in (("median", statistics.median), ("mean", statistics.fmean)):
        k, b = fn(ours), fn(base)
        table.append((SECTION, f"CPU ms per steady cycle ({label}; {data})", f"{k:.1f}",
                      f"{b:.1f}", f"{b / k:.1f}x" if k else "—", f"< {TARGET_MS:g} ms",
                      "yes" if k < TARGET_MS else "no"))
    table.append((SECTION, "CPU ms, first cycle (drafts what is due)",
                  f"{found['first'][0]:.0f}", "—", "—", "—", "—"))
    return table


def parser() -> argparse.ArgumentParser:
    """The command line (also used by bench/all.py for defaults)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--contacts", type=int, default=1000)
    p.add_argument("--messages", type=int, default=10_000)
    p.add_argument("--feeds", type=int, default=20)
    p.add_argument("--articles", type=int, default=50, help="articles per feed")
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("-v", "--verbose", action="store_true", help="print a profile of the cycles")
    return p


def main() -> int:
    print_table(rows(parser().parse_args()), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
