"""bench/cost.py's results and how they become table rows (bench/table.py's Row)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.costkit import Scale, Traffic
from bench.table import Row
from kaffe.config.schema import GmailConfig

NA = "—"
FEW = 5  # "a few" extra round trips on a first sync: token, profile, calendar, slack
# A first sync lists each skipped inbox tab's older mail apart ([gmail] skip_tabs: one
# request each when it holds under 500 messages), to keep such mail in conversations.
TAB_LISTINGS = len(GmailConfig().skip_tabs)


@dataclass
class Run:
    """What one measured stretch cost: traffic per group, feed-server counts, kaffe's
    CPU and wall time (ms), per source kind and in all."""

    traffic: dict[str, Traffic] = field(default_factory=dict)
    served: dict[str, dict[str, int]] = field(default_factory=dict)
    cpu_ms: dict[str, float] = field(default_factory=dict)
    wall_ms: dict[str, float] = field(default_factory=dict)
    formats: set[str] = field(default_factory=set)
    note: str = ""  # "extrapolated from N" for the sampled naive Gmail poll
    created: int = 0  # drafts.create calls
    lookup: Traffic = field(default_factory=Traffic)  # drafts.list/get: finding drafts by key

    def t(self, group: str) -> Traffic:
        """The traffic of ``group`` (zero when it made no request)."""
        return self.traffic.get(group, Traffic())

    def s(self, kind: str, key: str) -> int:
        """A feed-server count: ``kind`` "feed"/"ics", ``key`` requests/bodies/bytes/..."""
        return int(self.served.get(kind, {}).get(key, 0))


@dataclass
class Results:
    """One scale: kaffe's first sync and steady cycle, the baseline, phase seconds."""

    scale: Scale
    first: Run
    steady: Run
    base: Run
    timings: dict[str, float]
    lost: Run | None = None  # a cycle after the ledger was lost (see cost.Harness.lost_ledger)
    own_drafts: int = 0  # hand-written drafts in Drafts during ``lost``


# -- formatting -------------------------------------------------------------------------------
def num(value: float) -> str:
    """An integer with thousands separators."""
    return f"{round(value):,}"


def ms(value: float) -> str:
    """Milliseconds, one decimal below 100."""
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def secs(value_ms: float) -> str:
    """Milliseconds shown as seconds (two decimals below 10 s)."""
    return f"{value_ms / 1000:.2f} s" if value_ms < 10_000 else f"{value_ms / 1000:,.1f} s"


def ratio(baseline: float, kaffe: float) -> str:
    """How many times the baseline costs what kaffe does."""
    if kaffe <= 0:
        return NA if baseline <= 0 else "∞"
    value = baseline / kaffe
    return f"{value:.1f}x" if value < 100 else f"{value:,.0f}x"


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def row(section: str, measure: str, k: float, b: float, fmt: Callable[[float], str],
        target: str = NA, met: bool | None = None, note: str = "") -> Row:
    """A row comparing kaffe's ``k`` with the baseline's ``b``."""
    base = fmt(b) + (f" ({note})" if note else "")
    return (section, measure, fmt(k), base, ratio(b, k), target, NA if met is None else yes(met))


# -- sections -----------------------------------------------------------------------------------
def steady_rows(r: Results) -> list[Row]:
    """One steady cycle with nothing new, per source."""
    sec, k, b = f"steady {r.scale.factor}x", r.steady, r.base
    cal, gm, feeds = k.t("calendar"), k.t("gmail"), r.scale.feeds
    history_only = gm.apis == ("gmail.users.history.list",)
    return [
        row(sec, "Calendar: requests", cal.requests, b.t("calendar").requests, num,
            "1 per calendar", cal.requests == 1),
        row(sec, "Calendar: bytes received", cal.bytes, b.t("calendar").bytes, num),
        row(sec, "Calendar: CPU ms", k.cpu_ms.get("calendar", 0), b.cpu_ms["calendar"], ms),
        row(sec, "Gmail: requests", gm.requests, b.t("gmail").requests, num,
            "1 history.list", gm.requests == 1 and history_only, b.note),
        row(sec, "Gmail: quota units", gm.units, b.t("gmail").units, num, "2", gm.units == 2,
            b.note),
        row(sec, "Gmail: bytes received", gm.bytes, b.t("gmail").bytes, num, note=b.note),
        row(sec, "Gmail: CPU ms", k.cpu_ms.get("gmail", 0), b.cpu_ms["gmail"], ms, note=b.note),
        *_feed_rows(sec, k, b, "feed", f"feeds ({feeds})", feeds),
        *_feed_rows(sec, k, b, "ics", "ICS URL", 1),
        _other_google(sec, k),
        (sec, "whole cycle: CPU ms", ms(k.cpu_ms["all"]), NA, NA, "< 50 ms",
         yes(k.cpu_ms["all"] < 50)),
        (sec, "whole cycle: wall ms", ms(k.wall_ms["all"]), NA, NA, NA, NA),
    ]


