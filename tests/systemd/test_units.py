"""The shipped systemd units: hardened, and notify-typed so the watchdog applies."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "systemd"


def analyze(*args: str) -> str:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    result = subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                            timeout=60)
    return result.stdout + result.stderr


def test_system_unit_exposure_is_at_most_2() -> None:
    out = analyze("security", "--offline=yes", str(UNITS / "kaffe@.service"))
    (score,) = re.findall(r"Overall exposure level for \S+: ([\d.]+)", out)
    assert float(score) <= 2.0, out


@pytest.mark.parametrize("unit", ["kaffe.service", "kaffe@.service"])
def test_units_are_notify_with_watchdog_and_no_restart_on_bad_config(unit: str) -> None:
    text = (UNITS / unit).read_text()
    for line in ("Type=notify", "RestartPreventExitStatus=78", "UMask=0077"):
        assert line in text
    assert re.search(r"^WatchdogSec=\S+", text, re.M)
