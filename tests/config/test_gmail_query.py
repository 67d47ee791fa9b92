"""A user's [gmail] query either works as in Gmail or is refused at load, located."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.config import loads
from kaffe.errors import ConfigError


@pytest.mark.parametrize(("query", "message"), [
    ("form:ana", 'not a Gmail search (operator form): "form:" is no Gmail search operator'),
    ("-{category:promotions", 'not a Gmail search: a group opened with "{" is never closed'),
    ("newer_than:2w", "not a Gmail search (operator newer_than): \"newer_than:2w\": expected"),
    ("-category:newsletter", "not a Gmail search (operator category)"),
])
def test_a_query_gmail_would_misread_is_a_located_problem(query: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        loads(f'[gmail]\nquery = "{query}"\n', source="kaffe.toml", base_dir=Path("/cfg"))
    (problem,) = info.value.problems
    assert (problem.file, problem.section, problem.key) == ("kaffe.toml", "gmail", "query")
    assert problem.message.startswith(message)


@pytest.mark.parametrize("query", [
    "", "-in:chats", "-in:chats -{category:promotions category:social}",
    "-category:forums newer_than:1y", 'has:attachment OR subject:"kaffe"',
])
def test_documented_gmail_queries_load(query: str) -> None:
    assert loads(f'[gmail]\nquery = \'{query}\'\n', source="k.toml",
                 base_dir=Path("/cfg")).gmail.query == query


def test_kaffe_refuses_to_start_with_it_and_exits_78(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[me]\naddresses = ["me@example.com"]\n\n[gmail]\nquery = "form:ana"\n')
    assert main(["--config", str(cfg), "plan"]) == 78
    err = capsys.readouterr().err
    assert f"{cfg}: [gmail] query: not a Gmail search (operator form)" in err
    assert "Traceback" not in err
