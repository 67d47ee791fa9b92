"""A Gmail first sync under Google's per-user quota: pace, units, resumption.

A 20,000-message mailbox (180 days) is synced by kaffe's daemon code
(``sync_mail`` into a store) against the emulator with its quota on: 6,000
units per user per minute, Google's figure for projects created from May 2026
(developers.google.com/workspace/gmail/api/reference/quota). Rows: batches that
failed, units per minute (peak in any sliding minute, and mean) against the
limit, units per 10,000 messages against today's 50,101 and against today's
method on the same mailbox, and the share re-read after a kill halfway.

Time is simulated, not waited: one clock is read by the emulator's quota and by
kaffe's token bucket, and it moves only when kaffe sleeps (its pacing and retry
waits go to the same clock). Requests themselves take no simulated time, which
is the worst case for the quota (an infinitely fast network). The kill is
simulated too: right after the chunk that takes the sync past half is committed,
the process "dies" (an exception nothing catches); a real SIGKILL can also land
inside a chunk's transaction, which at most re-reads that one chunk (50 messages).

The mailbox (:func:`mailbox`), with its sources:

* Human vs machine mail: Yahoo Research found machines write 90% of mail
  traffic (research.yahoo.com, "Adapting to the Evolution of Email with
  Machine-Generated Mail Mining", 2017). kaffe's user arranges meetings at work,
  so the bench takes 75% machine mail: less than Yahoo's figure, which gives the
  tab skipping less to skip (the conservative side).
* Machine mail by tab: Return Path, "The Email Marketer's Guide to Gmail
  Categories" (2017; 6 billion messages to Gmail users, October 2016): 68%
  Promotions, 22% Updates. The remaining 10% is split 6% Social, 4% Forums (no
  published split; an assumption). Machine mail is one message a thread.
* Human conversations: thread sizes from Klimt & Yang, "The Enron Corpus: A New
  Dataset for Email Classification Research" (ECML 2004): of 200,399 messages,
  76,898 in no thread; threads of 2: 16,736, 3: 4,782, 4: 3,049, 5: 1,282,
  6: 879, 7: 903, 8: 378, 9: 214, 10: 178, 11-20: 1,260, over 20: 430 (drawn as
  15 and 25). Every other message of a conversation is yours (SENT).
* Invitations: one human conversation in 100 opens with a text/calendar
  invitation, and some arrive in Promotions (an event platform acting for a
  person), both newer and older than ``invite_days``. kaffe counts a message
  in a tab as bulk (never a contact) but reads its invitation all the same
  (issue 13 item 1): the row compares with reading every tab, which finds no more.
* A person's mail misfiled in Promotions (Gmail's classifier errs: Return Path
  reports 9.2% of users see misclassified mail; no rate per message is
  published): 0.5% of the human conversations, half of them answered.

Run by hand: ``.venv/bin/python bench/quota.py [--messages 20000]``; wired into
bench/all.py as "quota".
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.table import Row, print_table  # noqa: E402
from kaffe.config.schema import (  # noqa: E402
    Config,
    GmailConfig,
    GoogleConfig,
    MailboxesConfig,
    MeConfig,
)
from kaffe.connectors.google import gmail_source, open_google  # noqa: E402
from kaffe.connectors.google.pacing import bucket_for  # noqa: E402
from kaffe.daemon import firstsync  # noqa: E402
from kaffe.daemon.sync import sync_mail  # noqa: E402
from kaffe.emulator import Emulator  # noqa: E402
from kaffe.emulator.token import write_emulator_token  # noqa: E402
from kaffe.store import Store  # noqa: E402

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
ME = "me@example.com"
LIMIT = 6000  # Google's per-user quota, units a minute
TODAY = 50_101  # units per 10,000 messages of kaffe's first sync before (bench/RESULTS.md)
MACHINE = 0.75
TABS = (("promotions", 0.68), ("updates", 0.22), ("social", 0.06), ("forums", 0.04))
THREADS = ((1, 76_898), (2, 16_736), (3, 4_782), (4, 3_049), (5, 1_282), (6, 879), (7, 903),
           (8, 378), (9, 214), (10, 178), (15, 1_260), (25, 430))
INVITE_EVERY = 100
MISFILED_EVERY = 200


class SimClock:
    """Simulated seconds: they pass only when someone sleeps."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)


