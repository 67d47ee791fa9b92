"""The systemd units, as shipped and as `kaffe service install` writes them: `systemd-analyze
verify` finds nothing, the template's exposure is at most 2.0, notify-typed with a watchdog.

These fail (never skip) without systemd-analyze: `make servers` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kaffe.cli import service

UNITS = Path(__file__).resolve().parents[2] / "systemd"
NAMES = ["kaffe.service", "kaffe@.service"]
VENV_KAFFE = Path(sys.executable).parent / "kaffe"  # the console script `pip install -e` made


def analyze(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert shutil.which("systemd-analyze"), (
        "systemd-analyze is missing: run `make servers` (Debian: apt-get install systemd)"
    )
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def complaints(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What verify said about our units (it exits 0 on directives it ignores)."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if "kaffe" in line] + ([f"exit {result.returncode}"]
                                                           if result.returncode else [])


def verify_user_unit(unit: Path, home: Path) -> list[str]:
    """verify --user needs a runtime dir; %h (in the shipped ExecStart) is $HOME."""
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(runtime),
               XDG_CONFIG_HOME=str(home / ".config"))
    return complaints(analyze("verify", "--man=no", "--user", str(unit), env=env))


def verify_system_unit(unit: Path) -> list[str]:
    return complaints(analyze("verify", "--man=no", str(unit)))


def fake_root(tmp: Path, unit: Path) -> Path:
    """A root with the system's units, ``unit`` and executables for its commands: verify
    checks ExecStart= inside the root, so the shipped text is verified unchanged."""
    root = tmp / "root"
    system = next(p for p in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system"))
                  if p.is_dir())
    shutil.copytree(system, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(unit, root / "etc/systemd/system" / unit.name)
    install_executable(root / "usr/local/bin/kaffe")
    install_executable(root / "bin/kill")  # ExecReload; the user-unit tests use the real one
    return root


def install_executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def exposure(unit: Path) -> float:
    out = analyze("security", "--offline=yes", str(unit))
    (score,) = re.findall(r"Overall exposure level for \S+: ([\d.]+)", out.stdout + out.stderr)
    return float(score)


def test_system_unit_exposure_is_at_most_2() -> None:
    assert exposure(UNITS / "kaffe@.service") <= 2.0


def test_shipped_user_unit_verifies(tmp_path) -> None:
    install_executable(tmp_path / ".local/bin/kaffe")  # ExecStart=%h/.local/bin/kaffe run
    assert verify_user_unit(UNITS / "kaffe.service", tmp_path) == []


def test_shipped_system_template_verifies(tmp_path) -> None:
    root = fake_root(tmp_path, UNITS / "kaffe@.service")
    result = analyze("verify", "--man=no", f"--root={root}", "kaffe@alice.service")
    assert complaints(result) == []


def test_verify_catches_what_it_should(tmp_path) -> None:
    """The checks above can fail: a missing binary and a misspelt directive are reported."""
    assert any("not executable" in c for c in verify_user_unit(UNITS / "kaffe.service", tmp_path))
    bad = tmp_path / "kaffe@.service"
    text = service.render_unit("kaffe@.service", [str(VENV_KAFFE)])
    bad.write_text(text.replace("Type=notify", "Type=notifyy"))
    assert any("notifyy" in c for c in verify_system_unit(bad))


def installed(tmp_path: Path, monkeypatch, name: str, argv0: Path = VENV_KAFFE) -> Path:
    """The unit `kaffe service install` writes when run as ``argv0``."""
    assert argv0.is_file(), f"{argv0} is missing: install kaffe into the venv (make test)"
    monkeypatch.setattr(sys, "argv", [str(argv0), "service", "install"])
    unit = tmp_path / "units" / name
    target = service.Install(name, unit, user=name == "kaffe.service", instance="alice")
    service.write_unit(target, service.render_unit(name, service.kaffe_command()))
    return unit


def test_installed_user_unit_verifies_and_runs_this_kaffe(tmp_path, monkeypatch) -> None:
    unit = installed(tmp_path, monkeypatch, "kaffe.service")
    assert f"\nExecStart={VENV_KAFFE} run\n" in unit.read_text()
    assert verify_user_unit(unit, tmp_path) == []


def test_installed_system_template_verifies_and_keeps_its_exposure(tmp_path, monkeypatch):
    unit = installed(tmp_path, monkeypatch, "kaffe@.service")
    assert f"\nExecStart={VENV_KAFFE} run\n" in unit.read_text()
    assert verify_system_unit(unit) == []
    assert exposure(unit) <= 2.0


def test_an_odd_install_path_is_quoted_so_systemd_runs_it(tmp_path, monkeypatch) -> None:
    kaffe = install_executable(tmp_path / "my apps 100%" / "kaffe")
    unit = installed(tmp_path, monkeypatch, "kaffe.service", argv0=kaffe)
    assert f'\nExecStart="{tmp_path}/my apps 100%%/kaffe" run\n' in unit.read_text()
    assert verify_user_unit(unit, tmp_path) == []


@pytest.mark.parametrize("name", NAMES)
def test_units_are_notify_with_watchdog_reload_and_no_restart_on_bad_config(name: str) -> None:
    text = (UNITS / name).read_text()
    for line in ("Type=notify", "RestartPreventExitStatus=78", "UMask=0077",
                 "ExecReload=/bin/kill -HUP $MAINPID"):
        assert f"\n{line}\n" in text
    assert re.search(r"^WatchdogSec=\S+", text, re.M)


@pytest.mark.parametrize("name", NAMES)
def test_the_repo_units_are_the_packaged_ones(name: str) -> None:
    assert (UNITS / name).read_text() == service.shipped_unit(name)


def test_the_template_writes_only_where_kaffe_keeps_its_files(monkeypatch) -> None:
    """ReadWritePaths matches config/paths.py for a system service: HOME from passwd,
    no XDG_* variables, so platformdirs' defaults under /home/<user>."""
    from kaffe.config import paths

    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "KAFFE_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", "/home/alice")
    env: dict[str, str] = {}  # systemd sets HOME and USER, nothing kaffe reads
    data, config = paths.data_dir(env), paths.config_path(None, env).parent
    text = (UNITS / "kaffe@.service").read_text()
    (line,) = re.findall(r"^ReadWritePaths=(.*)$", text, re.M)
    allowed = [Path(p.replace("%i", "alice")) for p in line.split()]
    assert allowed == [data, config]
    assert paths.runtime_dir(env) == data  # the instance lock, too
