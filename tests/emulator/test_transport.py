"""OAuth, faults, batch, the request log and the control endpoints."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from kaffe.emulator import CLIENT_ID, REFRESH_TOKEN, Emulator
from tests.emulator.helpers import Google, connect, mail


def _profile(google: Google) -> dict:
    return google.gmail.users().getProfile(userId="me").execute()


def _statuses(emu: Emulator) -> list[tuple[str, int]]:
    return [(r["path"], r["status"]) for r in emu.requests()]


def _post(url: str, data: bytes, content_type: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- OAuth ------------------------------------------------------------------------------
def test_first_call_fetches_a_token(emu: Emulator, google: Google) -> None:
    _profile(google)
    assert _statuses(emu) == [("/token", 200), ("/gmail/v1/users/me/profile", 200)]
    assert google.credentials.token.startswith("ya29.")


def test_expired_access_token_is_refreshed_after_401(emu: Emulator, google: Google) -> None:
    _profile(google)
    old = google.credentials.token
    emu.expire_access_tokens()
    emu.clear_requests()
    _profile(google)
    assert _statuses(emu) == [
        ("/gmail/v1/users/me/profile", 401),
        ("/token", 200),
        ("/gmail/v1/users/me/profile", 200),
    ]
    assert google.credentials.token != old


def test_missing_token_gets_google_401_json(emu: Emulator) -> None:
    http = httplib2.Http()
    resp, content = http.request(emu.url + "/gmail/v1/users/me/profile")
    error = json.loads(content)["error"]
    assert resp.status == 401 and error["status"] == "UNAUTHENTICATED"
    assert error["code"] == 401 and error["errors"][0]["reason"] == "authError"


def test_revoked_refresh_token_is_invalid_grant(emu: Emulator) -> None:
    emu.revoke_refresh_token()
    google = connect(emu)
    with pytest.raises(RefreshError, match="invalid_grant"):
        _profile(google)


def test_token_endpoint_errors(emu: Emulator) -> None:
    form = (
        f"grant_type=refresh_token&client_id={CLIENT_ID}"
        f"&client_secret=nope&refresh_token={REFRESH_TOKEN}"
    )
    status, doc = _post(emu.url + "/token", form.encode(), "application/x-www-form-urlencoded")
    assert (status, doc["error"]) == (401, "invalid_client")
    good = form.replace("nope", "emulator-secret").replace(REFRESH_TOKEN, "stolen")
    status, doc = _post(emu.url + "/token", good.encode(), "application/x-www-form-urlencoded")
    assert (status, doc) == (
        400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )


# -- faults -----------------------------------------------------------------------------
def test_429_with_retry_after(emu: Emulator, google: Google) -> None:
    _profile(google)
    emu.inject(429, retry_after=7)
    with pytest.raises(HttpError) as err:
        _profile(google)
    assert err.value.status_code == 429
    assert err.value.resp["retry-after"] == "7"
    assert err.value.error_details[0]["reason"] == "rateLimitExceeded"
    assert json.loads(err.value.content)["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert _profile(google)["emailAddress"] == "me@example.com"  # count=1 is used up


@pytest.mark.parametrize(("status", "grpc"), [(500, "INTERNAL"), (503, "UNAVAILABLE")])
def test_server_errors(emu: Emulator, google: Google, status: int, grpc: str) -> None:
    _profile(google)
    emu.inject(status, count=2, path_contains="/messages")
    assert _profile(google)  # other paths are not affected
    for _ in range(2):
        with pytest.raises(HttpError) as err:
            google.gmail.users().messages().list(userId="me").execute()
        assert json.loads(err.value.content)["error"]["status"] == grpc
    google.gmail.users().messages().list(userId="me").execute()


def test_client_retries_recover(emu: Emulator, google: Google, monkeypatch) -> None:
    monkeypatch.setattr("googleapiclient.http.time.sleep", lambda _s: None)
    _profile(google)
    emu.inject(429, count=2)
    emu.clear_requests()
    assert google.gmail.users().getProfile(userId="me").execute(num_retries=3)
    assert [s for _, s in _statuses(emu)] == [429, 429, 200]


def test_faults_spare_the_token_endpoint_unless_named(emu: Emulator, google: Google) -> None:
    emu.inject(503)
    with pytest.raises(HttpError):
        _profile(google)  # the token fetch went through, the API call failed
    assert _statuses(emu) == [("/token", 200), ("/gmail/v1/users/me/profile", 503)]
    emu.inject(403, path_contains="/token")  # google-auth retries 5xx itself
    with pytest.raises(RefreshError):
        _profile(connect(emu))


def test_delay_makes_a_client_time_out(emu: Emulator) -> None:
    google = connect(emu, timeout=0.05)
    _profile(google)
    emu.inject_delay(0.3)
    with pytest.raises(TimeoutError):
        _profile(google)


# -- batch ------------------------------------------------------------------------------
def _batch(emu: Emulator, google: Google) -> tuple[BatchHttpRequest, dict]:
    results: dict = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: results.__setitem__(rid, (resp, exc)),
        batch_uri=emu.url + "/batch/gmail/v1",
    )
    return batch, results


def test_batch_answers_each_part(emu: Emulator, google: Google) -> None:
    ids = [emu.add_message(mail(f"m{i}", msgid=f"<m{i}@x>"), ["INBOX"])["id"] for i in range(3)]
    batch, results = _batch(emu, google)
    for msg_id in ids + ["missing"]:
        batch.add(
            google.gmail.users().messages().get(userId="me", id=msg_id, format="minimal"),
            request_id=msg_id,
        )
    batch.execute(http=google.http)
    for msg_id in ids:
        assert results[msg_id][0]["id"] == msg_id and results[msg_id][1] is None
    assert isinstance(results["missing"][1], HttpError) and results["missing"][1].status_code == 404
    logged = emu.requests()
    assert [r["path"] for r in logged[-5:]] == [
        f"/gmail/v1/users/me/messages/{i}" for i in ids + ["missing"]
    ] + ["/batch/gmail/v1"]


def test_batch_refreshes_expired_tokens(emu: Emulator, google: Google) -> None:
    _profile(google)
    emu.expire_access_tokens()
    batch, results = _batch(emu, google)
    batch.add(google.gmail.users().getProfile(userId="me"), request_id="p")
    batch.execute(http=google.http)
    assert results["p"][1] is None and results["p"][0]["emailAddress"] == "me@example.com"


def test_batch_of_more_than_100_is_400(emu: Emulator, google: Google) -> None:
    _profile(google)
    batch, _ = _batch(emu, google)
    for i in range(101):
        batch.add(google.gmail.users().getProfile(userId="me"), request_id=str(i))
    with pytest.raises(HttpError) as err:
        batch.execute(http=google.http)
    assert err.value.status_code == 400


# -- request log and control endpoints --------------------------------------------------
def test_request_log_file_and_control_endpoints(now, tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    with Emulator(request_log=log, clock=lambda: now) as emu:
        google = connect(emu)
        google.gmail.users().messages().list(userId="me", q="from:ada").execute()
        status, _ = _post(
            emu.url + "/_emulator/faults",
            b'{"status": 429, "count": 1, "retry_after": 1}',
            "application/json",
        )
        assert status == 200
        with pytest.raises(HttpError) as err:
            _profile(google)
        assert err.value.resp["retry-after"] == "1"
        with urllib.request.urlopen(emu.url + "/_emulator/requests") as resp:
            over_http = json.loads(resp.read())
        assert over_http == emu.requests()
        assert dict(over_http[1], bytes=0) == {
            "method": "GET",
            "path": "/gmail/v1/users/me/messages",
            "query": {"q": ["from:ada"], "alt": ["json"]},
            "status": 200,
            "part": False,
            "api": "gmail.users.messages.list",
            "units": 5,
            "bytes": 0,  # test_accounting checks the byte counts
        }
        _post(emu.url + "/_emulator/requests/clear", b"", "application/json")
        assert emu.requests() == []
        with urllib.request.urlopen(emu.url + "/_emulator/drafts") as resp:
            assert json.loads(resp.read()) == []
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["path"], e["status"]) for e in lines] == [
        ("/token", 200),
        ("/gmail/v1/users/me/messages", 200),
        ("/gmail/v1/users/me/profile", 429),
    ]


def test_serve_runs_until_sigterm(tmp_path: Path) -> None:
    code = "from kaffe.emulator import serve; serve(None, '127.0.0.1', 0, None)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" on ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/_emulator/requests") as resp:
            assert json.loads(resp.read()) == []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
