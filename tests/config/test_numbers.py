"""Every number in the config is finite and bounded: TOML's nan and inf are refused."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.config import loads
from kaffe.config.schema import Config
from kaffe.config.validate import entry_class
from kaffe.errors import EX_CONFIG, ConfigError


def numeric_keys() -> list[tuple[str, bool, str, dataclasses.Field[typing.Any]]]:
    """(section, is an array of tables, key, field) for every int and float key."""
    found = []
    hints = typing.get_type_hints(Config)
    for section in dataclasses.fields(Config):
        if section.metadata.get("internal"):
            continue
        cls = entry_class(hints[section.name]) or hints[section.name]
        array = entry_class(hints[section.name]) is not None
        types = typing.get_type_hints(cls)
        found += [(section.name, array, f.name, f) for f in dataclasses.fields(cls)
                  if types[f.name] in (int, float)]
    return found


KEYS = numeric_keys()


def test_there_are_numeric_keys_to_check() -> None:
    assert len(KEYS) > 30


@pytest.mark.parametrize(("section", "array", "key", "field"), KEYS,
                         ids=[f"{s}.{k}" for s, _, k, _ in KEYS])
def test_every_numeric_key_has_both_bounds(section, array, key, field) -> None:
    assert field.metadata.get("min") is not None and field.metadata.get("max") is not None


@pytest.mark.parametrize("value", ["nan", "+nan", "inf", "-inf"])
@pytest.mark.parametrize(("section", "array", "key", "field"), KEYS,
                         ids=[f"{s}.{k}" for s, _, k, _ in KEYS])
def test_nan_and_inf_are_located_errors_for_every_numeric_key(
    section, array, key, field, value
) -> None:
    head = f"[[{section}]]" if array else f"[{section}]"
    with pytest.raises(ConfigError) as info:
        loads(f"{head}\n{key} = {value}\n", source="kaffe.toml")
    mine = [p for p in info.value.problems if (p.section, p.key) == (section, key)]
    assert mine, info.value.problems
    assert "finite" in mine[0].message or "whole number" in mine[0].message


@pytest.mark.parametrize(("line", "where"), [
    ("[followup]\ndelay_hours = nan", "[followup] delay_hours: expected a finite number, got nan"),
    ("[detect]\nweight_title = nan", "[detect] weight_title: expected a finite number, got nan"),
    ("[detect]\nthreshold = inf", "[detect] threshold: expected a finite number, got inf"),
])
def test_plan_with_nan_exits_78_with_the_location(tmp_path: Path, capsys, line, where) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[me]\nname = "Ana"\naddresses = ["ana@corp.dk"]\n{line}\n')
    assert main(["--config", str(cfg), "plan"]) == EX_CONFIG
    err = capsys.readouterr().err
    assert f"{cfg}: {where}" in err and "Traceback" not in err
