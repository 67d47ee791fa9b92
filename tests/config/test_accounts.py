"""[[calendars]] and [[mail]]: per-type keys, password sources, defaults, located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaffe.config import loads
from kaffe.config.accounts import drafts_entry, effective_calendars, effective_mail, reads_mail
from kaffe.config.schema import CalendarEntryConfig, MailEntryConfig
from kaffe.errors import ConfigError

IMAP = """
[[mail]]
type = "imap"
name = "work"
host = "imap.example.com"
username = "me@example.com"
password_env = "KAFFE_IMAP_PASSWORD"
"""


def rendered(text: str, base_dir: Path = Path("/cfg")) -> list[str]:
    with pytest.raises(ConfigError) as info:
        loads(text, source="kaffe.toml", base_dir=base_dir)
    return [str(problem) for problem in info.value.problems]


def test_calendars_of_every_type_load_with_defaults(tmp_path: Path) -> None:
    secret = tmp_path / "dav-password"
    secret.write_text("pw\n")
    secret.chmod(0o600)
    config = loads(f"""
[[calendars]]
type = "google"
name = "main"

[[calendars]]
type = "ics"
name = "outlook"
url = "cal/outlook.ics"

[[calendars]]
type = "caldav"
name = "fastmail"
url = "https://caldav.fastmail.com/dav/"
username = "me@fastmail.com"
password_file = "{secret}"
calendar = "Work"
""", base_dir=tmp_path)
    google, ics, caldav = config.calendars
    assert google == CalendarEntryConfig(type="google", name="main", calendar_id="primary")
    assert ics.url == str(tmp_path / "cal" / "outlook.ics")
    assert caldav.password_file == secret and caldav.calendar == "Work"
    assert effective_calendars(config) == config.calendars


def test_imap_entry_fills_port_for_starttls_and_address_from_the_user_name() -> None:
    (ssl,) = loads(IMAP).mail
    assert (ssl.port, ssl.tls, ssl.address, ssl.drafts) == (993, "ssl", "me@example.com", True)
    (plain,) = loads(IMAP + 'tls = "starttls"\n').mail
    assert plain.port == 143
    (explicit,) = loads(IMAP + 'tls = "starttls"\nport = 1143\naddress = "Me@Example.COM"\n').mail
    assert (explicit.port, explicit.address) == (1143, "me@example.com")


def test_without_entries_the_google_settings_are_the_calendars_and_mailbox() -> None:
    config = loads('[google]\ncalendar_ids = ["primary", "team@example.com"]\n')
    assert config.calendars == () and config.mail == ()
    assert [c.calendar_id for c in effective_calendars(config)] == ["primary", "team@example.com"]
    assert [c.name for c in effective_calendars(config)] == ["google:primary",
                                                             "google:team@example.com"]
    (gmail,) = effective_mail(config)
    assert (gmail.type, gmail.drafts) == ("google", True)
    assert reads_mail(gmail, config)
    assert not reads_mail(gmail, loads("[gmail]\nenabled = false\n"))


def test_the_first_mailbox_receives_drafts_unless_another_says_so() -> None:
    second = IMAP.replace('"work"', '"home"')
    config = loads(IMAP + second)
    assert [m.drafts for m in config.mail] == [True, False]
    config = loads(IMAP + second + "drafts = true\n")
    assert [m.drafts for m in config.mail] == [False, True]
    assert drafts_entry(config).name == "home"


def test_inline_password_is_refused_with_the_three_alternatives() -> None:
    (problem,) = rendered(IMAP + 'password = "hunter2"\n')
    assert problem.startswith("kaffe.toml: [mail][1] password: inline passwords are not allowed")
    assert "password_file" in problem and "password_env" in problem
    assert "password_keyring" in problem and "hunter2" not in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[calendars]]\nname = "x"\nurl = "https://a.example/c.ics"\n',
         '[calendars][1] type: missing: set type to one of "google", "ics", "caldav"'),
        ('[[calendars]]\ntype = "webcal"\nname = "x"\n',
         '[calendars][1] type: expected one of "google", "ics", "caldav", got "webcal"'),
        ('[[calendars]]\ntype = "ics"\n\n[[calendars]]\ntype = "ics"\nname = "b"\n'
         'url = "ftp://a.example/c.ics"\n',
         "[calendars][1] name: missing: every [[calendars]] entry needs a name"),
        ('[[calendars]]\ntype = "ics"\nname = "b"\n', '[calendars][1] url: missing: type = "ics"'),
        ('[[calendars]]\ntype = "ics"\nname = "b"\nurl = "https://a.example/c.ics"\n'
         'username = "me"\n', '[calendars][1] username: not used by type = "ics"'),
        ('[[calendars]]\ntype = "caldav"\nname = "d"\nurl = "dav.example.com"\nusername = "me"\n'
         'password_env = "P"\n', "[calendars][1] url: expected an http:// or https:// URL"),
        ('[[calendars]]\ntype = "caldav"\nname = "d"\nurl = "https://dav.example.com/"\n'
         'username = "me"\n', "[calendars][1] password_file: missing: a password is needed"),
        (IMAP + 'password_keyring = "kaffe:me"\n',
         "[mail][1] password_keyring: only one password source may be set, and password_env"),
        (IMAP + 'tls = "none"\n', '[mail][1] tls: "none" would send your password unencrypted'),
        (IMAP + 'tls = "tls"\n', '[mail][1] tls: expected one of "ssl", "starttls", "none"'),
        (IMAP + "port = 70000\n", "[mail][1] port: must be between 1 and 65535"),
        (IMAP.replace('"KAFFE_IMAP_PASSWORD"', '"$PW"'),
         "[mail][1] password_env: expected the name of an environment variable"),
        (IMAP.replace('password_env = "KAFFE_IMAP_PASSWORD"', 'password_keyring = "kaffe"'),
         '[mail][1] password_keyring: expected "service:username"'),
        (IMAP.replace('host = "imap.example.com"\n', ""),
         '[mail][1] host: missing: type = "imap" needs a host'),
        ('[[mail]]\ntype = "google"\nname = "g"\nhost = "imap.gmail.com"\n',
         '[mail][1] host: not used by type = "google"'),
        (IMAP + IMAP, '[mail][2] name: "work" is already used by [[mail]] entry 1'),
        ('[[mail]]\ntype = "google"\nname = "a"\n[[mail]]\ntype = "google"\nname = "b"\n',
         '[mail][2] type: only one [[mail]] entry may be type = "google"'),
        (IMAP + "drafts = true\n" + IMAP.replace('"work"', '"b"') + "drafts = true\n",
         "[mail][2] drafts: only one [[mail]] entry receives drafts"),
        ('[[calendars]]\ntype = "google"\nname = "a"\n[[calendars]]\ntype = "google"\n'
         'name = "b"\ncalendar_id = "primary"\n',
         '[calendars][2] calendar_id: "primary" is already read by [[calendars]] entry 1'),
    ],
)
def test_problems_are_located_at_the_entry_and_key(text: str, expected: str) -> None:
    problems = rendered(text)
    assert any(expected in p for p in problems), problems


def test_tls_none_is_allowed_for_localhost() -> None:
    text = IMAP.replace("imap.example.com", "127.0.0.1") + 'tls = "none"\n'
    (entry,) = loads(text).mail
    assert (entry.tls, entry.port) == ("none", 143)


def test_a_missing_password_file_is_a_problem(tmp_path: Path) -> None:
    text = IMAP.replace('password_env = "KAFFE_IMAP_PASSWORD"', 'password_file = "nope.txt"')
    (problem,) = rendered(text, base_dir=tmp_path)
    assert f"[mail][1] password_file: {tmp_path / 'nope.txt'} does not exist" in problem


def test_a_password_file_others_may_read_is_refused_as_ssh_does(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("hunter2\n")
    text = IMAP.replace('password_env = "KAFFE_IMAP_PASSWORD"', 'password_file = "pw"')
    for mode in (0o644, 0o640, 0o604):
        secret.chmod(mode)
        (problem,) = rendered(text, base_dir=tmp_path)
        assert problem == (f"kaffe.toml: [mail][1] password_file: {secret} may be read by "
                           f"others (mode {mode:04o}): run `chmod 600 {secret}`")
    secret.chmod(0o400)
    (entry,) = loads(text, base_dir=tmp_path).mail
    assert entry.password_file == secret


def test_a_folder_as_password_file_is_a_located_problem(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir(mode=0o700)
    text = IMAP.replace('password_env = "KAFFE_IMAP_PASSWORD"', 'password_file = "secrets"')
    (problem,) = rendered(text, base_dir=tmp_path)
    assert problem == (f"kaffe.toml: [mail][1] password_file: {tmp_path / 'secrets'} is a "
                       "folder: name the file that holds the password")


def test_every_problem_of_several_entries_is_reported_together() -> None:
    text = '[[calendars]]\ntype = "ics"\n[[mail]]\ntype = "imap"\nname = "m"\n'
    wheres = {p.split(": ")[1] for p in rendered(text)}
    assert {"[calendars][1] name", "[calendars][1] url", "[mail][1] host",
            "[mail][1] username", "[mail][1] password_file"} <= wheres


def test_mail_entry_defaults() -> None:
    assert MailEntryConfig().port == 993 and MailEntryConfig().tls == "ssl"


@pytest.mark.parametrize("url", [
    "webcal://p01-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1Njc4OTA",
    "WEBCALS://calendar.example/team.ics",
])
def test_webcal_addresses_are_accepted_for_ics_calendars(url: str) -> None:
    (entry,) = loads(f'[[calendars]]\ntype = "ics"\nname = "icloud"\nurl = "{url}"\n').calendars
    assert entry.url == url  # the ICS source reads it over https://


SECRET_URL = ("webcal://ana:Pw5ecret@calendar.example/calendar/ical/ana%40x.example/"
              "private-5ec0123456789abc/basic.ics?token=Tok5ecret")


@pytest.mark.parametrize("text", [
    f'[[calendars]]\ntype = "caldav"\nname = "d"\nurl = "{SECRET_URL}"\nusername = "me"\n'
    'password_env = "P"\n',
    f'[[feeds]]\nurl = "{SECRET_URL}"\n',
    f'[[calendars]]\ntype = "ics"\nname = "c"\nurl = "{SECRET_URL.replace("webcal", "ftp")}"\n',
])
def test_a_url_in_a_config_error_has_its_secrets_redacted(text: str) -> None:
    problems = rendered(text)
    assert any("url: expected" in p and "calendar.example" in p for p in problems), problems
    for secret in ("Pw5ecret", "5ec0123456789abc", "Tok5ecret", "ana%40x"):
        assert not any(secret in p for p in problems), problems


def test_plan_with_a_password_file_others_may_read_exits_78(tmp_path: Path, capsys) -> None:
    from kaffe.cli import main

    secret = tmp_path / "pw"
    secret.write_text("hunter2\n")
    secret.chmod(0o644)
    cfg = tmp_path / "config.toml"
    cfg.write_text('[me]\nname = "Me"\n' + IMAP.replace(
        'password_env = "KAFFE_IMAP_PASSWORD"', 'password_file = "pw"'))
    assert main(["--config", str(cfg), "plan"]) == 78
    err = capsys.readouterr().err
    assert f"{cfg}: [mail][1] password_file: {secret} may be read by others" in err
    assert f"chmod 600 {secret}" in err and "hunter2" not in err
