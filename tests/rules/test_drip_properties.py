"""Property: over random timelines (contacts, meetings, article streams, replies and
your sends over months), simulated one cycle a day with every DUE draft recorded in
a fake ledger, the drip cadence is never broken."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaffe.config.schema import CheckinConfig, DripConfig
from kaffe.model import DONE, Article, Interaction, LedgerEntry, Match, Snapshot
from kaffe.rules.plan import evaluate

from .factories import guest, mailbox, make_config, make_event, me_attendee

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
DAYS = 240
LOOKAHEAD = timedelta(days=14)
PEOPLE = ("ana@a.example", "bo@b.example", "cy@c.example")


@dataclass
class World:
    meetings: dict[str, list[int]]  # contact -> meeting days
    replies: dict[str, list[int]]  # contact -> days they wrote to you
    articles: list[tuple[int, dict[str, float]]]  # (published day, contact -> score)
    send_after: list[int | None]  # per draft in order: days until you send it, or never
    drafts: list[tuple[int, str, str, str]] = field(default_factory=list)  # day, kind, who, key
    sent: list[tuple[int, str, str]] = field(default_factory=list)  # day, contact, key


days = st.integers(min_value=0, max_value=DAYS - 1)
configs = st.builds(
    DripConfig,
    min_gap_days=st.integers(3, 40),
    max_per_year=st.integers(0, 8),
    max_unanswered=st.integers(1, 3),
    horizon_days=st.integers(20, 200),
    max_article_age_days=st.integers(2, 20),
    daily_cap=st.integers(0, 3),
)
worlds = st.builds(
    World,
    meetings=st.fixed_dictionaries({p: st.lists(days, min_size=1, max_size=3) for p in PEOPLE}),
    replies=st.fixed_dictionaries({p: st.lists(days, max_size=4) for p in PEOPLE}),
    articles=st.lists(
        st.tuples(days, st.dictionaries(st.sampled_from(PEOPLE), st.floats(0.5, 9.0))),
        max_size=60,
    ),
    send_after=st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=80, max_size=80),
)


def snapshot_at(world: World, ledger: dict[str, LedgerEntry], now: datetime) -> Snapshot:
    events = tuple(
        make_event(id=f"{p}-{d}", uid=f"{p}-{d}", start=T0 + d * DAY - timedelta(hours=3),
                   attendees=(me_attendee(), guest(p, "X")))
        for p, ds in world.meetings.items() for d in set(ds)
        if d * DAY <= now - T0 + LOOKAHEAD  # the store holds two weeks ahead
    )  # fmt: skip
    articles = {
        f"a{i}": Article(f"a{i}", "f", f"https://x/{i}", f"N{i}", published=T0 + d * DAY - HOUR)
        for i, (d, _) in enumerate(world.articles)
    }
    matches: dict[str, list[Match]] = {}
    for i, (d, scores) in enumerate(world.articles):
        for p, score in scores.items():
            if T0 + d * DAY <= now:
                matches.setdefault(p, []).append(Match(p, f"a{i}", score, ("x",), "topic"))
    mail = [Interaction(p, "received", T0 + d * DAY - timedelta(hours=2), f"r{p}{d}")
            for p, ds in world.replies.items() for d in ds]  # fmt: skip
    mail += [Interaction(p, "sent", T0 + d * DAY - timedelta(minutes=30), f"s{k}", kaffe_key=k)
             for d, p, k in world.sent]  # fmt: skip
    return Snapshot(
        events=events,
        ledger=dict(ledger),
        interactions=mailbox(*[i for i in mail if i.at <= now]),
        articles=articles,
        matches={p: tuple(sorted(ms, key=lambda m: -m.score)) for p, ms in matches.items()},
    )


def simulate(world: World, drip: DripConfig) -> None:
    config = make_config(drip=drip, checkin=CheckinConfig(after_days=30))
    ledger: dict[str, LedgerEntry] = {}
    for day in range(DAYS):
        now = T0 + day * DAY
        for action in evaluate(snapshot_at(world, ledger, now), now, config).due:
            who = action.to[0].email
            ledger[action.key] = LedgerEntry(action.key, action.kind, DONE, now, contact=who)
            world.drafts.append((day, action.kind, who, action.key))
            wait = world.send_after[len(world.drafts) % len(world.send_after)]
            if wait is not None and action.kind != "prep":
                world.sent.append((day + wait, who, action.key))


def unanswered_at(world: World, who: str, day: int) -> int:
    """Kaffe drafts you sent ``who`` before ``day`` with no reply from them since."""
    replies = [d for d in world.replies[who] if d <= day]
    last = max(replies, default=-1)
    return sum(1 for d, p, _ in world.sent if p == who and last <= d < day)


def test_the_simulation_drafts_drips() -> None:
    """Guard against a vacuous property: a plain timeline does produce drips."""
    world = World({p: [0] for p in PEOPLE}, {p: [] for p in PEOPLE},
                  [(d, {p: 3.0 for p in PEOPLE}) for d in range(0, DAYS, 7)], [1] * 80)  # fmt: skip
    simulate(world, DripConfig(min_gap_days=30, max_unanswered=3, max_per_year=6))
    drips = [d for d, k, p, _ in world.drafts if k == "drip" and p == PEOPLE[0]]
    assert drips and all(b - a >= 30 for a, b in zip(drips, drips[1:], strict=False))
    assert len(drips) <= 3  # paused: three sent and unanswered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds, drip=configs)
def test_drip_cadence_holds_over_random_timelines(world: World, drip: DripConfig) -> None:
    simulate(world, drip)
    outreach = [(d, k, who, key) for d, k, who, key in world.drafts if k in ("drip", "checkin")]
    for day in range(DAYS):
        assert sum(1 for d, *_ in outreach if d == day) <= drip.daily_cap
    for who in PEOPLE:
        mine = [d for d, _, p, _ in outreach if p == who]
        touches = sorted(mine + [d for d, k, p, _ in world.drafts if p == who and k == "followup"])
        for day in mine:
            # follow-ups are for new meetings and need no gap; drips and check-ins do
            assert all(day - t >= drip.min_gap_days for t in touches if t < day)
            assert sum(1 for d in mine if day - 365 < d <= day) <= drip.max_per_year
            assert unanswered_at(world, who, day) < drip.max_unanswered
        drips = [(d, key) for d, k, p, key in world.drafts if p == who and k == "drip"]
        assert len({key for _, key in drips}) == len(drips)  # never an article twice
        for day, _ in drips:
            last = max(m for m in world.meetings[who] if m <= day)
            assert day - last <= drip.horizon_days
