"""Google Calendar source, Gmail mail source, draft sink and OAuth, opened together."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from google.oauth2.credentials import Credentials

from kaffe.config.schema import Config
from kaffe.connectors.google.auth import load_credentials
from kaffe.connectors.google.calendar import GoogleCalendarSource
from kaffe.connectors.google.gmail_drafts import GmailDraftSink, batch_uri_for
from kaffe.connectors.google.gmail_source import GmailMailSource
from kaffe.connectors.google.http import PerThreadService, Sleep, build_service, execute
from kaffe.errors import ConnectorError

__all__ = [
    "GmailDraftSink", "GmailMailSource", "GoogleCalendarSource", "GoogleConnection",
    "open_google",
]


@dataclass
class GoogleConnection:
    """The Google side of kaffe: one source per configured calendar, the mailbox
    (None when ``[gmail] enabled = false``) and the draft sink."""

    calendars: list[GoogleCalendarSource]
    drafts: GmailDraftSink
    gmail: Any  # the Gmail API client (per-thread), for other Gmail readers
    num_retries: int = 3
    sleep: Sleep = time.sleep
    mail: GmailMailSource | None = None

    def profile_email(self) -> str:
        """The signed-in account's address (users.getProfile), lower-cased."""
        request = self.gmail.users().getProfile(userId="me")
        profile = execute(request, "gmail users.getProfile", num_retries=self.num_retries,
                          sleep=self.sleep)
        email = str(profile.get("emailAddress") or "").strip().lower()
        if not email:
            raise ConnectorError("gmail users.getProfile: the response has no emailAddress")
        return email


def open_google(config: Config, token_path: Path, *, sleep: Sleep = time.sleep) -> GoogleConnection:
    """Load (and refresh) the token and build the Calendar and Gmail clients from ``config``."""
    gcfg = config.google
    creds = load_credentials(gcfg, token_path)
    calendar = _per_thread("calendar", "v3", creds, gcfg.api_endpoint)
    gmail = _per_thread("gmail", "v1", creds, gcfg.api_endpoint)
    retries = gcfg.num_retries
    sources = [
        GoogleCalendarSource(calendar, cid, self_addresses=config.me.addresses,
                             num_retries=retries, sleep=sleep)
        for cid in gcfg.calendar_ids
    ]
    batch_uri = batch_uri_for(gcfg.api_endpoint)
    sink = GmailDraftSink(gmail, num_retries=retries, sleep=sleep, batch_uri=batch_uri)
    return GoogleConnection(sources, sink, gmail, num_retries=retries, sleep=sleep,
                            mail=_mail(config, gmail, batch_uri, sleep))


def _mail(config: Config, gmail: Any, batch_uri: str, sleep: Sleep) -> GmailMailSource | None:
    if not config.gmail.enabled:
        return None
    return GmailMailSource(
        gmail, config=config.gmail, self_addresses=config.me.addresses, batch_uri=batch_uri,
        num_retries=config.google.num_retries, sleep=sleep,
        lookahead=timedelta(days=config.detect.lookahead_days),
    )


def _per_thread(api: str, version: str, creds: Credentials, endpoint: str) -> PerThreadService:
    return PerThreadService(lambda: build_service(api, version, creds, api_endpoint=endpoint))
