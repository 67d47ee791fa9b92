"""Scopes: the emulator's one table against Google's discovery documents, the 403 a
token without the method's scope gets, and the consent page with its code exchange."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from kaffe.connectors.google.auth import SCOPES
from kaffe.emulator import CLIENT_ID, CLIENT_SECRET, Emulator
from kaffe.emulator.accounting import methods
from tests.emulator.discovery_schema import _methods, discovery
from tests.emulator.helpers import Google, mail

GMAIL_READONLY, GMAIL_COMPOSE, CALENDAR_READONLY = SCOPES
# Every API method kaffe's Google connectors call (gmail_source, gmail_drafts, calendar,
# the profile look-up); test_every_call_of_a_cycle_is_in_the_table checks it on a run.
KAFFE_CALLS = {
    "gmail.users.getProfile", "gmail.users.messages.list", "gmail.users.messages.get",
    "gmail.users.threads.get", "gmail.users.history.list", "gmail.users.drafts.create",
    "gmail.users.drafts.list", "gmail.users.drafts.get", "calendar.events.list",
}


def _documented() -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for api in ("gmail.v1", "calendar.v3"):
        for method in _methods(discovery(api)):
            found[method["id"]] = frozenset(method.get("scopes", []))
    return found


def test_every_method_of_the_table_has_exactly_the_documented_scopes() -> None:
    documented = _documented()
    api_methods = [m for m in methods() if "." in m.id and not m.id.startswith("oauth2")]
    assert {m.id for m in api_methods} >= KAFFE_CALLS
    for method in api_methods:
        assert method.id in documented, method.id
        assert method.scopes == documented[method.id], method.id


def test_the_scopes_kaffe_asks_for_allow_every_call_it_makes() -> None:
    by_id = {m.id: m for m in methods()}
    for call in KAFFE_CALLS:
        assert by_id[call].scopes & set(SCOPES), call


def _grant(emu: Emulator, scopes: list[str]) -> None:
    emu.set_scopes(scopes)


def test_a_call_outside_the_tokens_scopes_gets_googles_403(emu: Emulator, google: Google) -> None:
    emu.add_message(mail(), ["INBOX"])
    _grant(emu, [GMAIL_READONLY, CALENDAR_READONLY])
    google.gmail.users().messages().list(userId="me").execute()  # reading is allowed
    body = {"message": {"raw": base64.urlsafe_b64encode(mail()).decode()}}
    with pytest.raises(HttpError) as caught:
        google.gmail.users().drafts().create(userId="me", body=body).execute()
    error = json.loads(caught.value.content)["error"]
    assert error["code"] == 403 and error["status"] == "PERMISSION_DENIED"
    assert error["message"] == "Request had insufficient authentication scopes."
    assert error["errors"] == [{"message": "Insufficient Permission", "domain": "global",
                                "reason": "insufficientPermissions"}]
    detail = error["details"][0]
    assert detail["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert detail["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    assert detail["metadata"]["service"] == "gmail.googleapis.com"
    header = caught.value.resp["www-authenticate"]
    assert header.startswith("Bearer ") and 'error="insufficient_scope"' in header
    assert GMAIL_COMPOSE in header
    assert emu.drafts() == []


def test_a_token_without_calendar_scope_cannot_list_events(emu: Emulator, google: Google) -> None:
    _grant(emu, [GMAIL_READONLY, GMAIL_COMPOSE])
    with pytest.raises(HttpError) as caught:
        google.calendar.events().list(calendarId="primary").execute()
    assert caught.value.resp.status == 403
    detail = json.loads(caught.value.content)["error"]["details"][0]
    assert detail["metadata"]["service"] == "calendar-json.googleapis.com"
    google.gmail.users().getProfile(userId="me").execute()  # compose allows getProfile


def test_a_refresh_never_widens_the_grant(emu: Emulator) -> None:
    _grant(emu, [GMAIL_READONLY])
    doc = _post(emu.url + "/token", {
        "grant_type": "refresh_token", "refresh_token": "emulator-refresh-token",
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": " ".join(SCOPES)})
    assert doc["scope"] == GMAIL_READONLY


# -- the consent page ------------------------------------------------------------------
class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.boxes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a["action"]
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a["value"]
        elif tag == "input" and a.get("type") == "checkbox":
            self.boxes.append(a["value"])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def consent_page(url: str) -> _Form:
    """The consent page at ``url``, parsed."""
    form = _Form()
    with urllib.request.urlopen(url, timeout=10) as page:
        form.feed(page.read().decode())
    return form


def submit(base: str, form: _Form, ticked: list[str]) -> str:
    """Post the consent form with ``ticked`` boxes; the Location it redirects to."""
    fields = list(form.hidden.items()) + [("scope", s) for s in ticked]
    data = urllib.parse.urlencode(fields).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(base + form.action, data=data, timeout=10)
    assert caught.value.code == 302
    return str(caught.value.headers["Location"])


def _post(url: str, form: dict[str, str]) -> dict[str, Any]:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as answer:
            return dict(json.loads(answer.read()))
    except urllib.error.HTTPError as exc:
        return dict(json.loads(exc.read()))


def test_consent_page_grants_the_ticked_scopes_with_pkce(emu: Emulator) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    redirect = "http://localhost:8765/"
    query = urllib.parse.urlencode({
        "client_id": CLIENT_ID, "redirect_uri": redirect, "response_type": "code",
        "scope": " ".join(SCOPES), "state": "st", "code_challenge": challenge,
        "code_challenge_method": "S256", "access_type": "offline"})
    form = consent_page(f"{emu.url}/o/oauth2/auth?{query}")
    assert form.boxes == list(SCOPES)  # one checkbox per scope, as Google's granular consent
    location = submit(emu.url, form, [GMAIL_READONLY, CALENDAR_READONLY])
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert location.startswith(redirect) and back["state"] == ["st"]
    assert back["scope"][0].split() == [GMAIL_READONLY, CALENDAR_READONLY]
    exchange = {"grant_type": "authorization_code", "code": back["code"][0],
                "redirect_uri": redirect, "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET}
    assert _post(emu.url + "/token", exchange | {"code_verifier": "wrong"})["error"] == (
        "invalid_grant")
    location = submit(emu.url, form, [GMAIL_READONLY, CALENDAR_READONLY])
    exchange["code"] = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    token = _post(emu.url + "/token", exchange | {"code_verifier": verifier})
    assert set(token["scope"].split()) == {GMAIL_READONLY, CALENDAR_READONLY}
    assert token["refresh_token"] and token["access_token"]
    # the code is used up
    assert _post(emu.url + "/token", exchange | {"code_verifier": verifier})["error"] == (
        "invalid_grant")


def test_consent_with_nothing_ticked_is_access_denied(emu: Emulator) -> None:
    query = urllib.parse.urlencode({"client_id": CLIENT_ID, "scope": GMAIL_READONLY,
                                    "redirect_uri": "http://127.0.0.1:9/", "state": "s"})
    location = submit(emu.url, consent_page(f"{emu.url}/o/oauth2/auth?{query}"), [])
    assert re.search(r"[?&]error=access_denied", location)


def test_consent_refuses_a_redirect_that_is_not_loopback(emu: Emulator) -> None:
    query = urllib.parse.urlencode({"client_id": CLIENT_ID, "scope": GMAIL_READONLY,
                                    "redirect_uri": "https://evil.example/"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        consent_page(f"{emu.url}/o/oauth2/auth?{query}")
    assert caught.value.code == 400
