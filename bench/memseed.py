"""Data for bench/memory.py: an emulator seed (coffee meetings, mail) and a config.

Stdlib only: the measured child imports this module too, and must not pay for
anything `kaffe run` would not import.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
ME = "me@example.com"
# The topics bench/feedserver.py writes about (kept in step by hand: this module is
# imported by the measured child, which must not import anything kaffe would not).
TOPICS = ["data platform migration", "kafka streams", "event sourcing", "dbt models",
          "postgres replication", "rust async", "python packaging", "heat pumps",
          "energy storage", "open source funding", "observability", "hiring engineers",
          "climate risk", "supply chain"]


@dataclass(frozen=True)
class Sizes:
    """How much data: contacts (one coffee meeting each), messages, feeds."""

    contacts: int = 1000
    messages: int = 10_000
    feeds: int = 20
    articles: int = 50  # per feed


def contact(i: int) -> str:
    return f"person{i}@partner{i % 97}.example"


def write_calendar_and_profile(root: Path, items: list[dict[str, object]]) -> None:
    """The seed's primary calendar with ``items``, your profile, and empty inbox and
    sent folders (``root/calendar`` must exist)."""
    body = {"kind": "calendar#events", "summary": "bench", "timeZone": "UTC", "items": items}
    (root / "calendar" / "primary.json").write_text(json.dumps(body))
    (root / "profile.json").write_text(json.dumps({"emailAddress": ME}))
    for folder in ("inbox", "sent"):
        (root / "gmail" / folder).mkdir(parents=True)


def write_seed(root: Path, sizes: Sizes, seed: int = 7) -> None:
    """Calendar events and .eml files for ``kaffe emulator --seed root``."""
    rng = random.Random(seed)
    (root / "calendar").mkdir(parents=True)
    write_calendar_and_profile(root, [_event(i, rng) for i in range(sizes.contacts)])
    for n in range(sizes.messages):
        folder = "sent" if n % 2 else "inbox"
        path = root / "gmail" / folder / f"m{n:06d}.eml"
        path.write_bytes(_message(n, rng.randrange(sizes.contacts), rng))


def _event(i: int, rng: random.Random) -> dict:
    start = NOW + timedelta(days=rng.uniform(-29, 13))
    start = start.replace(minute=0, second=0, microsecond=0)
    topics = ", ".join(rng.sample(TOPICS, 2))
    return {
        "kind": "calendar#event", "id": f"mem{i:06d}", "status": "confirmed",
        "summary": f"Coffee with Person {i}", "location": "Café Norden",
        "description": f"Topics: {topics}",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=45)).isoformat()},
        "iCalUID": f"mem{i:06d}@google.com",
        "organizer": {"email": ME, "self": True},
        "attendees": [
            {"email": ME, "self": True, "responseStatus": "accepted"},
            {"email": contact(i), "responseStatus": "accepted"},
        ],
        "eventType": "default",
    }


def _message(n: int, who: int, rng: random.Random) -> bytes:
    sent = n % 2 == 1
    frm, to = (ME, contact(who)) if sent else (contact(who), ME)
    when = NOW - timedelta(days=rng.uniform(1, 170))
    topic = rng.choice(TOPICS)
    text = (f"From: {frm}\nTo: {to}\nSubject: About {topic} ({n})\n"
            f"Date: {format_datetime(when)}\nMessage-ID: <mem{n}@bench.example>\n"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
            f"Hi,\n\nsome thoughts on {topic}.\n")
    return text.encode()


def write_config(data: Path, emulator_url: str, feed_urls: list[str]) -> Path:
    """A config for the emulator and the feeds, and its emulator token; returns its path."""
    from kaffe.emulator.token import write_emulator_token

    data.mkdir(parents=True)
    write_emulator_token(data / "token.json", emulator_url)
    feeds = "".join(f'[[feeds]]\nurl = "{url}"\nname = "feed{i}"\nlanguage = "en"\n\n'
                    for i, url in enumerate(feed_urls))
    text = (f'[me]\nname = "Me"\naddresses = ["{ME}"]\n\n'
            f'[google]\napi_endpoint = "{emulator_url}"\ntoken_file = "token.json"\n\n'
            f'[storage]\ndatabase = "kaffe.db"\n\n{feeds}'
            '[gmail]\nquota_per_minute = 100000000\nquota_share = 1\n\n'  # no pacing here
            # the first cycle drafts all that is due; capped, later cycles would too
            '[safety]\nmax_drafts_per_cycle = 1000\nmax_drafts_per_day = 10000\n')
    path = data / "config.toml"
    path.write_text(text)
    return path
