"""Gmail drafts as a :class:`~kaffe.connectors.base.DraftSink`.

Creates and finds drafts only. kaffe never sends mail, so nothing here calls a
send method on drafts or messages.

Each call first takes its quota units from the account's bucket (the one the mail
source draws from, :mod:`.pacing`), once per call, before the call's deadline watch
starts: a wait for the quota is not a hung connection. A retry after a refusal is
not paid again (Google charges nothing for a refused call).
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from kaffe.connectors.google.batching import BATCH_SIZE, Batcher
from kaffe.connectors.google.http import Sleep, execute
from kaffe.connectors.google.messages import header_map, payload_text
from kaffe.connectors.google.pacing import QUOTA_UNITS, QuotaBucket
from kaffe.connectors.google.permissions import GMAIL_COMPOSE, MissingPermission, missing
from kaffe.connectors.mailbody import BodyText
from kaffe.connectors.mailheaders import first, recipients
from kaffe.errors import ConnectorError
from kaffe.mailids import KEY_HEADER, wire_key
from kaffe.model import Draft, DraftHead

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES = 1000
GOOGLE_BATCH_URI = "https://gmail.googleapis.com/batch/gmail/v1"


def batch_uri_for(api_endpoint: str) -> str:
    """Gmail's batch endpoint; batches ignore client_options, so it is passed explicitly."""
    return api_endpoint.rstrip("/") + "/batch/gmail/v1" if api_endpoint else GOOGLE_BATCH_URI


