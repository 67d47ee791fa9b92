"""The loopback consent flow end to end, with a local stand-in for Google's token endpoint.

The "browser" is this test: it reads the printed URL and follows Google's redirect
back to kaffe's loopback server itself.
"""

from __future__ import annotations

import json
import queue
import stat
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from kaffe.config.schema import GoogleConfig
from kaffe.connectors.google.auth import SCOPES, authorize


class _TokenHandler(BaseHTTPRequestHandler):
    granted: tuple[str, ...] = SCOPES  # what the user left ticked on the consent page

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        ok = form.get("grant_type") == ["authorization_code"] and form.get("code") == ["c0de"]
        body = {"access_token": "at", "refresh_token": "rt", "expires_in": 3600,
                "token_type": "Bearer", "scope": " ".join(self.granted)} if ok else {"error": "bad"}
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def token_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _TokenHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _client_secret(path: Path, base: str) -> Path:
    installed = {"client_id": "cid", "client_secret": "cs", "auth_uri": base + "/auth",
                 "token_uri": base + "/token", "redirect_uris": ["http://localhost"]}
    path.write_text(json.dumps({"installed": installed}))
    return path


def test_headless_authorize_prints_tunnel_and_stores_token_0600(
    tmp_path: Path, token_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the stand-in speaks plain http
    printed: queue.Queue[str] = queue.Queue()
    monkeypatch.setattr("google_auth_oauthlib.flow.print", printed.put, raising=False)
    gcfg = GoogleConfig(client_secret_file=_client_secret(tmp_path / "cs.json", token_server))
    token_path = tmp_path / "token.json"
    result: list[object] = []
    flow = threading.Thread(target=lambda: result.append(
        authorize(gcfg, token_path, open_browser=False)))
    flow.start()
    message = printed.get(timeout=10)
    url = urllib.parse.urlparse(next(w for w in message.split() if w.startswith(token_server)))
    query = urllib.parse.parse_qs(url.query)
    redirect = urllib.parse.urlparse(query["redirect_uri"][0])
    assert f"ssh -L {redirect.port}:127.0.0.1:{redirect.port} host" in message
    assert query["access_type"] == ["offline"] and set(query["scope"][0].split()) == set(SCOPES)
    back = {"code": "c0de", "state": query["state"][0]}
    urllib.request.urlopen(
        f"http://127.0.0.1:{redirect.port}/?{urllib.parse.urlencode(back)}", timeout=10).read()
    flow.join(timeout=10)
    assert result and json.loads(token_path.read_text())["refresh_token"] == "rt"
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600


def test_a_partial_grant_is_stored_with_the_granted_scopes_not_refused(
    tmp_path: Path, token_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Google's consent screen let the user untick gmail.compose: the token response's
    # scope is narrower than asked. oauthlib used to raise "Scope has changed".
    monkeypatch.setattr(_TokenHandler, "granted", (SCOPES[0], SCOPES[2]))
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    printed: queue.Queue[str] = queue.Queue()
    monkeypatch.setattr("google_auth_oauthlib.flow.print", printed.put, raising=False)
    gcfg = GoogleConfig(client_secret_file=_client_secret(tmp_path / "cs.json", token_server))
    token_path = tmp_path / "token.json"
    result: list[object] = []
    flow = threading.Thread(target=lambda: result.append(_attempt(gcfg, token_path)))
    flow.start()
    message = printed.get(timeout=10)
    url = urllib.parse.urlparse(next(w for w in message.split() if w.startswith(token_server)))
    query = urllib.parse.parse_qs(url.query)
    port = urllib.parse.urlparse(query["redirect_uri"][0]).port
    back = {"code": "c0de", "state": query["state"][0], "scope": f"{SCOPES[0]} {SCOPES[2]}"}
    urllib.request.urlopen(
        f"http://127.0.0.1:{port}/?{urllib.parse.urlencode(back)}", timeout=10).read()
    flow.join(timeout=10)
    assert result and not isinstance(result[0], Exception), result
    assert set(json.loads(token_path.read_text())["scopes"]) == {SCOPES[0], SCOPES[2]}


def _attempt(gcfg: GoogleConfig, token_path: Path) -> object:
    try:
        return authorize(gcfg, token_path, open_browser=False)
    except Exception as exc:  # the test reports what went wrong
        return exc
