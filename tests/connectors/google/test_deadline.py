"""A Google API request has one wall-clock deadline (3 x the socket timeout) and a stop
request aborts it: the real google-api-python-client over httplib2 against hostile
servers on 127.0.0.1 (elapsed time checked against generous bounds, never slept on)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from google.oauth2.credentials import Credentials

from kaffe.connectors import deadline
from kaffe.connectors.google.http import DEADLINE_FACTOR, build_service, execute
from kaffe.errors import KaffeError, TransientError
from tests.servers.stall import StallServer

TIMEOUT = 0.5


@pytest.fixture
def dripping() -> Iterator[StallServer]:
    with StallServer("headers", interval=0.2, give_up=30) as server:
        yield server


def events_list(url: str, timeout: float):
    service = build_service("calendar", "v3", Credentials(token="t"), api_endpoint=url,
                            timeout=timeout)
    return service.events().list(calendarId="primary")


def test_a_google_request_to_a_dripping_server_ends_at_the_deadline(dripping):
    start = time.monotonic()
    with pytest.raises(TransientError, match="no complete answer within 1.5 s"):
        execute(events_list(dripping.url(""), TIMEOUT), "calendar events.list",
                num_retries=0)
    assert time.monotonic() - start < TIMEOUT * DEADLINE_FACTOR + 4


def test_a_stop_request_aborts_a_google_request(dripping):
    start = time.monotonic()
    with deadline.stop_when(lambda: dripping.seen.is_set()), pytest.raises(KaffeError) as info:
        execute(events_list(dripping.url(""), 60), "calendar events.list")
    assert isinstance(info.value, deadline.Cancelled), info.value
    assert time.monotonic() - start < 5


def test_a_token_refresh_against_a_dripping_server_ends_at_the_deadline(dripping, monkeypatch):
    from kaffe.connectors.google import auth

    monkeypatch.setattr(auth, "HTTP_TIMEOUT", TIMEOUT)
    creds = Credentials(token=None, refresh_token="r", client_id="c", client_secret="s",
                        token_uri=dripping.url("/token"))
    start = time.monotonic()
    with pytest.raises(TransientError, match="Google token refresh: no complete answer"):
        auth.refresh_credentials(creds)
    assert time.monotonic() - start < TIMEOUT * DEADLINE_FACTOR + 4
