"""``kaffe doctor`` checks every calendar and mailbox and says in words what is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kaffe.cli.doctor import run_checks
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config
from tests.servers.dovecot import DovecotServer, free_port
from tests.servers.radicale import RadicaleServer, radicale_server

PASSWORD_ENV = "KAFFE_DOCTOR_TEST_PASSWORD"


def imap_entry(port: int, *, tls: str = "none", user: str = "me@example.com",
               extra: str = "") -> str:
    return (f'[[mail]]\ntype = "imap"\nname = "work"\nhost = "127.0.0.1"\nport = {port}\n'
            f'tls = "{tls}"\nusername = "{user}"\npassword_env = "{PASSWORD_ENV}"\n{extra}')


def lines(tmp_path: Path, extra: str, emulator_url: str = "http://127.0.0.1:9") -> list[str]:
    config = write_config(tmp_path, emulator_url, extra)
    return [str(check) for check in run_checks(str(config))]


def line(found: list[str], start: str) -> str:
    return next(text for text in found if text.startswith(start))


def test_an_imap_port_nobody_listens_on_is_connection_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    port = free_port()
    with Emulator(DEMO_SEED) as emu:
        found = lines(tmp_path, imap_entry(port), emu.url)
    assert line(found, "FAIL mailbox work") == (
        f"FAIL mailbox work: cannot reach 127.0.0.1:{port}: connection refused\n"
        "     fix: see `kaffe -v doctor`")
    # the other checks still ran: the calendars default to Google's
    assert "ok   calendar google:primary: readable" in found


def test_an_unset_password_variable_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with Emulator(DEMO_SEED) as emu:
        found = lines(tmp_path, imap_entry(free_port()), emu.url)
    assert f"the environment variable {PASSWORD_ENV} is not set" in line(found, "FAIL mailbox")


def test_no_google_check_when_nothing_uses_google(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    ics = tmp_path / "cal.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n")
    extra = ('[[calendars]]\ntype = "ics"\nname = "file"\nurl = "cal.ics"\n'
             + imap_entry(free_port()))
    found = lines(tmp_path, extra)
    assert not [text for text in found if text[5:].startswith("google")], found
    assert len(found) == 7  # config, free space, data folder, database, its mode, calendar, mailbox


def test_an_untrusted_certificate_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, self_signed: int
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    extra = imap_entry(self_signed, tls="ssl")
    found = lines(tmp_path, '[[calendars]]\ntype = "ics"\nname = "f"\nurl = "none.ics"\n'
                  + extra)
    assert line(found, "FAIL mailbox work").startswith(
        f"FAIL mailbox work: the certificate of 127.0.0.1:{self_signed} is not trusted: "
        "self-signed certificate")


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    with DovecotServer() as server:
        yield server


def test_imap_against_dovecot_bad_password_wrong_folder_and_ok(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: DovecotServer
) -> None:
    calendar = '[[calendars]]\ntype = "ics"\nname = "f"\nurl = "none.ics"\n'
    entry = imap_entry(dovecot.port, user=dovecot.user)
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    refused = line(lines(tmp_path, calendar + entry), "FAIL mailbox work")
    assert f"the server refused user {dovecot.user}'s password" in refused
    assert "app password" in refused  # the fix line
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    wrong = line(lines(tmp_path, calendar + entry + 'drafts_folder = "Kladder"\n'),
                 "FAIL mailbox work")
    assert wrong.startswith("FAIL mailbox work: the Drafts folder 'Kladder' does not exist: "
                            "correct drafts_folder")
    assert "Drafts" in wrong.split("fix:")[1]  # the folders that are there
    good = line(lines(tmp_path, calendar + entry), "ok   mailbox work")
    assert good == f"ok   mailbox work: logged in as {dovecot.user}; Sent: Sent, Drafts: Drafts"


def ics_entry(url: str, name: str = "web") -> str:
    return f'[[calendars]]\ntype = "ics"\nname = "{name}"\nurl = "{url}"\n'


def test_ics_calendars_readable_refused_and_unknown_host_each_get_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    (tmp_path / "cal.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n")
    port = free_port()
    extra = (ics_entry("cal.ics", "file") + ics_entry(f"http://127.0.0.1:{port}/c.ics", "closed")
             + ics_entry("https://kaffe-doctor.invalid/c.ics", "nowhere")
             + imap_entry(free_port()))
    found = lines(tmp_path, extra)
    assert "ok   calendar file: readable" in found
    assert line(found, "FAIL calendar closed").startswith(
        f"FAIL calendar closed: cannot reach 127.0.0.1:{port}: connection refused")
    assert line(found, "FAIL calendar nowhere").startswith(
        "FAIL calendar nowhere: cannot reach kaffe-doctor.invalid: name not found")


@pytest.fixture
def radicale() -> Iterator[RadicaleServer]:
    yield from radicale_server()


def caldav_entry(url: str, user: str, calendar: str = "") -> str:
    return (f'[[calendars]]\ntype = "caldav"\nname = "dav"\nurl = "{url}"\nusername = "{user}"\n'
            f'password_env = "{PASSWORD_ENV}"\ncalendar = "{calendar}"\n')


def test_caldav_against_radicale_bad_password_wrong_calendar_and_ok(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, radicale: RadicaleServer
) -> None:
    radicale.make_calendar("Work", "work")
    mail = imap_entry(free_port())
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    found = lines(tmp_path, caldav_entry(radicale.url, radicale.user) + mail)
    assert line(found, "FAIL calendar dav").startswith(
        f"FAIL calendar dav: the server refused user {radicale.user}'s password")
    monkeypatch.setenv(PASSWORD_ENV, radicale.password)
    found = lines(tmp_path, caldav_entry(radicale.url, radicale.user, "Home") + mail)
    assert 'no calendar named "Home"' in line(found, "FAIL calendar dav")
    found = lines(tmp_path, caldav_entry(radicale.url, radicale.user, "Work") + mail)
    assert "ok   calendar dav: readable" in found
