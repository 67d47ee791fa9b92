"""Google's authorization endpoint: a consent page with one checkbox per scope.

Google's granular consent lets the user untick scopes; the code it redirects back
with stands for what was ticked, and the redirect's ``scope`` parameter lists it.
``GET /o/oauth2/auth`` (also ``/o/oauth2/v2/auth`` and ``/auth``) shows the page;
its form posts to ``/o/oauth2/approve``, which redirects to the client's loopback
``redirect_uri`` with ``code``, ``scope`` and ``state`` (or ``error=access_denied``
when nothing was ticked). Only loopback redirects are allowed, as for Google's
desktop clients; the page is plain HTML a test can fill in without a browser.
"""

from __future__ import annotations

import html
import urllib.parse

from kaffe.emulator.oauth import CLIENT_ID, TokenAuthority
from kaffe.emulator.wire import Request, Response

AUTH_PATHS = frozenset({"/o/oauth2/auth", "/o/oauth2/v2/auth", "/auth"})
APPROVE_PATH = "/o/oauth2/approve"
_HTML = {"Content-Type": "text/html; charset=utf-8"}
_CARRIED = ("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")
# What Google's consent screen says for each scope kaffe asks for.
_WORDS = {
    "https://www.googleapis.com/auth/gmail.readonly": "View your email messages and settings",
    "https://www.googleapis.com/auth/gmail.compose": "Manage drafts and send emails",
    "https://www.googleapis.com/auth/calendar.readonly":
        "See and download any calendar you can access using your Google Calendar",
}


def handles(req: Request) -> bool:
    """Whether ``req`` is for the consent page or its form."""
    return (req.method == "GET" and req.path in AUTH_PATHS) or (
        req.method == "POST" and req.path == APPROVE_PATH)


def consent(tokens: TokenAuthority, req: Request) -> Response:
    """The page (GET) or the redirect after it (POST)."""
    if req.method == "GET":
        params = {k: v[-1] for k, v in req.query.items() if v}
        return _page(params)
    form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"))
    return _approve(tokens, {k: v[-1] for k, v in form.items() if v}, form.get("scope", []))


def _problem(params: dict[str, str]) -> str:
    if params.get("client_id") != CLIENT_ID:
        return "Error 401: invalid_client. The OAuth client was not found."
    if not _loopback(params.get("redirect_uri", "")):
        return "Error 400: redirect_uri_mismatch"
    if params.get("response_type", "code") != "code":
        return "Error 400: unsupported_response_type"
    return ""


def _loopback(uri: str) -> bool:
    parts = urllib.parse.urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")


def _page(params: dict[str, str]) -> Response:
    problem = _problem(params)
    if problem:
        return Response(400, f"<html><body><p>{html.escape(problem)}</p></body></html>".encode(),
                        dict(_HTML))
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(params[k], quote=True)}">'
        for k in _CARRIED if k in params)
    boxes = "".join(
        f'<label><input type="checkbox" name="scope" value="{html.escape(s, quote=True)}">'
        f" {html.escape(_WORDS.get(s, s))}</label><br>"
        for s in params.get("scope", "").split())
    body = (f"<html><body><h1>kaffe wants access to your Google Account</h1>"
            f'<form method="post" action="{APPROVE_PATH}">{hidden}{boxes}'
            '<button type="submit">Continue</button></form></body></html>')
    return Response(200, body.encode("utf-8"), dict(_HTML))


def _approve(tokens: TokenAuthority, form: dict[str, str], ticked: list[str]) -> Response:
    problem = _problem(form)
    if problem:
        return Response(400, html.escape(problem).encode(), dict(_HTML))
    back = {"state": form["state"]} if "state" in form else {}
    if not ticked:
        back["error"] = "access_denied"
    else:
        code = tokens.issue_code(form["client_id"], form["redirect_uri"], ticked,
                                 form.get("code_challenge", ""),
                                 form.get("code_challenge_method", ""))
        back |= {"code": code, "scope": " ".join(ticked)}
    location = form["redirect_uri"] + "?" + urllib.parse.urlencode(back)
    return Response(302, b"", {"Location": location})