class GmailDraftSink:
    """Creates Gmail drafts stamped with ``X-Kaffe-Key`` and finds them again by key."""

    name = "gmail"

    def __init__(
        self, service: Any, *, user_id: str = "me", num_retries: int = 3,
        sleep: Sleep = time.sleep, batch_uri: str = GOOGLE_BATCH_URI,
        bucket: QuotaBucket | None = None,
        granted: Callable[[], frozenset[str] | None] = lambda: None,
    ) -> None:
        self.service = service
        self.user_id = user_id
        self.batch_uri = batch_uri
        self.num_retries = num_retries
        self.sleep = sleep
        self.bucket = bucket
        self.granted = granted  # the scopes the stored token says were granted
        most = bucket.fits(QUOTA_UNITS["users.drafts.get"], BATCH_SIZE) if bucket else BATCH_SIZE
        self.batcher = Batcher(batch_uri, num_retries=num_retries, sleep=sleep, size=most)
        self._made: dict[str, str] = {}  # draft id -> message id, as created here

    def refusal(self) -> MissingPermission | None:
        """Why no draft can be made, known before asking Google: the stored token says
        ``gmail.compose`` was not granted. None when it was, or when no token says."""
        granted = self.granted()
        if granted is None:
            return None
        lacking = [p for p in missing(granted) if p.scope == GMAIL_COMPOSE]
        if not lacking:
            return None
        return MissingPermission(f"gmail drafts: {lacking[0].missing_line()}", lacking[0])

    def create_draft(self, draft: Draft) -> str:
        """Create ``draft`` (threaded when it has a thread id); return the Gmail draft id."""
        from kaffe.compose.mime import to_raw  # compose is a sibling part; import late

        message: dict[str, Any] = {"raw": base64.urlsafe_b64encode(to_raw(draft)).decode("ascii")}
        if draft.thread_id:
            message["threadId"] = draft.thread_id
        request = self._drafts().create(userId=self.user_id, body={"message": message})
        self._pay("users.drafts.create")
        # Not retried after a 5xx/timeout: the draft may exist; the executor looks first.
        created = execute(request, "gmail drafts.create", num_retries=self.num_retries,
                          sleep=self.sleep, idempotent=False)
        draft_id = created.get("id") if isinstance(created, dict) else None
        if not draft_id:
            raise ConnectorError("gmail drafts.create: the response has no draft id")
        version = (created.get("message") or {}).get("id")
        if version:
            self._made[str(draft_id)] = str(version)
        log.info("created Gmail draft %s for %s", draft_id, draft.key)
        return str(draft_id)

    def find_draft(self, key: str) -> str | None:
        """The id of the draft whose ``X-Kaffe-Key`` header stands for ``key``, or None."""
        return self.find_drafts([key]).get(key)

    def find_drafts(
        self, keys: Iterable[str], *, skip: Collection[str] = ()
    ) -> dict[str, str]:
        """Key -> draft id for each of ``keys`` that a draft in Gmail carries.

        Gmail cannot search by a header of its own choosing, so this reads the drafts'
        headers: drafts.list (5 units a page of 100), then drafts.get (5 units each,
        50 to a batch) for every draft not in ``skip``, newest first, until every key
        is found or the drafts end."""
        wanted = {wire_key(key): key for key in keys}
        found: dict[str, str] = {}
        if not wanted:
            return found
        unread = (i for i in self._draft_ids() if i not in skip)
        for chunk in _chunks(unread, BATCH_SIZE):
            headers = self.batcher.run(chunk, self.metadata_request, "gmail drafts.get",
                                       on_send=self._pay_parts)
            for draft_id in chunk:
                key = wanted.get(_header(headers.get(draft_id), KEY_HEADER) or "")
                if key is not None:
                    found.setdefault(key, draft_id)  # the newest one wins
            if len(found) == len(wanted):
                break
        return found

    # -- reading your drafts (issue 16): never an update, a move or a delete ---------
    def draft_versions(self) -> dict[str, str]:
        """Draft id -> the id of its message, which Gmail replaces on every edit."""
        return dict(self._listed())

    def made_versions(self) -> dict[str, str]:
        """The drafts this sink created, with the message id each was created with."""
        return dict(self._made)

    def draft_heads(self, ids: Iterable[str]) -> list[DraftHead]:
        """drafts.get ``format=metadata`` (5 units each, batched): the headers only."""
        heads = []
        for draft_id, doc in self._read(list(ids), self.metadata_request).items():
            message = doc.get("message") or {}
            headers = header_map(message)
            heads.append(DraftHead(
                id=draft_id, version=str(message.get("id") or ""),
                to=recipients(headers.get("to", []) + headers.get("cc", [])),
                subject=first(headers, "subject"), kaffe_key=first(headers, "x-kaffe-key"),
                size=int(message.get("sizeEstimate") or 0)))
        return heads

    def draft_texts(self, ids: Iterable[str], *, cap: int) -> dict[str, BodyText]:
        """drafts.get ``format=full`` (5 units each, batched): the text parts come inline,
        attachments only as references, so a large attachment is never downloaded."""
        texts = {}
        for draft_id, doc in self._read(list(ids), self.full_request).items():
            try:
                texts[draft_id] = payload_text((doc.get("message") or {}).get("payload"),
                                               cap=cap)
            except (ValueError, TypeError, AttributeError) as exc:
                log.warning("gmail draft %s: its text cannot be read (%s); not reviewed",
                            draft_id, type(exc).__name__)
        return texts

    def full_request(self, draft_id: str) -> Any:
        return self._drafts().get(userId=self.user_id, id=draft_id, format="full")

    def _read(self, ids: list[str], make: Callable[[str], Any]) -> dict[str, Any]:
        found = self.batcher.run(ids, make, "gmail drafts.get", on_send=self._pay_parts)
        return {k: v for k, v in found.items() if isinstance(v, dict)}

    def _draft_ids(self) -> Iterator[str]:
        return (draft_id for draft_id, _version in self._listed())

    def _listed(self) -> Iterator[tuple[str, str]]:
        token = None
        for _ in range(MAX_PAGES):
            request = self._drafts().list(userId=self.user_id, maxResults=PAGE_SIZE,
                                          pageToken=token)
            self._pay("users.drafts.list")
            page = self._run(request, "gmail drafts.list")
            yield from ((str(d["id"]), str((d.get("message") or {}).get("id") or ""))
                        for d in page.get("drafts") or [] if d.get("id"))
            token = page.get("nextPageToken")
            if not token:
                return
        raise ConnectorError(f"gmail drafts.list: more than {MAX_PAGES} pages")

    def metadata_request(self, draft_id: str) -> Any:
        """drafts.get for the headers of one draft, not its body (drafts.get, unlike
        messages.get, takes no metadataHeaders: every header comes back)."""
        return self._drafts().get(userId=self.user_id, id=draft_id, format="metadata")

    def _pay(self, method: str, calls: int = 1) -> None:
        """Wait for ``calls`` x ``method``'s quota units in the account's bucket."""
        if self.bucket is not None:
            self.bucket.take(calls * QUOTA_UNITS[method])

    def _pay_parts(self, calls: int) -> None:
        self._pay("users.drafts.get", calls)

    def _drafts(self) -> Any:
        return self.service.users().drafts()

    def _run(self, request: Any, what: str) -> Any:
        return execute(request, what, num_retries=self.num_retries, sleep=self.sleep)


def _chunks(items: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _header(draft: Any, name: str) -> str | None:
    """The value of header ``name`` in a metadata-format draft, or None."""
    payload = ((draft or {}).get("message") or {}).get("payload") or {}
    for header in payload.get("headers") or []:
        if str(header.get("name", "")).lower() == name.lower():
            return str(header.get("value", "")).strip()
    return None
