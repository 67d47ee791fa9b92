"""`kaffe service install`: writes the packaged unit pointed at this kaffe, never clobbers."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from kaffe.cli import main, service


@pytest.fixture
def kaffe_exe(tmp_path, monkeypatch) -> Path:
    """Pretend kaffe runs from tmp/bin/kaffe (as the console script would)."""
    exe = tmp_path / "bin" / "kaffe"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setattr(sys, "argv", [str(exe)])
    return exe


@pytest.fixture
def system_dir(tmp_path, monkeypatch) -> Path:
    """/etc/systemd/system, redirected: the tests may well run as root."""
    target = tmp_path / "etc-systemd-system"
    monkeypatch.setattr(service, "SYSTEM_UNIT_DIR", target)
    monkeypatch.setenv("SUDO_USER", "nosuchuser-kaffe")
    return target


def user_unit(private_dirs: Path) -> Path:
    return private_dirs / "config" / "systemd" / "user" / "kaffe.service"


def test_user_install_writes_the_unit_for_this_kaffe_and_says_what_to_run(
    kaffe_exe, private_dirs, capsys
):
    assert main(["service", "install", "--user"]) == 0
    unit = user_unit(private_dirs)  # $XDG_CONFIG_HOME/systemd/user
    text = unit.read_text()
    assert f"\nExecStart={kaffe_exe} run\n" in text
    assert text.count("ExecStart=") == 1 and "Type=notify" in text
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    out = capsys.readouterr().out
    assert f"wrote {unit}" in out
    for command in ("systemctl --user daemon-reload", "systemctl --user enable --now kaffe",
                    "journalctl --user -u kaffe -f", "systemctl --user reload kaffe"):
        assert f"  {command}" in out


def test_user_install_honours_the_default_config_home(kaffe_exe, tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert main(["service", "install", "--user"]) == 0
    assert (tmp_path / "home/.config/systemd/user/kaffe.service").is_file()


def test_installing_again_is_a_no_op(kaffe_exe, private_dirs, capsys):
    assert main(["service", "install", "--user"]) == 0
    assert main(["service", "install", "--user"]) == 0
    assert f"already installed, unchanged: {user_unit(private_dirs)}" in capsys.readouterr().out


def test_a_different_unit_is_kept_unless_forced(kaffe_exe, private_dirs, capsys):
    unit = user_unit(private_dirs)
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=/opt/mine\n")
    assert main(["service", "install", "--user"]) == 1
    err = capsys.readouterr().err
    assert f"{unit} already exists" in err and "--force" in err
    assert unit.read_text() == "[Service]\nExecStart=/opt/mine\n"
    assert main(["service", "install", "--user", "--force"]) == 0
    assert f"ExecStart={kaffe_exe} run" in unit.read_text()


def test_print_shows_the_unit_and_writes_nothing(kaffe_exe, private_dirs, system_dir, capsys):
    assert main(["service", "install", "--print"]) == 0
    out = capsys.readouterr().out
    assert out == service.render_unit("kaffe@.service", [str(kaffe_exe)])
    assert "User=%i" in out and f"ExecStart={kaffe_exe} run" in out
    assert not system_dir.exists() and not user_unit(private_dirs).exists()


def test_system_install_needs_root(kaffe_exe, system_dir, monkeypatch, capsys):
    monkeypatch.setattr(service.os, "geteuid", lambda: 1000)
    assert main(["service", "install"]) == 1
    err = capsys.readouterr().err
    assert f"writing {system_dir / 'kaffe@.service'} needs root" in err
    assert "sudo" in err and "--print" in err
    assert not system_dir.exists()


def test_system_install_writes_the_template_for_the_sudo_user(
    kaffe_exe, system_dir, monkeypatch, capsys
):
    monkeypatch.setattr(service.os, "geteuid", lambda: 0)
    assert main(["service", "install"]) == 0
    text = (system_dir / "kaffe@.service").read_text()
    assert f"ExecStart={kaffe_exe} run" in text and "User=%i" in text
    out = capsys.readouterr().out
    for command in ("sudo systemctl daemon-reload",
                    "sudo systemctl enable --now kaffe@nosuchuser-kaffe",
                    "journalctl -u kaffe@nosuchuser-kaffe -f"):
        assert f"  {command}" in out


def test_a_home_outside_slash_home_gets_a_note(monkeypatch):
    monkeypatch.setattr(service, "_home", lambda name: Path("/srv/alice"))
    target = service.Install("kaffe@.service", Path("/x"), user=False, instance="alice")
    (note,) = service._notes(target)
    assert "ReadWritePaths=/srv/alice/.local/share/kaffe /srv/alice/.config/kaffe" in note
    assert service._notes(service.Install("kaffe@.service", Path("/x"), user=False)) != []


def test_the_command_is_the_running_kaffe_else_path_else_python(tmp_path, monkeypatch):
    script = tmp_path / "venv" / "kaffe"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert service.kaffe_command(str(script)) == [str(script)]
    monkeypatch.setenv("PATH", str(script.parent))
    assert service.kaffe_command("/usr/lib/python3/pytest") == [str(script)]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert service.kaffe_command("-c") == [sys.executable, "-m", "kaffe.cli"]


def test_execstart_arguments_are_escaped_for_systemd():
    text = service.render_unit("kaffe.service", ["/opt/my kaffe/bin/kaffe", "--x=50%"])
    assert '\nExecStart="/opt/my kaffe/bin/kaffe" --x=50%% run\n' in text
