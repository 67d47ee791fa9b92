"""The emulator's per-user Gmail quota: a sliding minute of units, Google's error bodies."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime

import pytest
from google.auth.transport.requests import Request as AuthRequest
from googleapiclient.errors import HttpError

from kaffe.connectors.google.batching import Batcher
from kaffe.emulator import Emulator
from kaffe.emulator.quota import Quota, QuotaExceeded
from kaffe.errors import TransientError
from tests.emulator.helpers import connect, mail


class SimClock:
    """Seconds that pass only when someone sleeps."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_a_sliding_minute_refuses_what_does_not_fit_and_charges_nothing_for_it() -> None:
    clock = SimClock()
    quota = Quota(100, clock=clock.now)
    quota.charge(60)
    clock.sleep(30)
    quota.charge(40)  # 100 in the window: exactly the limit
    with pytest.raises(QuotaExceeded) as refused:
        quota.charge(5)
    assert refused.value.wait == pytest.approx(30)  # when the first 60 leave the window
    clock.sleep(29.9)
    with pytest.raises(QuotaExceeded):  # a fixed window would have reset by now: not Google
        quota.charge(5)
    clock.sleep(0.1)
    quota.charge(5)
    assert quota.stats() == {"per_minute": 100, "total": 105, "peak": 100, "refused": 2}


def test_off_by_default_and_a_bad_form_is_refused() -> None:
    quota = Quota()
    for _ in range(1000):
        quota.charge(100)
    with pytest.raises(ValueError):
        quota.configure(10, form="418")


def _get(emu: Emulator, path: str) -> tuple[int, dict, dict]:
    google = connect(emu)
    google.credentials.refresh(AuthRequest())
    req = urllib.request.Request(emu.url + path,
                                 headers={"Authorization": f"Bearer {google.credentials.token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


PROFILE = "/gmail/v1/users/me/profile"


def test_429_is_gmails_field_form_with_the_time_in_the_message(now: datetime) -> None:
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_per_minute=1, quota_clock=clock.now) as emu:
        assert _get(emu, PROFILE)[0] == 200  # getProfile: 1 unit
        status, headers, body = _get(emu, PROFILE)
    assert status == 429 and "Retry-After" not in headers
    error = body["error"]
    assert error["code"] == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"].startswith("User-rate limit exceeded.  Retry after 20")
    assert error["message"].endswith("Z")
    assert error["errors"] == [{"message": "User-rate limit exceeded.", "domain": "usageLimits",
                                "reason": "rateLimitExceeded"}]


@pytest.mark.parametrize(("form", "reason", "message"), [
    ("403-user", "userRateLimitExceeded", "User Rate Limit Exceeded"),
    ("403-rate", "rateLimitExceeded", "Rate Limit Exceeded"),
])
def test_403_forms_are_googles_documented_bodies(
    now: datetime, form: str, reason: str, message: str
) -> None:
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_clock=clock.now) as emu:
        emu.set_quota(1, form=form, retry_after_header=True)
        _get(emu, PROFILE)
        status, headers, body = _get(emu, PROFILE)
    assert status == 403 and headers["Retry-After"] == "60"
    assert body == {"error": {"code": 403, "message": message, "errors": [
        {"message": message, "domain": "usageLimits", "reason": reason}]}}


def test_a_batch_costs_the_sum_of_its_parts_and_each_part_is_refused_on_its_own(
    now: datetime,
) -> None:
    clock = SimClock()
    with Emulator(clock=lambda: now, quota_clock=clock.now) as emu:
        ids = [emu.add_message(mail(f"m{i}", msgid=f"<m{i}@x>"), ["INBOX"])["id"]
               for i in range(5)]
        google = connect(emu)
        google.gmail.users().getProfile(userId="me").execute()
        emu.set_quota(12)  # starts afresh: two 5-unit gets fit, a third does not
        emu.clear_requests()
        gmail = google.gmail.users().messages()
        batcher = Batcher(emu.url + "/batch/gmail/v1", num_retries=0, sleep=clock.sleep)
        with pytest.raises(TransientError, match="3 calls still failing"):
            batcher.run(ids, lambda i: gmail.get(userId="me", id=i, format="minimal"), "get")
        parts = [r["status"] for r in emu.requests() if r["path"] != "/batch/gmail/v1"]
        assert sorted(parts) == [200, 200, 429, 429, 429]
        assert emu.quota_stats()["total"] == 10 and emu.quota_stats()["refused"] == 3


def test_control_endpoint_turns_the_quota_on_and_reports_it(now: datetime) -> None:
    with Emulator(clock=lambda: now) as emu:
        req = urllib.request.Request(emu.url + "/_emulator/quota", data=json.dumps(
            {"per_minute": 1, "form": "403-user"}).encode())
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read()) == {"ok": True}
        _get(emu, PROFILE)
        assert _get(emu, PROFILE)[0] == 403
        with urllib.request.urlopen(emu.url + "/_emulator/quota", timeout=10) as resp:
            assert json.loads(resp.read()) == {"per_minute": 1, "total": 1, "peak": 1,
                                               "refused": 1}
        bad = urllib.request.Request(emu.url + "/_emulator/quota", data=b'{"per_minute": -1}')
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=10)
        assert refused.value.code == 400


def test_the_client_library_sees_an_http_error_not_a_crash(now: datetime) -> None:
    with Emulator(clock=lambda: now, quota_per_minute=1) as emu:
        google = connect(emu)
        google.gmail.users().getProfile(userId="me").execute()
        with pytest.raises(HttpError) as refused:
            google.gmail.users().getProfile(userId="me").execute()
    assert refused.value.resp.status == 429