def _feed_rows(sec: str, k: Run, b: Run, kind: str, name: str, count: int) -> list[Row]:
    bodies = k.s(kind, "bodies")
    return [
        row(sec, f"{name}: requests", k.s(kind, "requests"), b.s(kind, "requests"), num,
            f"{count} conditional", k.s(kind, "requests") == count),
        row(sec, f"{name}: responses with a body", bodies, b.s(kind, "bodies"), num,
            "0 (all 304)", bodies == 0),
        row(sec, f"{name}: bytes received", k.s(kind, "bytes"), b.s(kind, "bytes"), num),
        row(sec, f"{name}: CPU ms", k.cpu_ms.get(kind, 0), b.cpu_ms[kind], ms),
    ]


def _other_google(sec: str, k: Run) -> Row:
    """Requests of the draft sink and the token endpoint: work (a draft that fell due
    as the clock moved, an expired access token), not polling, so no target."""
    other = k.t("drafts").requests + k.t("token").requests + k.t("other").requests
    return (sec, "Google: drafts + token requests", num(other), NA, NA, NA, NA)


def first_rows(r: Results) -> list[Row]:
    """The first sync: every source from scratch (Gmail and the calendar matter)."""
    sec, k, b, n = f"first sync {r.scale.factor}x", r.first, r.base, r.scale.messages
    gm, limit = k.t("gmail"), math.ceil(n / 50) + math.ceil(n / 500) + FEW + TAB_LISTINGS
    fmt = ",".join(sorted(k.formats)) or NA
    return [
        row(sec, f"Gmail round trips ({n:,} msgs)", gm.requests, b.t("gmail").requests, num,
            f"<= {limit:,}", gm.requests <= limit, b.note),
        row(sec, "Gmail quota units", gm.units, b.t("gmail").units, num, note=b.note),
        (sec, "Gmail messages.get format", fmt, "metadata", NA, "metadata",
         yes(fmt == "metadata")),
        row(sec, "Gmail bytes received", gm.bytes, b.t("gmail").bytes, num, note=b.note),
        row(sec, "Gmail wall time", k.wall_ms.get("gmail", 0), b.wall_ms["gmail"], secs,
            note=b.note),
        row(sec, "Gmail CPU", k.cpu_ms.get("gmail", 0), b.cpu_ms["gmail"], secs, note=b.note),
        row(sec, f"Calendar round trips ({r.scale.events:,} events)", k.t("calendar").requests,
            b.t("calendar").requests, num),
        row(sec, "Calendar wall time", k.wall_ms.get("calendar", 0), b.wall_ms["calendar"],
            secs),
        (sec, "whole first cycle: wall", secs(k.wall_ms["all"]), NA, NA, NA, NA),
        (sec, "whole first cycle: CPU", secs(k.cpu_ms["all"]), NA, NA, NA, NA),
    ]


