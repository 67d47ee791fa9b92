"""GmailMailSource against the live emulator over real HTTP, seeded with the .eml corpus."""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import math
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import Config, GmailConfig, GoogleConfig, MailboxesConfig, MeConfig
from kaffe.connectors.google import open_google
from kaffe.connectors.google.gmail_source import GmailMailSource, SyncCost
from kaffe.connectors.mailheaders import METADATA_HEADERS
from kaffe.emulator import Emulator
from kaffe.emulator.token import write_emulator_token
from kaffe.errors import TransientError
from kaffe.model import RECEIVED, SENT, MailBatch, Message
from tests.emulator.helpers import connect, mail

ME = "me@example.com"
ALIAS = "Me.Alias@Example.NET"
SINCE = datetime(2000, 1, 1, tzinfo=UTC)
PROFILE = "/gmail/v1/users/me/profile"
LIST = "/gmail/v1/users/me/messages"
HISTORY = "/gmail/v1/users/me/history"
BATCH = "/batch/gmail/v1"

LIST_MAIL = mail("[dev] weekly digest", sender="Dev List <dev@lists.example.org>",
                 msgid="<digest-1@lists.example.org>",
                 extra="List-Id: Developers <dev.lists.example.org>\r\n")
NOREPLY_MAIL = mail("Your receipt", sender="Shop <no-reply@shop.example>",
                    msgid="<receipt-1@shop.example>")
SENT_MAIL = mail("Re: Coffee next week?", sender=f"Me <{ME}>",
                 to="Ana <ana@example.dk>, =?utf-8?q?J=C3=B8rgen?= <Jorgen@Example.DK>",
                 msgid="<reply-1@example.com>",
                 extra="In-Reply-To: <coffee-1@example.dk>\r\n"
                       "References: <coffee-0@example.dk> <coffee-1@example.dk>\r\n")
ALIAS_MAIL = mail("Sent from my alias", sender=f"Me <{ALIAS}>", to="bo@example.org",
                  msgid="<alias-1@example.net>")


def _seed(root: Path, corpus: Path) -> Path:
    """A seed dir built at test time: the corpus .eml files plus a few of our own."""
    inbox, sent = root / "gmail" / "inbox", root / "gmail" / "sent"
    inbox.mkdir(parents=True)
    sent.mkdir(parents=True)
    for eml in sorted((corpus / "eml").glob("*.eml")):
        shutil.copy(eml, inbox / eml.name)
    (inbox / "zz-list.eml").write_bytes(LIST_MAIL)
    (inbox / "zz-noreply.eml").write_bytes(NOREPLY_MAIL)
    (sent / "reply.eml").write_bytes(SENT_MAIL)
    (sent / "alias.eml").write_bytes(ALIAS_MAIL)
    return root


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def emu(tmp_path: Path, corpus: Path, now: datetime) -> Iterator[Emulator]:
    with Emulator(_seed(tmp_path / "seed", corpus), clock=lambda: now) as emulator:
        assert emulator.seed_problems == []
        yield emulator


def _source(emu: Emulator, tmp_path: Path, sleeps: list[float], **gmail: Any) -> GmailMailSource:
    token = tmp_path / "token.json"
    write_emulator_token(token, emu.url)
    config = Config(me=MeConfig(addresses=(ALIAS.lower(),)),
                    google=GoogleConfig(api_endpoint=emu.url, num_retries=5),
                    mailboxes=MailboxesConfig(invite_days=gmail.pop("invite_days", 0)),
                    gmail=GmailConfig(**gmail))
    source = open_google(config, token, sleep=sleeps.append).mail
    assert source is not None
    return source


@pytest.fixture
def source(emu: Emulator, tmp_path: Path, sleeps: list[float]) -> GmailMailSource:
    return _source(emu, tmp_path, sleeps)


def _by_subject(batch: MailBatch) -> dict[str, Message]:
    return {" ".join(m.subject.split()): m for m in batch.messages}


