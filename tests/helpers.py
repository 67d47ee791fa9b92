"""Test helpers: a config file and token pointing kaffe at an in-process emulator."""

from __future__ import annotations

import shutil
from pathlib import Path

DEMO_SEED = Path(__file__).resolve().parent.parent / "src" / "kaffe" / "demo_seed"


def write_config(tmp: Path, emulator_url: str, extra: str = "", me: str = "") -> Path:
    """Write config.toml + an emulator token under ``tmp``; return the config path."""
    from kaffe.emulator.token import write_emulator_token

    me = me or (
        'name = "Alex Morgan"\naddresses = ["alex@example.com"]\ndomains = ["example.com"]\n'
    )
    text = (
        f"[me]\n{me}\n"
        f'[google]\napi_endpoint = "{emulator_url}"\ntoken_file = "token.json"\n\n'
        f'[storage]\ndatabase = "kaffe.db"\n\n{extra}\n'
    )
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    write_emulator_token(tmp / "token.json", emulator_url)
    return path


def seed_from(tmp: Path, *calendar_files: Path) -> Path:
    """A seed dir whose calendar/ holds copies of ``calendar_files`` (made at test time)."""
    seed = tmp / "seed"
    (seed / "calendar").mkdir(parents=True)
    for file in calendar_files:
        shutil.copy(file, seed / "calendar" / file.name)
    return seed
