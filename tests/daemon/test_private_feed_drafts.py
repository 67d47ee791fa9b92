"""A private feed's address never reaches a draft.

The demo's contacts and meetings (emulator), with their articles coming from a
private feed on 127.0.0.1 whose address holds an api key. One entry has no link
of its own (empty, or only a ``#fragment``): feedparser resolves it to the feed's
address. Six weeks of cycles; no draft may carry the address or the key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kaffe.config import loads
from kaffe.daemon.runtime import open_runtime
from kaffe.emulator import Emulator
from kaffe.emulator.token import write_emulator_token
from kaffe.model import Draft
from tests.helpers import DEMO_SEED
from tests.servers.static import StaticServer

API_KEY = "Key5ecret3"
POSTS = "https://dataeng.example/posts/"
# The demo's Data Engineering feed as Atom; the article the demo drips first (on
# 3 April, to Ana and Johan) has no link of its own.
ENTRIES = [
    ("Five lessons from migrating a data platform to the cloud", POSTS + "lessons", "03-04",
     "What we learned moving our data platform migration off on-premise Hadoop: plan the "
     "cut-over, test lineage, keep dbt models small."),
    ("The best sourdough recipes of the season", POSTS + "sourdough", "03-06",
     "Bread, flour and patience."),
    ("Hiring senior engineers in a tight market", POSTS + "hiring", "03-13",
     "How teams are hiring senior engineers in 2026: referrals and take-home tasks."),
    ("Premier League weekend round-up", POSTS + "football", "03-21",
     "Goals, red cards and a late winner."),
    ("Data quality checks that actually catch problems", "{own_link}", "04-03",
     "A practical guide to data quality tooling: contracts, tests in dbt and alerting "
     "that people read."),
    ("Why your dbt project needs a style guide", POSTS + "dbt-style-guide", "04-08",
     "Consistent dbt models make reviews faster; here is the style guide we use."),
    ("Data platform migration: the second year", POSTS + "year-two", "04-11",
     "A year after the data platform migration: costs, team structure and what we would "
     "do differently."),
    ("Gardening tips for April", POSTS + "gardening", "04-12", "Plant potatoes, prune roses."),
]


def atom(own_link: str) -> bytes:
    """The feed, with ``own_link`` as the link of the entry that has none."""
    entries = "".join(
        f'<entry><title>{title}</title><link href="{href.format(own_link=own_link)}"/>'
        f"<id>tag:dataeng,2026:{n}</id>"
        f"<updated>2026-{day}T07:00:00Z</updated><summary>{summary}</summary></entry>\n"
        for n, (title, href, day, summary) in enumerate(ENTRIES)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>Data Engineering Weekly (private)</title>\n{entries}</feed>'
    ).encode()


CONFIG = """
[me]
name = "Alex Morgan"
addresses = ["alex@example.com"]
domains = ["example.com"]

[google]
api_endpoint = "{endpoint}"
token_file = "{data}/google-token.json"

[storage]
database = "{data}/kaffe.db"

[topics]
notes_dir = "{seed}/notes"

[[feeds]]
url = "{feed}"
"""


@pytest.fixture(params=["", "#quality"], ids=["empty-link", "fragment-link"])
def drafts(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[list[Draft], str]]:
    """Every draft of six simulated weeks, and the private feed's address."""
    documents = {"/private/feed.xml": ("application/atom+xml", atom(request.param))}
    with StaticServer(documents) as server, Emulator(DEMO_SEED) as emu:
        feed = f"{server.url}/private/feed.xml?apikey={API_KEY}"
        text = CONFIG.format(endpoint=emu.url, data=tmp_path, seed=DEMO_SEED, feed=feed)
        write_emulator_token(tmp_path / "google-token.json", emu.url)
        runtime = open_runtime(loads(text, base_dir=tmp_path))
        created: list[Draft] = []
        try:
            now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
            while now <= datetime(2026, 4, 14, tzinfo=UTC):
                report = runtime.cycle(now)
                created += [o.draft for o in report.created if o.draft is not None]
                now += timedelta(days=1)
        finally:
            runtime.close()
        yield created, server.url


def test_no_draft_carries_the_private_feeds_address(
    drafts: tuple[list[Draft], str]
) -> None:
    created, address = drafts
    drips = [d for d in created if d.key.startswith("drip:")]
    assert drips, [d.key for d in created]  # the articles were shared: the test means something
    for draft in created:
        assert API_KEY not in draft.body and address not in draft.body, (draft.key, draft.body)
    assert all(POSTS in d.body for d in drips)  # each shares an article with a link of its own