@dataclass
class Mailbox:
    """What was delivered, for the checks: invitation subjects and persons' mail."""

    messages: int = 0
    invitations_readable: set[str] = field(default_factory=set)  # UIDs kaffe must find
    invitations_in_tabs: set[str] = field(default_factory=set)  # of those, in Promotions
    misfiled_answered: set[str] = field(default_factory=set)  # their Message-IDs
    misfiled_unanswered: set[str] = field(default_factory=set)


def _ics(uid: str, start: datetime, organizer: str) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nMETHOD:REQUEST\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{NOW:{stamp}}\r\n"
            f"DTSTART:{start:{stamp}}\r\nDTEND:{start + timedelta(hours=1):{stamp}}\r\n"
            f"SUMMARY:Coffee {uid}\r\nORGANIZER:mailto:{organizer}\r\n"
            f"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{ME}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def _mail(sender: str, to: str, subject: str, when: datetime, msgid: str, *,
          refs: str = "", extra: str = "", ics: str = "") -> bytes:
    head = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\nMessage-ID: {msgid}\r\n{extra}")
    if refs:
        head += f"In-Reply-To: {refs.split()[-1]}\r\nReferences: {refs}\r\n"
    if not ics:
        return (head + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                "Hello.\r\n").encode()
    return (head + 'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"'
            "\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJoin me.\r\n"
            '--b\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n'
            f"{ics}--b--\r\n").encode()


def mailbox(emu: Emulator, total: int, invite_days: int, seed: int = 7) -> Mailbox:
    """Deliver about ``total`` messages shaped as the module doc says."""
    rng = random.Random(seed)
    box = Mailbox()
    machine = int(total * MACHINE)
    for n in range(machine):
        tab = rng.choices([t for t, _ in TABS], [w for _, w in TABS])[0]
        when = NOW - timedelta(days=rng.uniform(0, 179))
        extra = ("List-Id: <news.list.example>\r\n" if tab == "forums"
                 else "List-Unsubscribe: <mailto:u@shop.example>\r\n")
        raw = _mail(f"Shop {n % 300} <no-reply@shop{n % 300}.example>", ME, f"Offer {n}",
                    when, f"<m{n}@shop.example>", extra=extra)
        emu.add_message(raw, ["INBOX", f"CATEGORY_{tab.upper()}"])
    box.messages = machine
    conv = 0
    sizes, weights = [s for s, _ in THREADS], [w for _, w in THREADS]
    while box.messages < total:
        size = min(rng.choices(sizes, weights)[0], total - box.messages)
        person = f"person{conv % 997}@partner{conv % 89}.example"
        start = NOW - timedelta(days=rng.uniform(1, 179))
        ics = ""
        label = "CATEGORY_PERSONAL"
        if conv % INVITE_EVERY == 0:
            uid = f"inv{conv}"
            ics = _ics(uid, NOW + timedelta(days=rng.randint(2, 10)), person)  # in look-ahead
            if conv % (INVITE_EVERY * 3) == 0:
                label = "CATEGORY_PROMOTIONS"  # a platform's invitation lands in Promotions
            if NOW - start <= timedelta(days=invite_days):
                box.invitations_readable.add(uid)
                if label == "CATEGORY_PROMOTIONS":
                    box.invitations_in_tabs.add(uid)
        elif conv % MISFILED_EVERY == 1 and NOW - start > timedelta(days=invite_days):
            label = "CATEGORY_PROMOTIONS"
            first = f"<c{conv}.0@them.example>"
            (box.misfiled_answered if size > 1 else box.misfiled_unanswered).add(first)
        refs = ""
        for k in range(size):
            mine = k % 2 == 1
            msgid = f"<c{conv}.{k}@{'me' if mine else 'them'}.example>"
            when = start + timedelta(hours=k * rng.uniform(1, 30))
            raw = _mail(ME if mine else f"P {conv} <{person}>", person if mine else ME,
                        ("Re: " if k else "") + f"Meeting {conv}", min(when, NOW), msgid,
                        refs=refs, ics=ics if k == 0 else "")
            emu.add_message(raw, ["SENT"] if mine else ["INBOX", label])
            refs = f"{refs} {msgid}".strip()
        box.messages += size
        conv += 1
    return box


