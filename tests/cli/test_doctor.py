"""``kaffe doctor`` says in words what is wrong and how to fix it."""

from __future__ import annotations

from kaffe.cli import main
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config


def test_doctor_passes_against_a_working_setup(tmp_path, capsys):
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        assert main(["--config", str(cfg), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "signed in as alex@example.com" in out
    assert "calendar google:primary: readable" in out
    assert "FAIL" not in out


def test_doctor_names_a_revoked_token_and_the_fix(tmp_path, capsys):
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        emu.revoke_refresh_token()
        assert main(["--config", str(cfg), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "invalid_grant" in out and "kaffe auth" in out


def test_doctor_without_a_token_says_run_kaffe_auth(tmp_path, capsys):
    with Emulator(DEMO_SEED) as emu:
        cfg = write_config(tmp_path, emu.url)
        (tmp_path / "token.json").unlink()
        assert main(["--config", str(cfg), "doctor"]) == 1
    assert "run `kaffe auth`" in capsys.readouterr().out


def test_doctor_lists_config_problems(tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[me]\naddresses = ["nope"]\n[detect]\nthreshold = "high"\n')
    assert main(["--config", str(cfg), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "[me] addresses" in out and "[detect] threshold" in out
