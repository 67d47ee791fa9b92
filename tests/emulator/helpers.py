"""Test helpers: the real Google client stack bound to an emulator, and sample data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from kaffe.emulator import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, Emulator


@dataclass
class Google:
    """The real client stack pointed at the emulator."""

    credentials: Credentials
    calendar: Any
    gmail: Any
    http: google_auth_httplib2.AuthorizedHttp


def connect(emu: Emulator, *, timeout: float | None = None) -> Google:
    """Calendar and Gmail clients on the emulator, over the same stack as kaffe's but from
    Google's whole discovery documents (every method, as a user's other tools have)."""
    creds = Credentials(
        token=None,
        refresh_token=REFRESH_TOKEN,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_uri=emu.url + "/token",
    )
    http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=timeout))
    calendar = build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": emu.url + "/calendar/v3/"},
    )
    gmail = build(
        "gmail",
        "v1",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": emu.url + "/"},
    )
    return Google(creds, calendar, gmail, http)


def mail(
    subject: str = "Coffee next week?",
    *,
    sender: str = "Ada Lovelace <ada@example.org>",
    to: str = "me@example.com",
    date: str = "Tue, 10 Mar 2026 09:00:00 +0000",
    msgid: str = "<coffee-1@example.org>",
    extra: str = "",
    body: str = "Would you like to grab a coffee and talk about compilers?",
) -> bytes:
    """A small RFC 822 message."""
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
        f"Message-ID: {msgid}\r\n{extra}MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return (head + body + "\r\n").encode("utf-8")


def event(summary: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    """A timed event resource in UTC."""
    return {"summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end}, **extra}