@dataclass
class Run:
    """One first sync: units, simulated minutes, refusals, what it stored."""

    units: int = 0
    minutes: float = 0.0
    peak: int = 0
    refused: int = 0
    failed_batches: int = 0
    stored: int = 0
    listed: int = 0
    invitations: set[str] = field(default_factory=set)
    message_ids: set[str] = field(default_factory=set)  # RFC Message-IDs stored
    fetched: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _FailedBatches(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "put back for the next cycle" in record.getMessage():
            self.count += 1


def _config(emu: Emulator, tabs: bool) -> Config:
    gmail = GmailConfig(quota_per_minute=LIMIT, **({} if tabs else {"skip_tabs": ()}))
    return Config(me=MeConfig(addresses=(ME,)), gmail=gmail,
                  mailboxes=MailboxesConfig(window_days=180),
                  google=GoogleConfig(api_endpoint=emu.url, num_retries=5))


def _source(emu: Emulator, config: Config, token: Path, clock: SimClock, paced: bool) -> Any:
    source = open_google(config, token, sleep=clock.sleep).mail
    source.bucket = (bucket_for(config.gmail.quota_per_minute, config.gmail.quota_share,
                                clock=clock.now, sleep=clock.sleep) if paced else None)
    return source


def _fetched(emu: Emulator) -> list[str]:
    prefix = "/gmail/v1/users/me/messages/"
    found = [r["path"][len(prefix):] for r in emu.requests()
             if r["path"].startswith(prefix) and r["query"].get("format") == ["metadata"]
             and r["status"] == 200]
    threads = {r["path"].rsplit("/", 1)[1] for r in emu.requests()
               if "/threads/" in r["path"] and r["status"] == 200}
    with emu.gmail.lock:
        found += [m.id for m in emu.gmail.messages.values() if m.thread_id in threads]
    return found


@contextmanager
def _dies_after(chunks: int) -> Iterator[None]:
    """The process dies right after ``chunks`` chunks were committed."""
    real = firstsync.StoreCheckpoint.save
    done = {"n": 0}

    def save(self: firstsync.StoreCheckpoint, part: Any, progress: Any) -> None:
        real(self, part, progress)
        done["n"] += 1
        if done["n"] >= chunks:
            raise _Killed

    firstsync.StoreCheckpoint.save = save  # type: ignore[method-assign]
    try:
        yield
    finally:
        firstsync.StoreCheckpoint.save = real  # type: ignore[method-assign]


class _Killed(BaseException):
    pass


def first_sync(emu: Emulator, tmp: Path, clock: SimClock, *, quota: bool, tabs: bool,
               paced: bool, store: Store | None = None, die_after: int = 0) -> Run:
    """One first sync into ``store`` (a new one unless given); see the module doc."""
    config = _config(emu, tabs)
    token = tmp / "token.json"
    write_emulator_token(token, emu.url)
    emu.set_quota(LIMIT if quota else 0)
    emu.clear_requests()
    counter = _FailedBatches()
    logging.getLogger("kaffe").addHandler(counter)
    own = store is None
    store = store or Store.open(tmp / f"kaffe-{time.monotonic_ns()}.db")
    run = Run()
    began, wall = clock.now(), time.perf_counter()
    try:
        source = _source(emu, config, token, clock, paced)
        if die_after:
            with _dies_after(die_after):
                try:
                    sync_mail(store, source, NOW, config)
                except _Killed:
                    pass
        else:
            sync_mail(store, source, NOW, config)
        run.units = source.last_cost.units
    finally:
        logging.getLogger("kaffe").removeHandler(counter)
    stats = emu.quota_stats()
    run.seconds = time.perf_counter() - wall
    run.minutes = (clock.now() - began) / 60
    run.peak, run.refused, run.failed_batches = stats["peak"], stats["refused"], counter.count
    run.units = run.units or stats["total"]
    run.stored = store.message_count("gmail")
    run.invitations = {e.uid for e in store.events() if e.uid.startswith("inv")}
    run.message_ids = {m.message_id for m in store.messages(account="gmail")}
    run.fetched = _fetched(emu)
    if own:
        store.close()
    return run


def measure(total: int) -> list[Row]:
    """Every row of this bench for a mailbox of ``total`` messages."""
    clock = SimClock()
    invite_days = MailboxesConfig().invite_days
    with tempfile.TemporaryDirectory(prefix="kaffe-quota-") as name, \
            Emulator(clock=lambda: NOW, user_email=ME, quota_clock=clock.now) as emu:
        tmp = Path(name)
        box = mailbox(emu, total, invite_days)
        paced = first_sync(emu, tmp, clock, quota=True, tabs=True, paced=True)
        old_min = gmail_source.THREAD_MIN
        gmail_source.THREAD_MIN = 10**9  # today's method: one messages.get per message
        try:
            today = first_sync(emu, tmp, clock, quota=False, tabs=False, paced=False)
        finally:
            gmail_source.THREAD_MIN = old_min
        with Store.open(tmp / "killed.db") as store:
            plan_chunks = _chunks_for(paced)
            killed = first_sync(emu, tmp, clock, quota=True, tabs=True, paced=True, store=store,
                                die_after=plan_chunks // 2)
            kept = {m.id for m in store.messages(account="gmail")}
            resumed = first_sync(emu, tmp, clock, quota=True, tabs=True, paced=True, store=store)
    return rows(total, box, paced, today, killed, kept, resumed)


def _chunks_for(run: Run) -> int:
    """About how many chunks a first sync of ``run``'s size has (50 messages each)."""
    return max(2, run.stored // 50)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def rows(total: int, box: Mailbox, paced: Run, today: Run, killed: Run, kept: set[str],
         resumed: Run) -> list[Row]:
    """The table rows (see bench/table.py)."""
    sec = f"gmail quota ({total:,} msgs)"
    per10k = paced.units * 10_000 / total
    today10k = today.units * 10_000 / total
    mean = paced.units / paced.minutes if paced.minutes >= 1 else float(paced.units)
    reread = len(set(resumed.fetched) & kept) / len(kept) if kept else 0.0
    lost_invites = today.invitations - paced.invitations
    return [
        (sec, "failed batches (quota on, 6,000/min)", _n(paced.failed_batches), "—", "—",
         "0", "yes" if paced.failed_batches == 0 else "no"),
        (sec, "calls refused by the quota", _n(paced.refused), "—", "—", "0",
         "yes" if paced.refused == 0 else "no"),
        (sec, "units/min, peak in any minute", _n(paced.peak), _n(LIMIT), "—",
         f"<= {LIMIT:,}", "yes" if paced.peak <= LIMIT else "no"),
        (sec, "units/min, mean", _n(mean), _n(LIMIT), "—", f"<= {LIMIT:,}",
         "yes" if mean <= LIMIT else "no"),
        (sec, "first sync, simulated minutes", f"{paced.minutes:.1f}", "—", "—", "—", "—"),
        (sec, "units per 10,000 msgs", _n(per10k), f"{today10k:,.0f} (today's method)",
         f"{today10k / per10k:.2f}x" if per10k else "—", f"<= {0.6 * TODAY:,.0f} (60%)",
         "yes" if per10k <= 0.6 * TODAY else "no"),
        (sec, "units per 10,000 msgs vs 50,101", f"{per10k / TODAY:.0%}", "100%", "—", "<= 60%",
         "yes" if per10k <= 0.6 * TODAY else "no"),
        (sec, f"invitations found ({len(box.invitations_readable)} sent, "
         f"{len(box.invitations_in_tabs)} of them in Promotions)",
         f"{len(paced.invitations)}", f"{len(today.invitations)} (all tabs)", "—",
         "none lost", "yes" if not lost_invites else "no"),
        (sec, "person's mail misfiled in Promotions, answered: stored",
         f"{len(box.misfiled_answered & paced.message_ids)} of {len(box.misfiled_answered)}",
         f"{len(box.misfiled_answered & today.message_ids)} (all tabs)", "—", "all",
         "yes" if box.misfiled_answered <= paced.message_ids else "no"),
        (sec, "... never answered, older than invite_days: stored",
         f"{len(box.misfiled_unanswered & paced.message_ids)} of "
         f"{len(box.misfiled_unanswered)}",
         f"{len(box.misfiled_unanswered & today.message_ids)} (all tabs)", "—",
         "— (not read: see README)", "—"),
        (sec, "re-read after a kill halfway", f"{reread:.1%}",
         f"{len(kept):,} stored before the kill", "—", "< 10%",
         "yes" if reread < 0.10 else "no"),
        (sec, "resumed sync: failed batches / refused", f"{resumed.failed_batches} / "
         f"{resumed.refused}", "—", "—", "0 / 0",
         "yes" if resumed.failed_batches == resumed.refused == 0 else "no"),
        (sec, "wall time of the paced sync (real)", f"{paced.seconds:.1f} s", "—", "—", "—",
         "—"),
    ]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    print_table(measure(args.messages), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
