"""The targets file and referrals: located errors, bad rows skipped, the rest read."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaffe.config.schema import Config, MeConfig, OutreachConfig, TopicsConfig
from kaffe.errors import EX_CONFIG, KaffeError
from kaffe.model import Target
from kaffe.topics.targets import (
    COLUMNS,
    TargetsError,
    add_target,
    load_targets,
    parse_referrals,
    parse_targets,
    read_targets,
)

ME = MeConfig(name="Mia", addresses=("mia@me.example",), domains=("acme.example",))


def test_rows_read_in_order_with_optional_columns() -> None:
    text = ("email,name,company,theme,language\n"
            "Ana@Northwind.example,Ana Silva,Northwind,,da-DK\n"
            "bo@harbor.example,Bo,Harbor Logistics,port automation,\n")
    read = parse_targets(text, "t.csv", ME)
    assert read.problems == ()
    assert [t.email for t in read.targets] == ["ana@northwind.example", "bo@harbor.example"]
    ana, bo = read.targets
    assert (ana.name, ana.company, ana.language, ana.where) == ("Ana Silva", "Northwind", "da",
                                                                 "t.csv:2")
    assert bo.theme == "port automation" and bo.where == "t.csv:3"


def test_unknown_column_is_a_located_error() -> None:
    with pytest.raises(TargetsError) as caught:
        parse_targets("name,email,twitter\nAna,ana@x.example,@ana\n", "t.csv", ME)
    assert "t.csv:1" in str(caught.value) and "'twitter'" in str(caught.value)
    assert caught.value.exit_code == EX_CONFIG
    with pytest.raises(TargetsError, match="no 'email' column"):
        parse_targets("name,company\nAna,X\n", "t.csv", ME)


def test_bad_rows_reported_with_file_and_line_and_skipped() -> None:
    text = ("name,email\n"
            "Ana,ana@northwind.example\n"
            "No Address,\n"
            "\n"
            "Ana again,ANA@northwind.example\n"
            "Colleague,kim@acme.example\n"
            "Sub colleague,lo@dk.acme.example\n"
            "Me,mia@me.example\n"
            "Broken,not-an-address\n"
            ",nameless@x.example\n"
            "Bo,bo@harbor.example\n")
    read = parse_targets(text, "t.csv", ME)
    assert [t.email for t in read.targets] == ["ana@northwind.example", "bo@harbor.example"]
    lines = [p.split(": ", 1)[0] for p in read.problems]
    assert lines == ["t.csv:3", "t.csv:5", "t.csv:6", "t.csv:7", "t.csv:8", "t.csv:9",
                     "t.csv:10"]
    assert "no address" in read.problems[0]
    assert "listed already" in read.problems[1]
    assert "colleague" in read.problems[2] and "colleague" in read.problems[3]
    assert "is you" in read.problems[4]


def test_quoted_cells_and_bom() -> None:
    text = '\ufeffname,email,offer\n"Silva, Ana",ana@x.example,"an intro to ""the"" meetup"\n'
    (ana,) = parse_targets(text, "t.csv", ME).targets
    assert ana.name == "Silva, Ana" and ana.offer == 'an intro to "the" meetup'


def test_file_not_utf8_or_missing(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("name,email\nJørgen,j@x.example\n".encode("latin-1"))
    with pytest.raises(TargetsError, match="not UTF-8"):
        read_targets(path, ME)
    with pytest.raises(TargetsError, match="file not found"):
        read_targets(tmp_path / "none.csv", ME)


def test_referrals_lines_and_heading() -> None:
    text = ("---\ncontact: ana@northwind.example\n---\n"
            "We talked about ports.\n"
            "Referral: Bo Berg <Bo@Harbor.example> — runs the port's automation\n"
            "## Referrals\n"
            "- Cy <cy@crane.example>: cranes\n"
            "- not a person\n"
            "## Topics\n"
            "- Dee <dee@x.example> is a topic bullet, not a referral\n")
    found = parse_referrals(text, "ana.md")
    assert [(t.email, t.name, t.introduced_by, t.why, t.where) for t in found] == [
        ("bo@harbor.example", "Bo Berg", "ana@northwind.example",
         "runs the port's automation", "notes:ana.md:5"),
        ("cy@crane.example", "Cy", "ana@northwind.example", "cranes", "notes:ana.md:7"),
    ]


def test_referral_without_a_dash_or_a_reason() -> None:
    text = "Referral: Bo <bo@x.example> knows cranes\nReferral: Cy <cy@x.example>\n"
    found = parse_referrals(text, "ana@n.example.md")
    assert [(t.email, t.why) for t in found] == [("bo@x.example", "knows cranes"),
                                                 ("cy@x.example", "")]


def test_csv_wins_over_referral_and_fills_gaps(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ana@northwind.example.md").write_text(
        "Referral: Bo <bo@harbor.example> — ports\n"
        "Referral: Cy <cy@crane.example> — cranes\n"
        "Referral: Kim <kim@acme.example> — my colleague\n", encoding="utf-8")
    csv_path = tmp_path / "targets.csv"
    csv_path.write_text("name,email,company,introduced_by\n"
                        "Bo Berg,bo@harbor.example,Harbor,\n"
                        "Di,di@x.example,X,ed@y.example\n", encoding="utf-8")
    config = Config(me=ME, outreach=OutreachConfig(targets_file=csv_path),
                    topics=TopicsConfig(notes_dir=notes))
    read = load_targets(config)
    assert [t.email for t in read.targets] == ["bo@harbor.example", "di@x.example",
                                               "cy@crane.example"]
    bo, di, cy = read.targets
    assert (bo.name, bo.company, bo.introduced_by, bo.why) == (
        "Bo Berg", "Harbor", "ana@northwind.example", "ports")
    assert di.introduced_by == "ed@y.example"
    assert cy.introduced_by == "ana@northwind.example"
    assert any("kim@acme.example" in p and "colleague" in p for p in read.problems)


def test_unreadable_file_is_a_problem_and_referrals_still_count(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ana@northwind.example.md").write_text("Referral: Cy <cy@crane.example>\n")
    bad = tmp_path / "t.csv"
    bad.write_text("name,email,phone\n")
    read = load_targets(Config(me=ME, outreach=OutreachConfig(targets_file=bad),
                               topics=TopicsConfig(notes_dir=notes)))
    assert [t.email for t in read.targets] == ["cy@crane.example"]
    assert len(read.problems) == 1 and "'phone'" in read.problems[0]


def test_add_creates_then_appends_and_refuses(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "targets.csv"
    add_target(path, Target("ana@x.example", "Ana", company="X, Inc"), ME)
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS)
    add_target(path, Target("bo@y.example", "Bo", theme="ports"), ME)
    read = read_targets(path, ME)
    assert [(t.email, t.company, t.theme) for t in read.targets] == [
        ("ana@x.example", "X, Inc", ""), ("bo@y.example", "", "ports")]
    for bad, why in ((Target("ana@x.example", "Ana"), "listed already"),
                     (Target("nope", "N"), "not an e-mail address"),
                     (Target("kim@acme.example", "Kim"), "colleague")):
        with pytest.raises(KaffeError, match=why):
            add_target(path, bad, ME)
    assert len(read_targets(path, ME).targets) == 2


def test_add_keeps_the_files_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("email,name")  # no newline at the end
    add_target(path, Target("ana@x.example", "Ana"), ME)
    assert path.read_text() == "email,name\nana@x.example,Ana\n"
    with pytest.raises(KaffeError, match="no theme column"):
        add_target(path, Target("bo@x.example", "Bo", theme="ports"), ME)


def test_a_bad_cell_is_reported_and_ignored_the_row_kept() -> None:
    text = ("name,email,introduced_by,language\n"
            "Ana,ana@x.example,Bo Berg,english\n"
            "Cy,cy@x.example,bo@y.example,DA\n")
    read = parse_targets(text, "t.csv", ME)
    ana, cy = read.targets
    assert (ana.introduced_by, ana.language) == ("", "")
    assert (cy.introduced_by, cy.language) == ("bo@y.example", "da")
    assert len(read.problems) == 1 and read.problems[0].startswith("t.csv:2: introduced_by")
