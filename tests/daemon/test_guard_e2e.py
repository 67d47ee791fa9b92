"""The guard stops a draft that reads like asking for a job, and `kaffe plan` says why."""

from __future__ import annotations

from kaffe.cli import main
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config

NOW = "2026-03-06T12:00Z"
PUSHY = """Subject: Thanks, {{ contact_names | join(", ") }}

Great coffee! By the way, is there a job for me at your company?
"""


def test_a_job_asking_template_is_blocked_in_plan_and_never_drafted(tmp_path, capsys):
    templates = tmp_path / "templates" / "en"
    templates.mkdir(parents=True)
    (templates / "followup.j2").write_text(PUSHY)
    with Emulator(DEMO_SEED) as emu:
        extra = f'[templates]\ndir = "{tmp_path / "templates"}"\n'
        cfg = write_config(tmp_path, emu.url, extra)
        assert main(["--config", str(cfg), "plan", "--now", NOW]) == 0
        plan = capsys.readouterr().out
        main(["--config", str(cfg), "once", "--now", NOW])
        drafted = [d["raw"] for d in emu.drafts()]
    assert "BLOCKED" in plan and 'blocked by the guard: "is there a job for me' in plan
    assert not any(b"is there a job" in raw for raw in drafted)
    assert any("mette" in raw.decode().lower() for raw in drafted)  # Danish template is fine
