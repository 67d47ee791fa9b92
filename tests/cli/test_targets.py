"""``kaffe targets`` (list with stage), ``kaffe targets add`` and the status block."""

from __future__ import annotations

from pathlib import Path

from kaffe.cli import main
from kaffe.errors import EX_CONFIG
from tests.helpers import write_config

OUTREACH = '[outreach]\ntargets_file = "people/targets.csv"\n'


def _config(tmp_path: Path, extra: str = OUTREACH) -> Path:
    return write_config(tmp_path, "http://127.0.0.1:9", extra=extra)


def test_add_then_list_with_stage_and_next_step(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path)
    assert main(["--config", str(cfg), "targets", "add", "Ana Silva", "Ana@Northwind.example",
                 "--company", "Northwind", "--theme", "data mesh"]) == 0
    assert main(["--config", str(cfg), "targets", "add", "Bo", "bo@harbor.example"]) == 0
    csv_text = (tmp_path / "people" / "targets.csv").read_text()
    assert csv_text.splitlines()[1] == "Ana Silva,ana@northwind.example,Northwind,,data mesh,,,"
    capsys.readouterr()
    assert main(["--config", str(cfg), "targets", "--now", "2026-03-02T10:00Z"]) == 0
    out = capsys.readouterr().out
    assert "targets: 2 (target 2)" in out
    assert "Ana Silva <ana@northwind.example>, Northwind" in out
    assert "stage: target" in out
    assert "next:  an outreach draft, paced by [outreach] per_week" in out
    assert "people/targets.csv:2" in out


def test_a_paced_target_says_when(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path, extra=OUTREACH + "per_week = 1\n")
    for name in ("ana", "bo"):
        assert main(["--config", str(cfg), "targets", "add", name, f"{name}@x.example"]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "targets", "--now", "2026-03-02T10:00Z"]) == 0
    out = capsys.readouterr().out
    assert "next:  an outreach draft, paced by [outreach] per_week" in out  # Ana, now
    assert "next:  an outreach draft from 2026-03-09 10:00" in out  # Bo, a week on


def test_add_refuses_a_duplicate_and_a_colleague(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path)
    assert main(["--config", str(cfg), "targets", "add", "Ana", "ana@x.example"]) == 0
    assert main(["--config", str(cfg), "targets", "add", "Ana", "ANA@x.example"]) == 1
    assert "listed already" in capsys.readouterr().err
    assert main(["--config", str(cfg), "targets", "add", "Kim", "kim@example.com"]) == 1
    assert "colleague" in capsys.readouterr().err
    assert main(["--config", str(cfg), "targets", "add", "X", "not-an-address"]) == 1


def test_add_without_a_targets_file_says_what_to_set(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path, extra="")
    assert main(["--config", str(cfg), "targets", "add", "Ana", "ana@x.example"]) == 1
    assert "targets_file" in capsys.readouterr().err


def test_unknown_column_exits_78_naming_file_and_column(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path)
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "targets.csv").write_text("name,email,linkedin\n")
    assert main(["--config", str(cfg), "targets"]) == EX_CONFIG
    err = capsys.readouterr().err
    assert "targets.csv:1" in err and "'linkedin'" in err


def test_bad_rows_listed_and_status_block(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path)
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "targets.csv").write_text(
        "name,email\nAna,ana@x.example\nNobody,\n", encoding="utf-8")
    assert main(["--config", str(cfg), "targets"]) == 0
    out = capsys.readouterr().out
    assert "problems: 1" in out and "targets.csv:3: skipped: no address" in out
    assert main(["--config", str(cfg), "status"]) == 0
    out = capsys.readouterr().out
    assert "targets: 1 (target 1)" in out and "1 problem in the targets" in out


def test_doctor_checks_the_targets_file(tmp_path: Path) -> None:
    from kaffe.cli.doctor import check_targets
    from kaffe.config import load

    cfg = _config(tmp_path)
    (tmp_path / "people").mkdir()
    path = tmp_path / "people" / "targets.csv"
    path.write_text("name,email,phone\n")
    (check,) = check_targets(load(cfg))
    assert not check.ok and "'phone'" in check.detail
    path.write_text("name,email\nAna,ana@x.example\nNobody,\n")
    (check,) = check_targets(load(cfg))
    assert check.ok and "1 target; 1 problem" in check.detail
