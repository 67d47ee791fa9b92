"""A draft that Gmail keeps refusing is tried MAX_ATTEMPTS times, then given up on:
an ERROR naming it, `kaffe status` listing it, and no more attempts (the emulator)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.daemon.executor import MAX_ATTEMPTS
from kaffe.emulator import Emulator
from tests.daemon.test_backends_e2e import ME, NOW, SCENARIO, google_event
from tests.helpers import write_config

KEY = "followup:coffee-bo@kaffe.test"


def test_a_draft_gmail_keeps_refusing_is_given_up(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # `kaffe` logs to the stderr it finds (capsys's here): put the root handlers back
    # afterwards, or later tests log into a closed stream.
    monkeypatch.setattr(logging.getLogger(), "handlers", list(logging.getLogger().handlers))
    seed = tmp_path / "seed"
    (seed / "calendar").mkdir(parents=True)
    (seed / "calendar" / "primary.json").write_text(json.dumps([google_event(SCENARIO[0])]))
    with Emulator(seed, user_email=ME) as emu:
        cfg = write_config(tmp_path, emu.url, me=f'name = "Ana"\naddresses = ["{ME}"]\n')
        emu.inject(400, count=MAX_ATTEMPTS, path_contains="/drafts", method="POST")
        for hour in range(MAX_ATTEMPTS):
            now = (NOW + timedelta(hours=hour)).isoformat()
            assert main(["--config", str(cfg), "once", "--now", now]) == 1
        emu.clear_requests()
        later = (NOW + timedelta(days=1)).isoformat()
        main(["--config", str(cfg), "once", "--now", later])
        assert not any(r.get("api") == "gmail.users.drafts.create" for r in emu.requests())
        assert emu.drafts() == []
    errors = [line for line in capsys.readouterr().err.splitlines() if " ERROR " in line]
    assert len(errors) == 1
    assert f"gave up on the followup draft {KEY} after {MAX_ATTEMPTS} failed" in errors[0]
    assert main(["--config", str(cfg), "status"]) == 0
    out = capsys.readouterr().out
    assert "drafts given up on: 1" in out
    assert f"GIVEN UP: followup {KEY}" in out and "HTTP 400" in out
