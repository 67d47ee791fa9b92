"""Loading and validating config files."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

import pytest

from kaffe.config import example_text, load, loads, write_example
from kaffe.config.schema import (
    PASSWORD_KEYS,
    CalendarEntryConfig,
    Config,
    FeedConfig,
    MailEntryConfig,
    MeConfig,
)
from kaffe.errors import ConfigError, KaffeError, Problem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "kaffe.example.toml"


def problems(text: str, source: str = "kaffe.toml") -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        loads(text, source=source, base_dir=Path("/cfg"))
    return info.value.problems


def located(text: str) -> set[tuple[str, str]]:
    return {(p.section, p.key) for p in problems(text)}


def only_message(text: str) -> str:
    (problem,) = problems(text)
    return problem.message


def test_repo_example_is_a_relative_symlink_to_the_packaged_file() -> None:
    assert EXAMPLE.is_symlink()
    assert not os.readlink(EXAMPLE).startswith("/")
    assert EXAMPLE.read_text(encoding="utf-8") == example_text()


def test_example_loads_and_matches_the_schema_defaults_except_me() -> None:
    # load() holds a file to its [me] (placeholders are errors: tests/config/test_me.py)
    config = loads(EXAMPLE.read_text(encoding="utf-8"))
    config = dataclasses.replace(config, source=EXAMPLE.absolute())
    for f in dataclasses.fields(Config):
        if f.name not in ("me", "source"):
            assert getattr(config, f.name) == getattr(Config(), f.name), f.name
    assert config.me != MeConfig()
    assert config.me.addresses == ("you@example.com",)
    assert config.source == EXAMPLE.absolute()


def commented_feeds_example(first: str = "# [[feeds]]") -> str:
    """The example's commented-out [[feeds]] entries (or others), uncommented."""
    lines = example_text().splitlines()
    start = lines.index(first)
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line.removeprefix("#").removeprefix(" "))
    return "\n".join(block)


def test_example_documents_every_section_and_key() -> None:
    data = tomllib.loads(example_text())
    for section in dataclasses.fields(Config):
        if section.name in ("source", "feeds", "calendars", "mail"):
            continue
        assert section.name in data, f"[{section.name}] missing from the example"
        for key in dataclasses.fields(getattr(Config(), section.name)):
            assert key.name in data[section.name], f"[{section.name}] {key.name} missing"


def test_example_documents_feeds_with_a_commented_entry_that_loads() -> None:
    feeds = loads(commented_feeds_example()).feeds
    assert [feed.language for feed in feeds] == ["en", "da"]
    text = tomllib.loads(commented_feeds_example())
    for key in dataclasses.fields(FeedConfig):
        assert all(key.name in entry for entry in text["feeds"]), f"[[feeds]] {key.name} missing"


def test_example_documents_calendars_and_mail_with_entries_that_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".config" / "kaffe").mkdir(parents=True)
    (tmp_path / ".config" / "kaffe" / "imap-password").write_text("app password\n")
    (tmp_path / ".config" / "kaffe" / "imap-password").chmod(0o600)
    text = commented_feeds_example("# [[calendars]]")
    config = loads(text)
    assert [c.type for c in config.calendars] == ["ics", "ics", "caldav", "google"]
    assert [(m.type, m.host, m.drafts) for m in config.mail] == [("imap", "imap.gmail.com", True)]
    data = tomllib.loads(text)
    for section, cls in (("calendars", CalendarEntryConfig), ("mail", MailEntryConfig)):
        written = {key for entry in data[section] for key in entry} | set(PASSWORD_KEYS)
        assert {f.name for f in dataclasses.fields(cls)} == written, section
    assert all(f"#   {key} " in example_text() for key in PASSWORD_KEYS)


def test_empty_config_is_all_defaults() -> None:
    assert loads("") == Config()


