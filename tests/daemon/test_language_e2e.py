"""The language of a follow-up comes from what the contact writes (issue 15), end to end:
Gmail's ``snippet`` from the emulator (format=metadata) through sync into a verdict in the
store, the text itself never stored, and `kaffe plan` saying why."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime

from kaffe.cli import main
from kaffe.config import load
from kaffe.config.paths import database_path
from kaffe.emulator import Emulator
from kaffe.store import Store
from tests.helpers import DEMO_SEED, write_config

DEMO_NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
METTE = "mette.jensen@groenenergi.dk"  # met at "Kaffemøde med Mette": Danish by the title
# A subject too short to tell; the first words (Gmail's snippet) are English.
ENGLISH_MAIL = f"""\
From: Mette Jensen <{METTE}>
To: Alex Morgan <alex@example.com>
Subject: Slides
Date: Wed, 04 Mar 2026 10:00:00 +0100
Message-ID: <mette-slides@groenenergi.dk>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi Alex, thanks for the coffee on Tuesday. Here are the slides I promised, and the
notes from our call with the supervisory board.
"""


def plan(tmp_path, seed) -> tuple[str, object]:
    with Emulator(seed) as emu:
        cfg = write_config(tmp_path, emu.url)
        assert main(["--config", str(cfg), "plan", "--now", DEMO_NOW.isoformat()]) == 0
    return cfg


def test_the_snippet_of_their_mail_decides_and_is_not_stored(tmp_path, capsys) -> None:
    seed = tmp_path / "seed"
    shutil.copytree(DEMO_SEED, seed)
    (seed / "gmail" / "inbox" / "mette-slides.eml").write_text(ENGLISH_MAIL, encoding="utf-8")
    cfg = plan(tmp_path, seed)
    out = capsys.readouterr().out
    block = out[out.index(f"followup  to {METTE}"):]
    assert block.startswith(f"followup  to {METTE} (en)")
    assert "language en: 1 of their last 1 mail is in English" in block.split("subject:")[0]
    path = database_path(load(cfg))
    with Store.open(path) as store:
        [verdict] = store.languages()[METTE]
        assert verdict.language == "en" and verdict.confidence > 0.99
        assert "supervisory" not in "".join(str(m) for m in store.messages())
    conn = sqlite3.connect(path)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert "Slides" in dump and "supervisory" not in dump  # the verdict, never the text


def test_without_mail_from_them_the_title_still_decides(tmp_path, capsys) -> None:
    plan(tmp_path, DEMO_SEED)
    out = capsys.readouterr().out
    block = out[out.index(f"followup  to {METTE}"):]
    assert block.startswith(f"followup  to {METTE} (da)")
    assert "language da: the meeting title is Danish" in block.split("subject:")[0]