def _expected(raw: bytes) -> dict[str, Any]:
    """What the stdlib's own parser reads from a message's headers."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    to = [a.addr_spec.lower() for h in msg.get_all("To", []) + msg.get_all("Cc", [])
          for a in h.addresses]
    return {"sender": msg["From"].addresses[0].addr_spec.lower(), "to": to,
            "subject": " ".join(str(msg["Subject"]).split()),
            "message_id": str(msg["Message-ID"] or ""),
            "date": email.utils.parsedate_to_datetime(str(msg["Date"])).astimezone(UTC)}


def _paths(emu: Emulator) -> list[str]:
    return [r["path"] for r in emu.requests()]


def test_full_sync_matches_every_corpus_message(
    emu: Emulator, source: GmailMailSource, corpus: Path, now: datetime
) -> None:
    batch = source.sync(None, since=SINCE, now=now)
    assert batch.full and batch.cursor and batch.account == "gmail"
    found = _by_subject(batch)
    emls = sorted((corpus / "eml").glob("*.eml"))
    assert len(batch.messages) == len(emls) + 4
    for eml in emls:
        want = _expected(eml.read_bytes())
        got = found[want["subject"]]
        assert got.sender.email == want["sender"], eml.name
        assert [r.email for r in got.to] == want["to"], eml.name
        assert (got.message_id, got.date) == (want["message_id"], want["date"]), eml.name
        assert got.direction == RECEIVED and "INBOX" in got.labels


def test_lists_and_robot_senders_are_bulk(source: GmailMailSource, now: datetime) -> None:
    found = _by_subject(source.sync(None, since=SINCE, now=now))
    assert "List-Id" in found["[dev] weekly digest"].bulk
    assert found["Your receipt"].bulk == "automated sender (no-reply@shop.example)"
    assert "noreply@example.com" in found["We're having a party - you're NOT invited"].bulk
    assert found["Testaus"].bulk == found["Teams meeting"].bulk == ""


def test_sent_mail_and_own_addresses(source: GmailMailSource, now: datetime) -> None:
    found = _by_subject(source.sync(None, since=SINCE, now=now))
    reply = found["Re: Coffee next week?"]
    assert reply.direction == SENT
    assert [(r.email, r.name) for r in reply.to] == [("ana@example.dk", "Ana"),
                                                     ("jorgen@example.dk", "Jørgen")]
    assert reply.in_reply_to == "<coffee-1@example.dk>"
    assert reply.references == ("<coffee-0@example.dk>", "<coffee-1@example.dk>")
    assert found["Sent from my alias"].sender.email == ALIAS.lower()
    assert set(source.own_addresses()) == {ME, ALIAS.lower()}


def test_own_addresses_fetch_the_profile_once(emu: Emulator, source: GmailMailSource) -> None:
    assert source.own_addresses() == (ALIAS.lower(), ME)
    assert source.own_addresses() == (ALIAS.lower(), ME)
    assert _paths(emu).count(PROFILE) == 1


@pytest.mark.parametrize("count", [3, 520])
def test_full_sync_request_pattern(
    emu: Emulator, tmp_path: Path, sleeps: list[float], now: datetime, count: int
) -> None:
    source = _source(emu, tmp_path, sleeps, skip_tabs=())  # one listing: see test_quota
    for i in range(count):
        emu.add_message(mail(f"bulk {i}", msgid=f"<n{i}@example.org>"), ["INBOX"])
    total = len(emu.gmail.messages)
    emu.clear_requests()
    batch = source.sync(None, since=SINCE, now=now)
    assert len(batch.messages) == total
    log = emu.requests()
    assert log[0]["path"] == PROFILE  # the cursor is read before anything is listed
    lists = [r for r in log if r["path"] == LIST]
    pages, posts = math.ceil(total / 500), math.ceil(total / 50)
    assert len(lists) == pages and _paths(emu).count(BATCH) == posts
    assert lists[0]["query"]["q"] == [f"after:{int(SINCE.timestamp())} -in:chats"]
    assert lists[0]["query"]["maxResults"] == ["500"]
    gets = [r for r in log if r["path"].startswith(LIST + "/")]
    assert len(gets) == total
    assert all(r["query"]["format"] == ["metadata"] for r in gets)
    assert all(r["query"]["metadataHeaders"] == list(METADATA_HEADERS) for r in gets)
    assert source.last_cost == SyncCost(1 + pages + posts, 1 + 5 * pages + 5 * total, total)


def test_nothing_new_costs_one_history_list(
    emu: Emulator, source: GmailMailSource, now: datetime
) -> None:
    first = source.sync(None, since=SINCE, now=now)
    emu.clear_requests()
    second = source.sync(first.cursor, since=SINCE, now=now)
    assert second == MailBatch("gmail", (), first.cursor, full=False)
    assert [(r["method"], r["path"]) for r in emu.requests()] == [("GET", HISTORY)]
    assert emu.requests()[0]["query"]["historyTypes"] == ["messageAdded", "messageDeleted"]
    assert source.last_cost == SyncCost(requests=1, units=2, messages=0)


def test_added_message_comes_back_alone(
    emu: Emulator, source: GmailMailSource, now: datetime
) -> None:
    cursor = source.sync(None, since=SINCE, now=now).cursor
    added = emu.add_message(mail("New one", msgid="<new@example.org>"), ["INBOX"])
    batch = source.sync(cursor, since=SINCE, now=now)
    assert [m.id for m in batch.messages] == [added["id"]]
    assert batch.messages[0].thread_id == added["threadId"] and not batch.full
    assert batch.cursor != cursor and batch.removed == ()
    assert source.last_cost == SyncCost(requests=2, units=2 + 5, messages=1)


def test_deleted_message_is_removed_and_drafts_are_not_mail(
    emu: Emulator, source: GmailMailSource, now: datetime
) -> None:
    drafts = connect(emu).gmail.users().drafts()  # a full client: kaffe's never deletes
    draft = drafts.create(userId="me", body={"message": {"raw": _b64(mail("draft"))}}).execute()
    first = source.sync(None, since=SINCE, now=now)
    cursor = first.cursor
    assert draft["message"]["id"] not in {m.id for m in first.messages}
    drafts.delete(userId="me", id=draft["id"]).execute()
    kept = emu.add_message(mail("kept"), ["INBOX"])
    batch = source.sync(cursor, since=SINCE, now=now)
    assert batch.removed == (draft["message"]["id"],)
    assert [m.id for m in batch.messages] == [kept["id"]]


def test_new_draft_in_history_is_not_fetched(
    emu: Emulator, source: GmailMailSource, now: datetime
) -> None:
    cursor = source.sync(None, since=SINCE, now=now).cursor
    drafts = source.service.users().drafts()
    drafts.create(userId="me", body={"message": {"raw": _b64(mail("draft"))}}).execute()
    emu.clear_requests()
    assert source.sync(cursor, since=SINCE, now=now).messages == ()
    assert _paths(emu) == [HISTORY]


def test_expired_history_means_a_full_resync(
    emu: Emulator, source: GmailMailSource, now: datetime
) -> None:
    first = source.sync(None, since=SINCE, now=now)
    added = emu.add_message(mail("While away"), ["INBOX"])
    emu.expire_history()
    batch = source.sync(first.cursor, since=SINCE, now=now)
    assert batch.full and batch.cursor != first.cursor
    ids = [m.id for m in batch.messages]
    assert len(ids) == len(set(ids))
    assert set(ids) == {m.id for m in first.messages} | {added["id"]}
    assert source.sync(batch.cursor, since=SINCE, now=now).messages == ()


def test_a_burst_of_429s_on_list_is_waited_out(
    emu: Emulator, source: GmailMailSource, now: datetime, sleeps: list[float]
) -> None:
    expected = {m.id for m in source.sync(None, since=SINCE, now=now).messages}
    emu.inject(429, count=5, retry_after=1, path_contains=LIST)
    assert {m.id for m in source.sync(None, since=SINCE, now=now).messages} == expected
    assert len(sleeps) == 5 and all(1.0 <= s <= 1.6 for s in sleeps)  # Retry-After, +jitter


def test_a_burst_of_429s_on_batch_parts_retries_only_those_parts(
    emu: Emulator, source: GmailMailSource, now: datetime, sleeps: list[float]
) -> None:
    expected = {m.id for m in source.sync(None, since=SINCE, now=now).messages}
    emu.clear_requests()
    emu.inject(429, count=5, retry_after=2, path_contains=LIST + "/")
    assert {m.id for m in source.sync(None, since=SINCE, now=now).messages} == expected
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 2.0 * 1.1 + 0.5  # stretched a little
    gets = [r for r in emu.requests() if r["path"].startswith(LIST + "/")]
    assert len(gets) == len(expected) + 5 and _paths(emu).count(BATCH) == 2


def test_a_burst_of_429s_anywhere_is_waited_out(
    emu: Emulator, source: GmailMailSource, now: datetime, sleeps: list[float]
) -> None:
    expected = {m.id for m in source.sync(None, since=SINCE, now=now).messages}
    emu.inject(429, count=5, retry_after=1)
    assert {m.id for m in source.sync(None, since=SINCE, now=now).messages} == expected
    assert len(sleeps) == 5 and all(1.0 <= s <= 1.6 for s in sleeps)  # Retry-After, +jitter


def test_a_part_failing_after_every_retry_fails_the_sync(
    emu: Emulator, source: GmailMailSource, now: datetime, sleeps: list[float]
) -> None:
    cursor = source.sync(None, since=SINCE, now=now).cursor
    added = emu.add_message(mail("Unlucky"), ["INBOX"])
    emu.inject(503, count=source.num_retries + 1, path_contains=f"/messages/{added['id']}")
    with pytest.raises(TransientError, match="still failing"):
        source.sync(cursor, since=SINCE, now=now)
    assert len(sleeps) == source.num_retries
    # the cursor was not advanced: the next sync from the same cursor still finds it
    assert [m.id for m in source.sync(cursor, since=SINCE, now=now).messages] == [added["id"]]


def test_a_part_answered_404_is_skipped(
    emu: Emulator, source: GmailMailSource, now: datetime
) -> None:
    cursor = source.sync(None, since=SINCE, now=now).cursor
    gone = emu.add_message(mail("Gone"), ["INBOX"])
    kept = emu.add_message(mail("Kept"), ["INBOX"])
    emu.inject(404, path_contains=f"/messages/{gone['id']}")
    assert [m.id for m in source.sync(cursor, since=SINCE, now=now).messages] == [kept["id"]]


def test_disabled_gmail_has_no_mail_source(emu: Emulator, tmp_path: Path) -> None:
    token = tmp_path / "token.json"
    write_emulator_token(token, emu.url)
    config = Config(google=GoogleConfig(api_endpoint=emu.url), gmail=GmailConfig(enabled=False))
    assert open_google(config, token).mail is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


OUTLOOK_UID = ("030000008200E00074C5B7101A82E0080000000060B608D090DDD7010000000000000000"
               "100000004BE0CFFA54BCF64E956E34143362C3C0")


def test_invitations_come_from_recent_personal_mail(
    emu: Emulator, tmp_path: Path, sleeps: list[float], now: datetime
) -> None:
    pytest.importorskip("kaffe.connectors.ical.invites")
    source = _source(emu, tmp_path, sleeps, invite_days=3650)
    batch = source.sync(None, since=SINCE, now=now)
    found = _by_subject(batch)
    outlook = found["Testaus"]
    event = next(e for e in batch.invitations if e.uid == OUTLOOK_UID)
    assert (event.thread_id, event.calendar, event.organizer) == (
        outlook.thread_id, "mail:gmail", "marge@example.org")
    assert event.start == datetime(2021, 11, 27, 7, 0, tzinfo=UTC)  # 09:00 FLE (UTC+2)
    cancel = found["Cancellation: Single Event @ Wed, Mar 16 2022 11:00 AST"]
    assert any(e.thread_id == cancel.thread_id and e.status == "cancelled"
               for e in batch.invitations)
    raw = {r["path"].rsplit("/", 1)[1] for r in emu.requests()
           if r["path"].startswith(LIST + "/") and r["query"].get("format") == ["raw"]}
    # plain-text mail and mail older than invite_days are never fetched raw; bulk mail is
    # (robots send invitations: bulk decides who is a contact, not what is read)
    assert outlook.id in raw and cancel.id in raw
    assert raw & {m.id for m in batch.messages if m.bulk}
    assert found["Test message with Spanish text, no charset header"].id not in raw
    assert found["[dev] weekly digest"].id not in raw


def test_invitations_skip_old_mail(
    emu: Emulator, tmp_path: Path, sleeps: list[float], now: datetime
) -> None:
    source = _source(emu, tmp_path, sleeps, invite_days=365)
    batch = source.sync(None, since=SINCE, now=now)
    assert batch.invitations == ()
    assert not [r for r in emu.requests() if r["query"].get("format") == ["raw"]]


def test_an_unreadable_message_is_logged_and_skipped(
    emu: Emulator, source: GmailMailSource, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    cursor = source.sync(None, since=SINCE, now=now).cursor
    anonymous = emu.add_message(b"To: me@example.com\r\nSubject: anon\r\n\r\nhi\r\n", ["INBOX"])
    fine = emu.add_message(mail("Signed"), ["INBOX"])
    with caplog.at_level("WARNING"):
        batch = source.sync(cursor, since=SINCE, now=now)
    assert [m.id for m in batch.messages] == [fine["id"]]
    assert f"message {anonymous['id']} skipped: no readable From" in caplog.text


def test_a_known_profile_address_spares_the_profile_call(
    emu: Emulator, source: GmailMailSource, now: datetime
) -> None:
    cursor = source.sync(None, since=SINCE, now=now).cursor
    emu.add_message(mail("Hello again"), ["INBOX"])
    fresh = GmailMailSource(source.service, config=source.config,
                            batch_uri=source.batcher.batch_uri, profile_email="ME@example.com")
    emu.clear_requests()
    assert fresh.sync(cursor, since=SINCE, now=now).messages[0].direction == RECEIVED
    assert fresh.own_addresses() == (ME,) and PROFILE not in _paths(emu)
