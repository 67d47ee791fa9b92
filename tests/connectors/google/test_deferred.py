"""What kaffe.connectors.google defers (kaffe._lazy.GOOGLE, issue 14): a user's
credentials never run it, and it works when something does use it. Checked in fresh
interpreters, since the test process has imported Google's libraries already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[3] / "src"

STATE = """
import json, sys
from kaffe import _lazy

def state():
    return {"imported": [n for n in ("cryptography", "pyparsing") if n in sys.modules],
            "ran": [n for n in _lazy.GOOGLE if _lazy.executed(n)]}
"""

CONNECTION = STATE + """
from pathlib import Path
from kaffe.config.schema import Config, GoogleConfig, MeConfig
from kaffe.connectors.google import open_google

config = Config(me=MeConfig(addresses=("me@example.com",)),
                google=GoogleConfig(api_endpoint=sys.argv[1], calendar_ids=("primary",)))
google = open_google(config, Path(sys.argv[2]), sleep=lambda _s: None)
google.profile_email()
print(json.dumps(state()), flush=True)
sys.stdin.readline()  # the test expires the access token: the next request gets a 401
google.profile_email()
print(json.dumps(state()), flush=True)
"""

USED = STATE + """
import kaffe.connectors.google  # defers them
import asyncio, time
assert state() == {"imported": [], "ran": []}, state()

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt
from google.oauth2 import service_account

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption()).decode()
public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
account = service_account.Credentials.from_service_account_info({
    "type": "service_account", "client_email": "bot@example.iam.gserviceaccount.com",
    "private_key": pem, "private_key_id": "k1", "token_uri": "http://127.0.0.1:1/token"})
now = int(time.time())
signed = jwt.encode(account.signer, {"aud": "kaffe", "sub": "bot", "iat": now,
                                     "exp": now + 60})
claims = jwt.decode(signed, certs={"k1": public.decode()}, audience="kaffe")

import httplib2.auth
challenge = httplib2.auth._parse_www_authenticate(
    {"www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'})

async def answer():
    await asyncio.sleep(0)
    return 7

print(json.dumps({"sub": claims["sub"], "challenge": challenge,
                  "async": asyncio.run(answer()), **state()}))
"""


def child(code: str, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


def test_a_token_refresh_and_gmail_run_none_of_it_a_401_loads_httplib2_auth(
    emu: Any, token_path: Path
) -> None:
    proc = child(CONNECTION, emu.url, str(token_path))
    assert proc.stdout is not None and proc.stdin is not None
    first = json.loads(proc.stdout.readline() or "null")
    posts = [r for r in emu.requests() if r["method"] == "POST" and r["path"] == "/token"]
    emu.expire_access_tokens()
    emu.clear_requests()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    second = json.loads(proc.stdout.readline() or "null")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert posts  # the access token was refreshed, with the user's refresh token
    assert first == {"imported": [], "ran": []}
    statuses = [(r["path"], r["status"]) for r in emu.requests()]
    assert statuses[0][1] == 401 and ("/token", 200) in statuses
    # httplib2 reads the 401's challenge: its auth module (and pyparsing) load, and work
    assert second == {"imported": ["pyparsing"], "ran": ["httplib2.auth"]}


def test_the_deferred_modules_work_when_used() -> None:
    proc = child(USED)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    found = json.loads(out.strip().splitlines()[-1])
    assert found["sub"] == "bot" and found["async"] == 7
    assert found["challenge"]["bearer"]["error"] == "invalid_token"
    assert sorted(found["ran"]) == sorted(
        ["google.oauth2.service_account", "google.auth.jwt", "httplib2.auth", "asyncio"])
    assert found["imported"] == ["cryptography", "pyparsing"]
