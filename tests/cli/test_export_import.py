"""``kaffe export`` and ``kaffe import`` through the command line, against real stores."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from kaffe.cli import main
from kaffe.model import DONE, PENDING, Contact, LedgerEntry, Topic
from kaffe.store import Store
from tests.helpers import write_config
from tests.store.factories import T0, at

ANA = "ana@partner.dk"


def make_config(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return write_config(directory, "http://127.0.0.1:9")  # export/import never connect


def fill(database: Path) -> None:
    with Store.open(database) as store:
        store.upsert_contact(Contact(ANA, "Ana Sørensen", "da"))
        store.add_topics([Topic(ANA, "data mesh", "note", T0), Topic(ANA, "dbt", "note", at(1))])
        store.ledger_begin("followup:google:primary/e1", "followup", T0, contact=ANA)
        store.ledger_finish("followup:google:primary/e1", DONE, at(1), draft_id="r-1")
        store.ledger_begin("drip:ana:a1", "drip", at(2), contact=ANA)


def kaffe(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def without_time(text: str) -> dict:
    doc = json.loads(text)
    del doc["exported_at"]
    return doc


@pytest.fixture
def old(tmp_path: Path) -> Path:
    config = make_config(tmp_path / "old")
    fill(tmp_path / "old" / "kaffe.db")
    return config


def test_export_import_export_round_trips(old: Path, tmp_path: Path, capsys) -> None:
    assert kaffe(old, "export") == 0
    first = capsys.readouterr().out
    (tmp_path / "backup.json").write_text(first, encoding="utf-8")
    new = make_config(tmp_path / "new")
    assert kaffe(new, "import", str(tmp_path / "backup.json")) == 0
    assert capsys.readouterr().out == (
        "imported 1 contacts, 2 topics, 2 ledger entries; 0 unchanged\n")
    assert kaffe(new, "export") == 0
    assert without_time(capsys.readouterr().out) == without_time(first)
    with Store.open(tmp_path / "new" / "kaffe.db") as store:
        assert store.ledger_entry("followup:google:primary/e1") == LedgerEntry(
            "followup:google:primary/e1", "followup", DONE, at(1), "r-1", "", 1, ANA)
        assert [k for k, e in store.ledger().items() if e.state == "pending"] == ["drip:ana:a1"]


def test_importing_twice_changes_nothing(old: Path, tmp_path: Path, capsys) -> None:
    backup = tmp_path / "backup.json"
    assert kaffe(old, "export", "--output", str(backup)) == 0
    capsys.readouterr()
    assert kaffe(old, "import", str(backup)) == 0
    assert capsys.readouterr().out == (
        "imported 0 contacts, 0 topics, 0 ledger entries; 5 unchanged\n")


def test_export_to_a_file_is_private_and_says_what_it_wrote(old: Path, tmp_path: Path,
                                                             capsys) -> None:
    backup = tmp_path / "out" / "backup.json"
    assert kaffe(old, "export", "-o", str(backup)) == 0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert capsys.readouterr().out == (
        f"exported 1 contacts, 2 topics and 2 ledger entries to {backup} (readable only by you)\n")
    assert json.loads(backup.read_text())["format"] == "kaffe-export"
    assert [p.name for p in backup.parent.iterdir()] == ["backup.json"]  # no temp file left


def test_export_never_holds_the_token(old: Path, tmp_path: Path, capsys) -> None:
    token = json.loads((tmp_path / "old" / "token.json").read_text())
    assert kaffe(old, "export") == 0
    out = capsys.readouterr().out
    for secret in (token["refresh_token"], token.get("token") or token["refresh_token"]):
        assert secret not in out


def test_dry_run_says_what_would_change_and_writes_nothing(old: Path, tmp_path: Path,
                                                           capsys) -> None:
    backup = tmp_path / "backup.json"
    kaffe(old, "export", "-o", str(backup))
    new = make_config(tmp_path / "new")
    capsys.readouterr()
    assert kaffe(new, "import", "--dry-run", str(backup)) == 0
    assert capsys.readouterr().out.startswith("would import 1 contacts, 2 topics, 2 ledger")
    with Store.open(tmp_path / "new" / "kaffe.db") as store:
        assert store.contacts() == {} and store.ledger() == {} and store.topics() == {}


def test_import_reads_standard_input(old: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    kaffe(old, "export")
    monkeypatch.setattr("sys.stdin", io.StringIO(capsys.readouterr().out))
    new = make_config(tmp_path / "new")
    assert kaffe(new, "import", "-") == 0
    assert "imported 1 contacts" in capsys.readouterr().out


def test_a_malformed_file_exits_65_naming_where_and_writes_nothing(old: Path, tmp_path: Path,
                                                                   capsys) -> None:
    backup = tmp_path / "backup.json"
    kaffe(old, "export", "-o", str(backup))
    doc = json.loads(backup.read_text())
    doc["ledger"][1]["state"] = "sent"
    backup.write_text(json.dumps(doc))
    new = make_config(tmp_path / "new")
    capsys.readouterr()
    assert kaffe(new, "import", str(backup)) == 65
    err = capsys.readouterr().err
    assert f"{backup}: $.ledger[1].state: expected one of done, failed, pending" in err
    assert "nothing was imported" in err and "Traceback" not in err
    with Store.open(tmp_path / "new" / "kaffe.db") as store:
        assert store.contacts() == {} and store.ledger() == {}


def test_a_file_that_is_not_utf8_exits_65(old: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"format": "kaffe-export", "x": "\xff"}')
    assert kaffe(old, "import", str(bad)) == 65
    assert "not UTF-8" in capsys.readouterr().err


def test_a_missing_file_is_an_error_without_a_traceback(old: Path, tmp_path: Path,
                                                        capsys) -> None:
    assert kaffe(old, "import", str(tmp_path / "nope.json")) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and "nope.json" in err and "Traceback" not in err


def test_import_keeps_what_is_more_final_locally(old: Path, tmp_path: Path, capsys) -> None:
    backup = tmp_path / "backup.json"
    kaffe(old, "export", "-o", str(backup))
    with Store.open(tmp_path / "old" / "kaffe.db") as store:  # the drip got done meanwhile
        store.ledger_finish("drip:ana:a1", DONE, at(3), draft_id="r-2")
    capsys.readouterr()
    assert kaffe(old, "import", str(backup)) == 0
    with Store.open(tmp_path / "old" / "kaffe.db") as store:
        assert store.ledger_entry("drip:ana:a1").state == DONE
        assert store.ledger_entry("drip:ana:a1").state != PENDING


def test_export_to_a_folder_is_a_clear_error_not_a_traceback(old: Path, tmp_path: Path,
                                                              capsys) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    assert kaffe(old, "export", "-o", str(folder)) == 73  # EX_CANTCREAT
    err = capsys.readouterr().err
    assert err == (f"kaffe: error: {folder} is a folder, not a file\n"
                   f"kaffe: hint: name the file to write, e.g. -o {folder}/kaffe-export.json\n")
    assert list(folder.iterdir()) == []
