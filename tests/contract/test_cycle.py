"""The whole cycle (sync -> plan) over the one scenario through every calendar source
and every mail source: each pair makes the same plan, with the same draft keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kaffe.daemon.runtime import Runtime
from kaffe.model import Recipient
from kaffe.store import Store
from tests.contract import backends
from tests.contract import scenario as sc

CALENDARS = ("google", "ics-url", "caldav")
MAILS = ("gmail", "imap")

# Bo's and Ida's coffees want a thank-you now; the colleague, the cancelled and the all-day
# meetings want none; Søren already had yours (mail you sent after the meeting); the
# weekly 1:1 with Henrik is a series: its past occurrences are stale, the moved one
# keeps the key of its slot in the series (Mar 2 16:00), the next one gets a prep.
EXPECTED = {
    ("followup", "followup:coffee-bo@kaffe.test", "due"),
    ("followup", "followup:kaffe-ida@kaffe.test", "due"),
    ("followup", "followup:coffee-henrik@kaffe.test@20260216T160000Z", "skipped"),
    ("followup", "followup:coffee-henrik@kaffe.test@20260223T160000Z", "skipped"),
    ("followup", "followup:coffee-henrik@kaffe.test@20260302T160000Z", "waiting"),
    ("followup", "followup:coffee-henrik@kaffe.test@20260309T160000Z", "waiting"),
    ("followup", "followup:kaffe-soren@kaffe.test", "skipped"),
    ("prep", "prep:coffee-henrik@kaffe.test@20260309T160000Z", "waiting"),
}


@pytest.fixture(scope="module")
def calendar_google(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from kaffe.emulator import Emulator
    from kaffe.emulator.token import write_emulator_token

    root = tmp_path_factory.mktemp("cycle-google")
    with Emulator(backends.google_seed(root, ["scenario"]), user_email=sc.ME,
                  clock=lambda: sc.NOW) as emu:
        write_emulator_token(root / "token.json", emu.url)
        yield backends.GoogleCalendars(emu, root / "token.json")


@pytest.fixture(scope="module")
def calendar_ics_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.servers.static import StaticServer

    with StaticServer({}) as http:
        yield backends.IcsCalendars(tmp_path_factory.mktemp("cycle-ics"), http)


@pytest.fixture(scope="module")
def calendar_caldav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.servers.radicale import RadicaleServer

    with RadicaleServer() as server:
        yield backends.CalDavCalendars(server, tmp_path_factory.mktemp("cycle-caldav"))


@pytest.fixture(scope="module")
def mail_gmail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("cycle-gmail")
    yield from backends.mailboxes(backends.GmailBox, root)


@pytest.fixture(scope="module")
def mail_imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("cycle-imap")
    yield from backends.mailboxes(backends.ImapBox, root)


def plan_of(calendars: Any, mailbox: Any, db: Path) -> dict[tuple[str, str, str], str]:
    """One dry-run cycle at the scenario's NOW: (kind, key, state) -> reason."""
    runtime = Runtime(backends.CONFIG, Store.open(db), [calendars.source("scenario")],
                      [mailbox.source()], mailbox.sink(), Recipient(sc.ME, "Ana"))
    try:
        report = runtime.cycle(sc.NOW, dry_run=True)
    finally:
        runtime.close()
    assert [(s.source, s.error, s.problems) for s in report.syncs if s.error or s.problems] == []
    assert len(report.syncs) == 2 and all(s.changed for s in report.syncs)
    return {(a.kind, a.key, a.state): a.reason for a in report.plan.actions}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, mail_imap: Any) -> dict[Any, str]:
    """The plan of the plainest pair, an ICS file and IMAP: every pair gives its reasons."""
    root = tmp_path_factory.mktemp("cycle-reference")
    return plan_of(backends.IcsCalendars(root), mail_imap.box("scenario"), root / "kaffe.db")


@pytest.mark.parametrize("mail", MAILS)
@pytest.mark.parametrize("calendar", CALENDARS)
def test_every_pair_of_sources_makes_the_same_plan(
    calendar: str, mail: str, request: pytest.FixtureRequest, tmp_path: Path,
    reference: dict[Any, str],
) -> None:
    calendars = request.getfixturevalue(f"calendar_{calendar.replace('-', '_')}")
    mailbox = request.getfixturevalue(f"mail_{mail}").box("scenario")
    plan = plan_of(calendars, mailbox, tmp_path / "kaffe.db")
    assert set(plan) == EXPECTED
    assert plan == reference  # the same reason for each action, word for word