def test_many_problems_are_all_reported_with_file_section_and_key() -> None:
    text = """
[me]
addresses = ["me@example.com", "not an address"]
language = "english"

[google]
api_endpoint = "ftp://example.com"
num_retries = "often"

[detect]
treshold = 4
max_attendees = 2.5
require_external = "yes"

[followup]
delay_hours = 30
languages = { dk = "danish", "bad domain!" = "da" }

[foo]
x = 1
"""
    found = problems(text)
    assert {(p.section, p.key) for p in found} == {
        ("me", "addresses"),
        ("me", "language"),
        ("google", "api_endpoint"),
        ("google", "num_retries"),
        ("detect", "treshold"),
        ("detect", "max_attendees"),
        ("detect", "require_external"),
        ("followup", "delay_hours"),
        ("followup", "languages"),
        ("", ""),
    }
    assert all(p.file == "kaffe.toml" for p in found)
    rendered = str(ConfigError(found))
    assert "kaffe.toml: [google] num_retries: expected a whole number, got \"often\"" in rendered
    assert "kaffe.toml: [detect] treshold: unknown key (did you mean \"threshold\"?)" in rendered


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sharing]\nmin_gap_days = "soon"', "unknown section [sharing]"),
        ("[detcet]\nthreshold = 1", 'unknown section [detcet] (did you mean [detect]?)'),
        ('[schedule]\ninterval_minutes = "soon"', 'expected a whole number, got "soon"'),
        ("[schedule]\ninterval_minutes = 1.5", "expected a whole number, got 1.5"),
        ("[schedule]\ninterval_minutes = 0", "must be between 1 and 1440, got 0"),
        ("[detect]\nthreshold = true", "expected a number, got true"),
        ("[followup]\nenabled = 1", "expected true or false, got 1"),
        ("[followup]\ndelay_hours = 25", "must be between 0 and 24, got 25.0"),
        ('[me]\naddresses = "me@x.dk"', 'expected a list of strings like ["a", "b"], got "me@'),
        ('[me]\naddresses = ["a@b.dk", "nope"]', 'item 2: expected an e-mail address, got "nope"'),
        ('[me]\nlanguage = "dansk"', 'expected a two-letter language code like "en" or "da"'),
        ('[google]\napi_endpoint = "localhost:8765"', "expected an http:// or https:// URL"),
        ("[google]\ncalendar_ids = [\"\"]", "item 1: must not be empty"),
        ('[followup]\ncontact_languages = { "anna" = "da" }', '"anna": expected an e-mail'),
        ("[followup]\nlanguages = { dk = 3 }", "expected a table of strings"),
        ('me = "x"', 'expected a table [me], got "x"'),
        ("[detect]\nmin_minutes = 90\nmax_minutes = 60", "must not exceed max_minutes (60)"),
        ("[followup]\nmax_age_days = 0.05", "must be shorter than max_age_days (0.05 days)"),
    ],
)
def test_single_problem_messages(text: str, message: str) -> None:
    assert message in only_message(text)


def test_top_level_key_is_reported_with_the_section_it_belongs_to() -> None:
    (problem,) = problems("threshold = 3")
    assert (problem.section, problem.key) == ("", "threshold")
    assert problem.message == (
        "unknown key: settings belong in a section (did you mean to put it under [detect]?)"
    )


def test_addresses_domains_and_language_keys_are_normalised() -> None:
    config = loads("""
[me]
addresses = ["  Me@Example.COM "]
domains = ["Example.COM", ".Corp.DK"]
language = "DA"
[followup]
languages = { ".SE" = "SV" }
contact_languages = { "Anna@X.org" = "da" }
[google]
api_endpoint = "http://127.0.0.1:8765/"
""")
    assert config.me.addresses == ("me@example.com",)
    assert config.me.domains == ("example.com", "corp.dk")
    assert config.me.language == "da"
    assert config.followup.languages == {"se": "sv"}
    assert config.followup.contact_languages == {"anna@x.org": "da"}
    assert config.google.api_endpoint == "http://127.0.0.1:8765"


def test_paths_expand_home_and_resolve_against_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    config = loads(
        '[storage]\ndatabase = "state/kaffe.db"\n[google]\ntoken_file = "~/tok.json"\n'
        '[templates]\ndir = ""',
        base_dir=tmp_path / "cfg",
    )
    assert config.storage.database == tmp_path / "cfg" / "state" / "kaffe.db"
    assert config.google.token_file == home / "tok.json"
    assert config.templates.dir is None


def test_load_resolves_relative_paths_against_the_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "kaffe.toml"
    path.parent.mkdir()
    path.write_text('[me]\nname = "A"\naddresses = ["a@b.dk"]\n[templates]\ndir = "../tpl"\n',
                    encoding="utf-8")
    assert load(path).templates.dir == tmp_path / "tpl"


def test_problems_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kaffe.toml"
    path.write_text("[detect]\nthreshold = \"high\"\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value.problems[0]).startswith(f"{path}: [detect] threshold: ")


def test_missing_file_is_one_problem_with_an_init_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "nope.toml")
    assert len(info.value.problems) == 1
    assert "kaffe init" in info.value.hint


def test_invalid_toml_is_one_problem_with_line_and_column() -> None:
    (problem,) = problems("[me]\nname = \n")
    assert "invalid TOML" in problem.message
    assert "line 2" in problem.message and "column" in problem.message


def test_write_example_creates_parents_private_and_loadable(tmp_path: Path) -> None:
    path = write_example(tmp_path / "a" / "b" / "config.toml")
    assert path.stat().st_mode & 0o777 == 0o600
    assert loads(path.read_text(encoding="utf-8")).me.name == "Your Name"


def test_write_example_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(KaffeError) as info:
        write_example(path)
    assert "--force" in info.value.hint
    assert path.read_text(encoding="utf-8") == "# mine\n"
    write_example(path, force=True)
    assert path.read_text(encoding="utf-8") == example_text()