def draft_rows(r: Results) -> list[Row]:
    """What looking for X-Kaffe-Key before creating costs, next to not looking (the
    baseline: no request, but every draft made again after a lost database)."""
    sec, first = f"draft look-up {r.scale.factor}x", r.first
    out = [
        _plain(sec, f"first sync: {first.created} drafts created, look-up round trips",
               first.lookup.requests, 0, "1 drafts.list (Drafts empty)",
               first.lookup.requests == 1),
        _plain(sec, "first sync: look-up quota units", first.lookup.units, 0,
               f"<< {10 * first.created} (the creates)", first.lookup.units <= 5),
    ]
    if r.lost is None:
        return out
    lost, drafts = r.lost, first.created + r.own_drafts
    trips = math.ceil(drafts / 100) + math.ceil(drafts / 50)
    units = 5 * math.ceil(drafts / 100) + 5 * drafts
    return out + [
        _plain(sec, f"lost ledger: drafts made again ({drafts} in Drafts)", lost.created,
               first.created, "0", lost.created == 0),
        _plain(sec, "lost ledger: look-up round trips", lost.lookup.requests, 0,
               f"{trips} (lists of 100, batches of 50)", lost.lookup.requests == trips),
        _plain(sec, "lost ledger: look-up quota units", lost.lookup.units, 0,
               f"{units} (5 a list, 5 a draft)", lost.lookup.units == units),
    ]


def _plain(sec: str, measure: str, k: float, b: float, target: str, met: bool) -> Row:
    """A row whose baseline may be zero: no ratio."""
    return (sec, measure, num(k), num(b), NA, target, yes(met))


def growth_rows(small: Results, big: Results) -> list[Row]:
    """kaffe at 10x next to kaffe at 1x, with the data ratio as the yardstick."""
    sec = f"growth 1x->{big.scale.factor}x"
    data = big.scale.messages / small.scale.messages
    feeds = big.scale.feeds / small.scale.feeds
    pairs: list[tuple[str, Callable[[Results], float], str, float]] = [
        ("steady Calendar requests", lambda r: r.steady.t("calendar").requests, "flat", 1),
        ("steady Gmail requests", lambda r: r.steady.t("gmail").requests, "flat", 1),
        ("steady Gmail quota units", lambda r: r.steady.t("gmail").units, "flat", 1),
        ("steady feed requests", lambda r: r.steady.s("feed", "requests"), "= feeds", feeds),
        ("steady cycle CPU ms", lambda r: r.steady.cpu_ms["all"], "<= data", data),
        ("first sync Gmail round trips", lambda r: r.first.t("gmail").requests, "<= data", data),
        ("first sync Gmail quota units", lambda r: r.first.t("gmail").units, "<= data", data),
        ("first sync Gmail wall", lambda r: r.first.wall_ms.get("gmail", 0), "<= data", data),
        ("first sync whole cycle wall", lambda r: r.first.wall_ms["all"], "<= data", data),
    ]
    return [_growth(sec, name, get(small), get(big), target, limit, data)
            for name, get, target, limit in pairs]


def _growth(sec: str, name: str, small: float, big: float, target: str, limit: float,
            data: float) -> Row:
    grown = big / small if small else math.inf
    shown = f"{_short(small)} -> {_short(big)}"
    return (sec, name, shown, NA, f"{grown:.1f}x (data {data:.0f}x)",
            f"{target} ({limit:.0f}x)", yes(grown <= limit * 1.05))


def _short(value: float) -> str:
    return num(value) if value >= 100 or float(value).is_integer() else f"{value:.1f}"


def timing_rows(r: Results) -> list[Row]:
    """How long each phase of this bench took (wall seconds), to keep make bench short."""
    phases = " / ".join(f"{name} {sec:.0f}" for name, sec in r.timings.items())
    total = sum(r.timings.values())
    return [(f"bench time {r.scale.factor}x", f"{r.scale.label()}; s", f"{total:.0f} s",
             NA, NA, NA, NA), (f"bench time {r.scale.factor}x", "phases, s", phases,
                               NA, NA, NA, NA)]


def table_rows(results: list[Results]) -> list[Row]:
    """Every section for every scale, then growth and the bench's own time."""
    out: list[Row] = []
    for r in results:
        out += first_rows(r) + steady_rows(r) + draft_rows(r)
    if len(results) > 1:
        out += growth_rows(results[0], results[-1])
    for r in results:
        out += timing_rows(r)
    return out
