"""``[mailboxes]`` holds what every mailbox reads (window_days, invite_days); ``[gmail]``
keeps what only the Gmail API uses. The old place, ``[gmail] window_days``, still loads
with a one-line warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.config import loads
from kaffe.config.schema import GmailConfig, MailboxesConfig
from kaffe.errors import ConfigError

ME = '[me]\naddresses = ["me@example.com"]\n\n'


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        loads(text, source="k.toml", base_dir=Path("/cfg"))
    return [str(p) for p in info.value.problems]


def test_new_name_loads_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    config = loads("[mailboxes]\nwindow_days = 30\ninvite_days = 7\n")
    assert config.mailboxes == MailboxesConfig(window_days=30, invite_days=7)
    assert config.gmail == GmailConfig()
    assert caplog.records == []


def test_old_name_loads_the_same_and_warns_once_per_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    old = loads('[gmail]\nwindow_days = 30\ninvite_days = 7\nquery = ""\n', source="k.toml")
    new = loads('[mailboxes]\nwindow_days = 30\ninvite_days = 7\n[gmail]\nquery = ""\n')
    assert old == new
    assert [r.getMessage() for r in caplog.records] == [
        "k.toml: [gmail] window_days is now [mailboxes] window_days; the old place still "
        "works, but move it",
        "k.toml: [gmail] invite_days is now [mailboxes] invite_days; the old place still "
        "works, but move it",
    ]


def test_a_bad_value_at_the_old_place_is_located_where_the_file_wrote_it() -> None:
    assert _problems('[gmail]\nwindow_days = "soon"\n') == [
        'k.toml: [gmail] window_days: expected a whole number, got "soon"'
    ]


def test_a_key_at_both_places_is_a_problem() -> None:
    text = "[gmail]\ninvite_days = 7\n[mailboxes]\ninvite_days = 9\n"
    assert _problems(text) == [
        "k.toml: [gmail] invite_days: also set in [mailboxes], where it belongs now: "
        "remove it here"
    ]


@pytest.mark.parametrize(("text", "where"), [
    ("[mailboxes]\nquery = '-in:chats'\n", "[mailboxes] query: unknown key"),
    ("[gmail]\nwindow_dayz = 3\n", "[gmail] window_dayz: unknown key"),
    ("[mailbox]\nwindow_days = 3\n",
     "(top level): unknown section [mailbox] (did you mean [mailboxes]?)"),
])
def test_unknown_keys_are_located_and_exit_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(ME + text)
    assert main(["--config", str(cfg), "plan"]) == 78
    err = capsys.readouterr().err
    assert f"{cfg}: {where}" in err
    assert "Traceback" not in err


def test_old_name_in_a_file_warns_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "config.toml"
    # the unknown key stops kaffe before it opens anything; the warning is shown first
    cfg.write_text(ME + "[gmail]\nwindow_days = 30\nwindw = 1\n")
    assert main(["--config", str(cfg), "plan"]) == 78
    err = capsys.readouterr().err
    assert f"{cfg}: [gmail] window_days is now [mailboxes] window_days" in err
    assert f"{cfg}: [gmail] windw: unknown key" in err
