"""A full disk, a read-only data folder, a folder where the database should be: said in
words with the path and the fix, the right exit code, no traceback; `kaffe doctor` sees it.

Full and read-only file systems are real: a small tmpfs mounted in a private user and
mount namespace (``unshare -rm``, no root needed where user namespaces are allowed),
filled with a file until the kernel says ENOSPC, or remounted read-only.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import kaffe
from kaffe.cli import main
from kaffe.emulator import Emulator
from tests.helpers import DEMO_SEED, write_config

SRC = Path(kaffe.__file__).resolve().parents[1]  # the kaffe under test, wherever it is
KAFFE = f"{shlex.quote(sys.executable)} -m kaffe.cli"


def namespaces_work() -> bool:
    try:
        probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


needs_tmpfs = pytest.mark.skipif(not namespaces_work(),
                                 reason="unshare -rm (user namespaces) is not allowed here")


@pytest.fixture
def emu():
    with Emulator(DEMO_SEED) as server:
        yield server


def config_on(tmp_path: Path, url: str, database: str) -> Path:
    cfg = write_config(tmp_path, url)
    cfg.write_text(cfg.read_text().replace('database = "kaffe.db"', f'database = "{database}"'))
    return cfg


def in_namespace(tmp_path: Path, size: str, steps: list[str]) -> list[tuple[int, str]]:
    """Mount a tmpfs of ``size`` at tmp_path/mnt and run each shell step there;
    returns each step's exit code and its output (stdout and stderr)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir(exist_ok=True)
    script = [f"mount -t tmpfs -o size={size} tmpfs {mnt} || exit 99"]
    for number, step in enumerate(steps):
        script.append(f"( {step} ) > {tmp_path}/out{number} 2>&1; echo $? > {tmp_path}/rc{number}")
    env = {**os.environ, "PYTHONPATH": f"{SRC}:{Path(__file__).resolve().parents[2]}",
           "XDG_RUNTIME_DIR": str(tmp_path / "run"), "MNT": str(mnt)}
    run = subprocess.run(["unshare", "-rm", "sh", "-c", "\n".join(script)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return [(int((tmp_path / f"rc{n}").read_text()), (tmp_path / f"out{n}").read_text())
            for n in range(len(steps))]


def test_a_folder_as_the_database_is_exit_78_from_every_command(tmp_path, emu, capsys) -> None:
    (tmp_path / "kaffe.db").mkdir()
    cfg = write_config(tmp_path, emu.url)
    for command in (["once"], ["status"], ["plan"], ["run"], ["export"]):
        assert main(["--config", str(cfg), *command]) == 78, command
        err = capsys.readouterr().err
        assert err == (f"kaffe: error: {tmp_path}/kaffe.db is a folder, not a database file\n"
                       f"kaffe: hint: move the folder aside, or set [storage] database to a "
                       f"file path (e.g. {tmp_path}/kaffe.db/kaffe.db)\n"), command
    assert main(["--config", str(cfg), "doctor"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL database: {tmp_path}/kaffe.db is a folder, not a database file" in out


@needs_tmpfs
def test_a_full_disk_is_exit_74_in_words_and_doctor_says_so(tmp_path, emu) -> None:
    cfg = config_on(tmp_path, emu.url, "mnt/kaffe.db")
    kaffe = f"{KAFFE} --config {cfg}"
    fill = "dd if=/dev/zero of=$MNT/fill bs=4k 2>/dev/null; true"
    steps = [f"{kaffe} once --now 2026-03-06T12:00Z", fill,
             f"{kaffe} once --now 2026-03-07T12:00Z", f"{kaffe} status", f"{kaffe} doctor",
             "rm $MNT/fill", f"{kaffe} once --now 2026-03-07T12:00Z"]
    out = in_namespace(tmp_path, "1m", steps)
    assert out[0][0] == 0
    db, mnt = tmp_path / "mnt" / "kaffe.db", tmp_path / "mnt"
    message = (f"kaffe: error: cannot write to {db}: the disk holding {mnt} is full\n"
               f"kaffe: hint: free space on it (`df -h {mnt}`); kaffe tries again on its "
               "next cycle\n")
    assert out[2] == (74, message)
    assert out[3] == (74, message)
    code, doctor = out[4]
    assert code == 1 and "Traceback" not in doctor
    assert "FAIL free space: 0 KiB free on the disk holding" in doctor
    assert f"FAIL data folder: cannot write to {db}: the disk holding {mnt} is full" in doctor
    assert out[6][0] == 0  # room again: the next cycle works


@needs_tmpfs
def test_a_read_only_data_folder_is_exit_78_in_words(tmp_path, emu) -> None:
    cfg = config_on(tmp_path, emu.url, "mnt/kaffe.db")
    kaffe = f"{KAFFE} --config {cfg}"
    steps = [f"{kaffe} once --now 2026-03-06T12:00Z", "mount -o remount,ro $MNT",
             f"{kaffe} once --now 2026-03-07T12:00Z", f"{kaffe} doctor"]
    out = in_namespace(tmp_path, "4m", steps)
    db, mnt = tmp_path / "mnt" / "kaffe.db", tmp_path / "mnt"
    code, text = out[2]
    assert code == 78 and "Traceback" not in text
    assert text.startswith(f"kaffe: error: cannot write to {db}: {mnt} is on a read-only "
                           "file system\nkaffe: hint: mount it writable, or set [storage] "
                           "database")
    code, doctor = out[3]
    assert code == 1
    assert f"FAIL data folder: cannot write to {db}: {mnt} is on a read-only" in doctor
    assert "FAIL database: cannot write to" in doctor


@needs_tmpfs
def test_doctor_warns_below_100_mib_free(tmp_path, emu) -> None:
    cfg = config_on(tmp_path, emu.url, "mnt/kaffe.db")
    steps = [f"{KAFFE} --config {cfg} doctor"]
    ((code, doctor),) = in_namespace(tmp_path, "50m", steps)
    assert code == 0, doctor
    assert f"warn free space: 50 MiB free on the disk holding {tmp_path / 'mnt'}: below " \
           "100 MiB\n     fix: free space on it" in doctor
    assert doctor.rstrip().endswith("checks passed, 1 with a warning")
