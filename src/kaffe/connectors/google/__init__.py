"""Google Calendar source, Gmail mail source, draft sink and OAuth, opened together."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from kaffe import _lazy

_lazy.defer(_lazy.GOOGLE)  # before Google's client libraries are first imported

from google.oauth2.credentials import Credentials

from kaffe.config.schema import Config
from kaffe.connectors.google.auth import TokenKeeper
from kaffe.connectors.google.calendar import GoogleCalendarSource
from kaffe.connectors.google.gmail_drafts import GmailDraftSink, batch_uri_for
from kaffe.connectors.google.gmail_source import GmailMailSource
from kaffe.connectors.google.http import PerThreadService, Sleep, build_service, execute
from kaffe.connectors.google.pacing import QUOTA_UNITS, Clock, QuotaBucket, shared_bucket
from kaffe.connectors.google.permissions import granted_scopes
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
    bucket: QuotaBucket | None = None  # the account's quota, shared by every Gmail call

    def profile_email(self) -> str:
        """The signed-in account's address (users.getProfile), lower-cased."""
        request = self.gmail.users().getProfile(userId="me")
        if self.bucket is not None:
            self.bucket.take(QUOTA_UNITS["users.getProfile"])
        profile = execute(request, "gmail users.getProfile", num_retries=self.num_retries,
                          sleep=self.sleep)
        email = str(profile.get("emailAddress") or "").strip().lower()
        if not email:
            raise ConnectorError("gmail users.getProfile: the response has no emailAddress")
        return email


def open_google(
    config: Config, token_path: Path, *, sleep: Sleep = time.sleep, lazy: bool = False,
    clock: Clock = time.monotonic,
) -> GoogleConnection:
    """Load (and refresh) the token and build the Calendar and Gmail clients from ``config``.

    Every Gmail call (the mailbox's, the drafts', the profile's) waits in one quota
    bucket for this account, kept for the life of the process (:func:`.shared_bucket`).

    With ``lazy`` the token is first read when a client is used, so a missing or revoked
    token raises AuthError there (in each source's sync) instead of here; and a new token
    file (`kaffe auth`) is picked up on the next use, without a restart.
    """
    gcfg = config.google
    keeper = TokenKeeper(gcfg, token_path)
    if not lazy:
        keeper.credentials()
    calendar = KeptService(keeper, partial(_build, "calendar", "v3", gcfg.api_endpoint))
    gmail = KeptService(keeper, partial(_build, "gmail", "v1", gcfg.api_endpoint))
    retries = gcfg.num_retries
    sources = [
        GoogleCalendarSource(calendar, cid, self_addresses=config.me.addresses,
                             num_retries=retries, sleep=sleep)
        for cid in gcfg.calendar_ids
    ]
    batch_uri = batch_uri_for(gcfg.api_endpoint)
    bucket = shared_bucket(str(Path(token_path).resolve()), config.gmail.quota_per_minute,
                           config.gmail.quota_share, clock=clock, sleep=sleep)
    sink = GmailDraftSink(gmail, num_retries=retries, sleep=sleep, batch_uri=batch_uri,
                          bucket=bucket, granted=partial(_granted, keeper))
    return GoogleConnection(sources, sink, gmail, num_retries=retries, sleep=sleep,
                            mail=_mail(config, gmail, batch_uri, sleep, bucket), bucket=bucket)


def _granted(keeper: TokenKeeper) -> frozenset[str] | None:
    """The granted scopes as the token file says them, once a token refreshed in use
    (perhaps with a narrower grant) is stored there."""
    keeper.store_refreshed()
    return granted_scopes(keeper.token_path)


def _mail(
    config: Config, gmail: Any, batch_uri: str, sleep: Sleep, bucket: QuotaBucket
) -> GmailMailSource | None:
    if not config.gmail.enabled:
        return None
    return GmailMailSource(
        gmail, config=config.gmail, self_addresses=config.me.addresses, batch_uri=batch_uri,
        num_retries=config.google.num_retries, sleep=sleep,
        lookahead=timedelta(days=config.detect.lookahead_days),
        bucket=bucket, invite_days=config.mailboxes.invite_days,
    )


class KeptService:
    """An API client on the keeper's current credentials: built per thread on first use
    and built again when the keeper hands out new credentials (a new token file)."""

    def __init__(self, keeper: TokenKeeper, build: Callable[[Credentials], Any]) -> None:
        self._keeper = keeper
        self._build = build
        self._lock = threading.Lock()
        self._creds: Credentials | None = None
        self._service: PerThreadService | None = None

    def __getattr__(self, name: str) -> Any:
        creds = self._keeper.credentials()  # AuthError here while the token is bad
        with self._lock:
            if self._service is None or creds is not self._creds:
                self._creds, self._service = creds, PerThreadService(partial(self._build, creds))
            service = self._service
        return getattr(service, name)


def _build(api: str, version: str, endpoint: str, creds: Credentials) -> Any:
    return build_service(api, version, creds, api_endpoint=endpoint)
