"""Reading the config file, and writing the commented example for ``kaffe init``."""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from importlib import resources
from pathlib import Path

from kaffe.config.checks import Context
from kaffe.config.me import check_me
from kaffe.config.schema import Config
from kaffe.config.validate import build_config
from kaffe.config.zone import system_zone_name
from kaffe.errors import ConfigError, KaffeError, Problem
from kaffe.fsutil import write_private

log = logging.getLogger(__name__)

EXAMPLE_NAME = "kaffe.example.toml"
INIT_HINT = "run `kaffe init` to write a commented example"


def loads(
    text: str, source: str = "<string>", base_dir: Path | None = None, *, complete: bool = False
) -> Config:
    """Parse and validate TOML ``text``; relative paths resolve against ``base_dir``.

    ``complete``: the text is a config to run on, so ``[me]`` must say who you are
    (:mod:`kaffe.config.me`). Raises :class:`ConfigError` listing every problem,
    each located by ``source``, section and key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(source, "", "", f"invalid TOML: {exc}")]) from exc
    ctx = Context(source, base_dir if base_dir is not None else Path.cwd())
    config = build_config(data, ctx)
    if complete:
        check_me(data, config, ctx)
    if ctx.problems:
        raise ConfigError(ctx.problems)
    return config


def with_zone(config: Config) -> Config:
    """Fill in the system's zone when ``[me] timezone`` is not set, so that rules
    are handed a named zone and never look at the system. (A config built in
    memory, as tests do, keeps "": UTC.)"""
    if config.me.timezone:
        return config
    me = dataclasses.replace(config.me, timezone=system_zone_name())
    return dataclasses.replace(config, me=me)


def load(path: Path) -> Config:
    """Load and validate the config file at ``path`` (``~`` is expanded)."""
    path = Path(path).expanduser().absolute()
    text = _read(path)
    config = with_zone(loads(text, source=str(path), base_dir=path.parent, complete=True))
    log.debug("loaded config from %s", path)
    return dataclasses.replace(config, source=path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        error = ConfigError([Problem(str(path), "", "", "file not found")])
        error.hint = INIT_HINT
        raise error from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), "", "", f"cannot read the file: {exc}")]) from exc


def example_text() -> str:
    """The shipped, commented example config: kaffe's reference manual."""
    return resources.files("kaffe.config").joinpath(EXAMPLE_NAME).read_text(encoding="utf-8")


def write_example(path: Path, *, force: bool = False) -> Path:
    """Write the example config to ``path`` (parents created, mode 0600).

    Refuses to replace an existing file unless ``force`` is given.
    """
    path = Path(path).expanduser()
    if path.exists() and not force:
        raise KaffeError(
            f"{path} already exists", hint="edit it, or pass --force to overwrite it"
        )
    write_private(path, example_text())
    log.info("wrote example config to %s", path)
    return path
