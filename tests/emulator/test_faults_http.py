"""Faults over real HTTP: batch parts, lost replies, latency, control endpoint, CLI."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from googleapiclient.errors import HttpError

from kaffe.cli import main
from kaffe.connectors.google.batching import Batcher
from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, mail
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _profile(google: Google) -> dict:
    return google.gmail.users().getProfile(userId="me").execute()


def _control(emu: Emulator, spec: object) -> tuple[int, dict]:
    req = urllib.request.Request(emu.url + "/_emulator/faults", data=json.dumps(spec).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _messages(emu: Emulator, n: int) -> list[str]:
    return [emu.add_message(mail(f"m{i}", msgid=f"<m{i}@x>"), ["INBOX"])["id"] for i in range(n)]


def test_random_faults_hit_batch_parts_and_batcher_retries_only_those(
    emu: Emulator, google: Google
) -> None:
    ids = _messages(emu, 30)
    _profile(google)  # the token, before the chaos
    emu.chaos(0.3, seed=4, path_contains="/messages/")  # the parts, not the envelope
    sleeps: list[float] = []
    batcher = Batcher(emu.url + "/batch/gmail/v1", num_retries=8, sleep=sleeps.append)
    gmail = google.gmail.users().messages()
    got = batcher.run(ids, lambda i: gmail.get(userId="me", id=i, format="minimal"), "get")
    assert sorted(got) == sorted(ids)
    parts = [r for r in emu.requests() if r["path"].startswith("/gmail/v1/users/me/messages/")]
    failed = [r for r in parts if r["status"] != 200]
    assert failed and {r["status"] for r in failed} <= {429, 500, 503}
    assert len(parts) == len(ids) + len(failed)  # only failed parts were asked again
    assert all(r["status"] == 200 for r in emu.requests() if r["path"] == "/batch/gmail/v1")
    assert 0 < len(sleeps) <= 8


def test_a_whole_batch_can_fail_too(emu: Emulator, google: Google) -> None:
    ids = _messages(emu, 3)
    _profile(google)
    emu.inject(503, path_contains="/batch/")
    sleeps: list[float] = []
    batcher = Batcher(emu.url + "/batch/gmail/v1", sleep=sleeps.append, rand=lambda: 0.0)
    gmail = google.gmail.users().messages()
    got = batcher.run(ids, lambda i: gmail.get(userId="me", id=i, format="minimal"), "get")
    assert sorted(got) == sorted(ids) and sleeps == [1.0]
    assert [r["status"] for r in emu.requests() if r["path"] == "/batch/gmail/v1"] == [503, 200]


def test_lost_reply_creates_the_draft_but_answers_5xx(emu: Emulator, google: Google) -> None:
    _profile(google)
    emu.chaos(0.0, lost_rate=1.0, path_contains="/drafts")
    raw = base64.urlsafe_b64encode(mail()).decode()
    drafts = google.gmail.users().drafts()
    with pytest.raises(HttpError) as err:
        drafts.create(userId="me", body={"message": {"raw": raw}}).execute()
    assert err.value.status_code in (500, 503)
    assert len(emu.drafts()) == 1  # it was carried out all the same
    assert len(drafts.list(userId="me").execute()["drafts"]) == 1  # reads are not lost
    assert emu.fault_stats()["lost_replies"] == 1


def test_latency_is_paid_once_per_batch_not_per_part(
    emu: Emulator, google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _messages(emu, 3)
    _profile(google)
    slept: list[float] = []
    monkeypatch.setattr("kaffe.emulator.app.time.sleep", slept.append)
    emu.set_latency(0.04)
    _profile(google)
    assert slept == [0.04]
    gmail = google.gmail.users().messages()
    batcher = Batcher(emu.url + "/batch/gmail/v1", sleep=lambda _s: None)
    batcher.run(ids, lambda i: gmail.get(userId="me", id=i, format="minimal"), "get")
    assert slept == [0.04, 0.04]


def test_control_endpoint_starts_and_stops_random_faults(emu: Emulator, google: Google) -> None:
    _profile(google)
    spec = {"rate": 1.0, "statuses": [503], "retry_after": [2], "seed": 1}
    assert _control(emu, {"random": spec, "latency": 0}) == (200, {"ok": True})
    with pytest.raises(HttpError) as err:
        _profile(google)
    assert err.value.status_code == 503 and err.value.resp["retry-after"] == "2"
    with urllib.request.urlopen(emu.url + "/_emulator/faults", timeout=10) as resp:
        stats = json.loads(resp.read())
    assert stats["errors"] == 1 and stats["by_status"] == {"503": 1}
    assert _control(emu, {"random": None})[0] == 200
    assert _profile(google)["emailAddress"] == "me@example.com"


@pytest.mark.parametrize("spec", [
    {"random": {"rate": 2}}, {"random": {"rate": 0.1, "bogus": 1}}, {"random": {}},
    {"latency": -1}, {"latency": "soon"}, {"random": {"rate": 0.1, "seed": "x"}},
])
def test_control_endpoint_refuses_bad_specs(emu: Emulator, spec: dict) -> None:
    status, body = _control(emu, spec)
    assert status == 400 and "bad fault spec" in body["error"]["message"]


def test_cli_refuses_a_rate_above_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--fault-rate", "1.5", "--port", "0"]) == 1
    assert "rate must be between 0 and 1" in capsys.readouterr().err


def test_cli_serves_with_random_faults_and_latency(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    args = ["emulator", "--port", str(port), "--fault-rate", "1.0", "--fault-seed", "3",
            "--latency-ms", "1", "--slow-ms", "2"]
    server = subprocess.Popen([sys.executable, "-m", "kaffe.cli", *args], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert "listening" in (server.stdout.readline() if server.stdout else "")
        url = f"http://127.0.0.1:{port}"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url + "/gmail/v1/users/me/profile", timeout=10)
        assert err.value.code in (429, 500, 503)
        with urllib.request.urlopen(url + "/_emulator/faults", timeout=10) as resp:
            stats = json.loads(resp.read())
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert stats["errors"] == 1 and stats["delays"] == 1
