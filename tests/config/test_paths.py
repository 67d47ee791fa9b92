"""Where kaffe looks for its files; the environment is always passed in."""

from __future__ import annotations

from pathlib import Path

from kaffe.config import loads, paths
from kaffe.config.schema import Config


def test_explicit_config_wins_over_env() -> None:
    env = {"KAFFE_CONFIG": "/env/kaffe.toml"}
    assert paths.config_path(Path("/cli/kaffe.toml"), env) == Path("/cli/kaffe.toml")


def test_env_config_wins_over_platform_default() -> None:
    assert paths.config_path(None, {"KAFFE_CONFIG": "/env/k.toml"}) == Path("/env/k.toml")


def test_platform_default_config_path() -> None:
    path = paths.config_path(None, {})
    assert path.name == "config.toml"
    assert path.parent.name == "kaffe"


def test_config_path_expands_home(monkeypatch) -> None:
    monkeypatch.setenv("HOME", "/home/tester")
    assert paths.config_path(None, {"KAFFE_CONFIG": "~/k.toml"}) == Path("/home/tester/k.toml")


def test_data_dir_env_override_and_default() -> None:
    assert paths.data_dir({"KAFFE_DATA_DIR": "/data/k"}) == Path("/data/k")
    assert paths.data_dir({}).name == "kaffe"


def test_database_and_token_default_into_the_data_dir() -> None:
    env = {"KAFFE_DATA_DIR": "/data/k"}
    assert paths.database_path(Config(), env) == Path("/data/k/kaffe.db")
    assert paths.token_path(Config(), env) == Path("/data/k/google-token.json")


def test_configured_database_and_token_win(tmp_path: Path) -> None:
    config = loads('[storage]\ndatabase = "db/k.db"\n[google]\ntoken_file = "t.json"',
                   base_dir=tmp_path)
    env = {"KAFFE_DATA_DIR": "/data/k"}
    assert paths.database_path(config, env) == tmp_path / "db" / "k.db"
    assert paths.token_path(config, env) == tmp_path / "t.json"


def test_runtime_dir_prefers_xdg_runtime_dir() -> None:
    env = {"XDG_RUNTIME_DIR": "/run/user/1000", "KAFFE_DATA_DIR": "/data/k"}
    assert paths.runtime_dir(env) == Path("/run/user/1000/kaffe")
    assert paths.runtime_dir({"KAFFE_DATA_DIR": "/data/k"}) == Path("/data/k")
