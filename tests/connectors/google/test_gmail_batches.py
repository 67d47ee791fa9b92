"""A Gmail sync reads its messages one batch at a time and keeps only what it needs:
a first sync of 10,000+ messages must not hold every metadata document at once."""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.connectors.google.batching import Batcher, MakeRequest, OnSend
from kaffe.connectors.google.gmail_source import GmailMailSource
from kaffe.emulator import Emulator
from tests.connectors.google.test_gmail_source import BATCH, SINCE, _seed, _source
from tests.emulator.helpers import mail


class Doc(dict):  # type: ignore[type-arg]
    """A response document that a test can hold a weak reference to."""


class TrackingBatcher(Batcher):
    """Yields each response as a :class:`Doc` and counts, as each batch arrives, how many
    earlier ones are still alive."""

    def __init__(self, base: Batcher) -> None:
        super().__init__(base.batch_uri, base.num_retries, base.sleep, base.rand, base.size,
                         base.policy)
        self.refs: list[weakref.ref[Doc]] = []
        self.alive_at_yield: list[int] = []

    def chunks(
        self, keys: Sequence[str], make: MakeRequest, what: str, *, on_send: OnSend | None = None
    ) -> Iterator[tuple[list[str], dict[str, Any]]]:
        for chunk, responses in super().chunks(keys, make, what, on_send=on_send):
            self.alive_at_yield.append(sum(ref() is not None for ref in self.refs))
            docs = {key: Doc(doc) for key, doc in responses.items()}
            self.refs += [weakref.ref(doc) for doc in docs.values()]
            del responses
            yield chunk, docs


@pytest.fixture
def emu(tmp_path: Path, corpus: Path, now: datetime) -> Iterator[Emulator]:
    with Emulator(_seed(tmp_path / "seed", corpus), clock=lambda: now) as emulator:
        yield emulator


def _small_batches(source: GmailMailSource, size: int) -> None:
    source.batcher = replace(source.batcher, size=size)


def test_small_batches_give_the_same_sync(
    emu: Emulator, tmp_path: Path, now: datetime
) -> None:
    pytest.importorskip("kaffe.connectors.ical.invites")
    whole = _source(emu, tmp_path, [], invite_days=3650).sync(None, since=SINCE, now=now)
    source = _source(emu, tmp_path, [], invite_days=3650)
    _small_batches(source, 3)
    small = source.sync(None, since=SINCE, now=now)
    assert small.messages == whole.messages  # same messages, in the same order
    assert small.invitations == whole.invitations and small.invitations
    posts = [r for r in emu.requests() if r["path"] == BATCH]
    assert len(posts) > 2 * len(whole.messages) // 50


def test_a_full_sync_holds_one_batch_of_documents_at_a_time(
    emu: Emulator, tmp_path: Path, now: datetime
) -> None:
    source = _source(emu, tmp_path, [])
    _small_batches(source, 4)
    tracking = source.batcher = TrackingBatcher(source.batcher)
    batch = source.sync(None, since=SINCE, now=now)
    assert len(tracking.alive_at_yield) == -(-len(batch.messages) // 4)
    # while the next batch arrives, only the batch just handled may still be referenced
    assert max(tracking.alive_at_yield) <= 4 and len(tracking.refs) > 8
    assert all(ref() is None for ref in tracking.refs)


def test_chunks_are_fetched_as_they_are_read(emu: Emulator, tmp_path: Path) -> None:
    ids = [emu.add_message(mail(f"m{i}", msgid=f"<m{i}@x>"), ["INBOX"])["id"] for i in range(5)]
    gmail = _source(emu, tmp_path, []).service.users().messages()
    batcher = Batcher(emu.url + BATCH, size=2)
    emu.clear_requests()
    chunks = batcher.chunks(ids, lambda i: gmail.get(userId="me", id=i, format="minimal"), "get")
    first = next(chunks)
    assert sum(r["path"] == BATCH for r in emu.requests()) == 1
    assert first[0] == ids[:2] and list(first[1]) == ids[:2]
    rest = list(chunks)
    assert [keys for keys, _ in rest] == [ids[2:4], ids[4:]]
    assert [list(got) for _, got in rest] == [ids[2:4], ids[4:]]
