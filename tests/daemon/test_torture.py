"""Crash torture (bench/torture.py): SIGKILL `kaffe once` at random moments, 200 times;
afterwards exactly one draft per due follow-up."""

from __future__ import annotations

import os
import random

import pytest
from bench import torture
from bench.torture_report import Report, check

from kaffe.cli import main
from kaffe.emulator import Emulator


@pytest.fixture
def scenario(tmp_path, monkeypatch):
    with Emulator() as emu:
        made = torture.Scenario(emu, tmp_path, random.Random(6))
        for name in ("KAFFE_DATA_DIR", "XDG_RUNTIME_DIR"):
            monkeypatch.setenv(name, made.env()[name])
        yield made


def checked(scenario) -> Report:
    report = Report(seed=6, runs=[], final_codes=[0])
    check(scenario, report)
    return report


def test_check_passes_one_draft_per_due_followup(scenario):
    scenario.add_meetings(3)
    assert main(scenario.argv()) == 0
    report = checked(scenario)
    assert (report.expected, report.found, report.duplicates, report.lost) == (3, 3, 0, 0)
    assert report.integrity == "ok" and report.modes["kaffe.db"] == "0o600"
    assert report.ok, report.table()


def test_check_counts_a_duplicate_a_lost_draft_and_a_stray(scenario):
    scenario.add_meetings(3)
    assert main(scenario.argv()) == 0
    gmail = scenario.emulator.gmail
    with gmail.lock:
        first, second = sorted(gmail.drafts)[:2]
        gmail.create_draft(gmail.draft_message(first).raw, None)  # a second draft, same key
        gmail.delete_draft(second)
        gmail.create_draft(b"Subject: mine\r\n\r\nwritten by hand\r\n", None)
    report = checked(scenario)
    assert (report.duplicates, report.lost, report.unexpected) == (1, 1, 1)
    assert report.ledger_wrong == 2  # the duplicated key and the lost one
    assert not report.ok


def test_short_torture_kills_runs_while_they_write_drafts(tmp_path):
    report = torture.run_torture(kills=5, seed=6, workdir=tmp_path)
    assert report.kills == 5
    assert (report.duplicates, report.lost) == (0, 0), report.table()
    assert report.ok, report.table()


@pytest.mark.slow
def test_two_hundred_kills_leave_exactly_one_draft_per_due_followup(tmp_path):
    seed = int(os.environ.get("KAFFE_TORTURE_SEED") or random.randrange(2**32))
    report = torture.run_torture(kills=200, seed=seed, workdir=tmp_path)
    print(report.table())
    assert report.kills == 200, report.table()
    assert (report.duplicates, report.lost) == (0, 0), report.table()
    assert report.found == report.expected > 200, report.table()
    assert report.in_flight >= 0.25 * report.kills, report.table()
    assert report.recovered > 0, report.table()  # some kills fell between create and ledger
    assert report.ok, report.table()
