"""Where kaffe keeps its files: config, data (database, token) and the runtime lock.

Functions take the environment as a mapping (default ``os.environ``) so tests
never look at the real home directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

from kaffe.config.schema import Config

APP = "kaffe"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def config_path(explicit: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """The config file: ``--config``, else ``$KAFFE_CONFIG``, else the platform's config dir."""
    if explicit is not None:
        return Path(explicit).expanduser()
    from_env = _env(env).get("KAFFE_CONFIG")
    if from_env:
        return Path(from_env).expanduser()
    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data directory: ``$KAFFE_DATA_DIR``, else the platform's user data dir."""
    from_env = _env(env).get("KAFFE_DATA_DIR")
    if from_env:
        return Path(from_env).expanduser()
    return Path(user_data_dir(APP, appauthor=False))


def database_path(cfg: Config, env: Mapping[str, str] | None = None) -> Path:
    """``[storage] database``, else ``<data dir>/kaffe.db``."""
    return cfg.storage.database or data_dir(env) / "kaffe.db"


def token_path(cfg: Config, env: Mapping[str, str] | None = None) -> Path:
    """``[google] token_file``, else ``<data dir>/google-token.json``."""
    return cfg.google.token_file or data_dir(env) / "google-token.json"


def runtime_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the instance lock lives: ``$XDG_RUNTIME_DIR/kaffe``, else the data dir."""
    runtime = _env(env).get("XDG_RUNTIME_DIR")
    return Path(runtime) / APP if runtime else data_dir(env)
