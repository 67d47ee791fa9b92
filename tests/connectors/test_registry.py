"""The registry builds the right connector for each [[calendars]] and [[mail]] entry."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.config import loads
from kaffe.config.schema import Config
from kaffe.connectors import registry
from kaffe.connectors.google import GoogleConnection, open_google
from kaffe.connectors.imap.drafts import ImapDraftSink
from kaffe.connectors.imap.source import ImapMailSource
from kaffe.emulator.token import write_emulator_token
from kaffe.errors import AuthError, ConnectorError

IMAP = """
[[mail]]
type = "imap"
name = "{name}"
host = "imap.example.com"
username = "me@example.com"
password_env = "KAFFE_TEST_IMAP_PASSWORD"
"""
ICS_ONLY = '[[calendars]]\ntype = "ics"\nname = "cal"\nurl = "/srv/cal.ics"\n'


@pytest.fixture
def emu() -> Iterator[Any]:
    from kaffe.emulator import Emulator

    server = Emulator(seed=None, port=0).start()
    try:
        yield server
    finally:
        server.stop()


def connect(emu: Any, tmp_path: Path, text: str = "") -> tuple[Config, GoogleConnection]:
    config = loads(f'[me]\naddresses = ["me@example.com"]\n[google]\napi_endpoint = "{emu.url}"\n'
                   + text)
    token = tmp_path / "token.json"
    write_emulator_token(token, emu.url)
    return config, open_google(config, token, sleep=lambda seconds: None)


def test_without_entries_everything_is_the_google_connection(emu: Any, tmp_path: Path) -> None:
    config, google = connect(emu, tmp_path)
    assert registry.calendar_sources(config, google=google) == google.calendars
    assert registry.mail_sources(config, google) == [google.mail]
    assert registry.draft_sink(config, google) is google.drafts
    assert registry.needs_google(config)


def test_gmail_disabled_reads_no_mail_but_still_drafts_there(emu: Any, tmp_path: Path) -> None:
    config, google = connect(emu, tmp_path, "[gmail]\nenabled = false\n")
    assert registry.mail_sources(config, google) == []
    assert registry.draft_sink(config, google) is google.drafts


def test_google_calendar_entries_share_the_connection_and_read_it(
    emu: Any, tmp_path: Path
) -> None:
    text = ('[[calendars]]\ntype = "google"\nname = "main"\n'
            '[[calendars]]\ntype = "google"\nname = "team"\ncalendar_id = "team@example.com"\n')
    config, google = connect(emu, tmp_path, text)
    main, team = registry.calendar_sources(config, google=google)
    assert main is google.calendars[0]
    assert (team.name, team.service) == ("google:team@example.com", main.service)
    window = {"window_start": datetime(2026, 1, 1, tzinfo=UTC),
              "window_end": datetime(2026, 2, 1, tzinfo=UTC)}
    assert main.sync(None, **window).full


def test_imap_entries_become_imap_sources_and_the_drafts_one_a_sink(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFFE_TEST_IMAP_PASSWORD", "s3cret")
    text = ('[me]\naddresses = ["alias@example.com"]\n' + ICS_ONLY + IMAP.format(name="a")
            + IMAP.format(name="b")
            + 'tls = "starttls"\ndrafts = true\ndrafts_folder = "Kladder"\n')
    config = loads(text)
    first, second = registry.mail_sources(config, None)
    assert isinstance(first, ImapMailSource) and first.name == "imap:a"
    account = second.account  # type: ignore[attr-defined]
    assert (account.host, account.port, account.tls) == ("imap.example.com", 143, "starttls")
    assert (account.username, account.password) == ("me@example.com", "s3cret")
    assert first.own_addresses() == ("me@example.com", "alias@example.com")
    sink = registry.draft_sink(config, None)
    assert isinstance(sink, ImapDraftSink) and sink.name == "imap:b"
    assert sink.account.drafts_folder == "Kladder"
    assert not registry.needs_google(config)


def test_a_missing_password_fails_when_the_source_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KAFFE_TEST_IMAP_PASSWORD", raising=False)
    config = loads(IMAP.format(name="a"))
    with pytest.raises(AuthError, match="KAFFE_TEST_IMAP_PASSWORD is not set"):
        registry.mail_sources(config, None)


def test_google_entries_without_a_connection_say_to_sign_in() -> None:
    config = loads('[[calendars]]\ntype = "google"\nname = "main"\n')
    assert registry.needs_google(config)
    with pytest.raises(ConnectorError) as info:
        registry.calendar_sources(config, google=None)
    assert "calendar main" in str(info.value) and "kaffe auth" in info.value.hint


def test_only_mail_or_only_calendars_configured_still_needs_google() -> None:
    assert registry.needs_google(loads(ICS_ONLY))  # mail defaults to Gmail
    assert registry.needs_google(loads(IMAP.format(name="a")))  # calendars default to Google


def test_a_connector_module_that_cannot_be_imported_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "kaffe.connectors.ics_source", None)
    with pytest.raises(ConnectorError, match='type = "ics" is not available'):
        registry.calendar_sources(loads(ICS_ONLY), google=None)


def test_ics_entries_become_ics_sources_named_by_the_entry(tmp_path: Path) -> None:
    from kaffe.connectors.ics_source import IcsCalendarSource

    (source,) = registry.calendar_sources(loads(ICS_ONLY), google=None)
    assert isinstance(source, IcsCalendarSource) and source.name == "ics:cal"


def test_caldav_entries_get_their_password_and_calendar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kaffe.connectors.caldav_source import CalDavCalendarSource

    monkeypatch.setenv("KAFFE_TEST_DAV_PASSWORD", "s3cret")
    config = loads('[[calendars]]\ntype = "caldav"\nname = "dav"\nurl = "https://dav.example/"\n'
                   'username = "me"\npassword_env = "KAFFE_TEST_DAV_PASSWORD"\ncalendar = "Work"\n')
    (source,) = registry.calendar_sources(config, google=None)
    assert isinstance(source, CalDavCalendarSource)
    assert (source.name, source.calendar) == ("caldav:dav", "Work")


def test_source_names_are_the_names_the_sources_give_themselves(tmp_path, monkeypatch) -> None:
    from kaffe.connectors.feeds.source import feed_source

    monkeypatch.setenv("KAFFE_TEST_IMAP_PASSWORD", "pw")
    text = (ICS_ONLY + IMAP.format(name="a") + '[[calendars]]\ntype = "caldav"\nname = "dav"\n'
            'url = "https://dav.example/"\nusername = "me"\n'
            'password_env = "KAFFE_TEST_IMAP_PASSWORD"\n'
            '[[feeds]]\nurl = "https://example.org/feed"\n[[feeds]]\nurl = "b.xml"\nname = "b"\n')
    config = loads(text, base_dir=tmp_path)
    sources = [*registry.calendar_sources(config, google=None),
               *registry.mail_sources(config, None)]
    names = {s.name for s in sources}
    names |= {f"feed:{feed_source(f, config.feed_options).name}" for f in config.feeds}
    names.add(f"drafts:{registry.draft_sink(config, None).name}")
    assert registry.source_names(config) == names
    assert "feed:https://example.org/feed" in names and "feed:b" in names
