"""Gmail message resources → Message: pure normalisation, on real recorded Gmail JSON and tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.connectors.google.messages import label_reason, normalize_message, top_mime_type
from kaffe.connectors.mailheaders import (
    SAMPLE_CHARS,
    UnreadableMessage,
    bulk_reason,
    may_hold_invitation,
    recipients,
)
from kaffe.model import RECEIVED, SENT, Recipient


def _doc(headers: dict[str, str] | list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    pairs = headers.items() if isinstance(headers, dict) else headers
    doc = {"id": "m1", "threadId": "t1", "internalDate": "1773136800000", "labelIds": ["INBOX"],
           "payload": {"mimeType": "text/plain",
                       "headers": [{"name": k, "value": v} for k, v in pairs]}}
    return {**doc, **extra}


def _json(corpus: Path, name: str) -> dict[str, Any]:
    return json.loads((corpus / "gmail_json" / name).read_text(encoding="utf-8"))


def test_recorded_newsletter_is_bulk_by_its_list_unsubscribe(corpus: Path) -> None:
    doc = _json(corpus, "nango__messages_get_full_html_iso8859_qp_newsletter.json")
    msg = normalize_message(doc, account="gmail", own_addresses=("hassanwari254@gmail.com",))
    assert msg.bulk == "mailing list (List-Unsubscribe header)"
    assert msg.sender == Recipient("info@tendersunlimited.com", "TendersUnlimited.com")
    assert msg.direction == RECEIVED and msg.to == (Recipient("hassanwari254@gmail.com"),)
    assert msg.date == datetime.fromtimestamp(1728365147, UTC)
    assert msg.message_id == "<iuWHwffH3o5be8ku81UHFhbgnBPiAEpLFSJ14yRDRA@localhost>"


def test_recorded_reply_keeps_its_thread_headers(corpus: Path) -> None:
    doc = _json(corpus, "nango__messages_get_full_reply_with_attachment.json")
    msg = normalize_message(doc, account="gmail")
    parent = "<CAJd6Vj+pug5qq8Kg4ZXuSz_5n9w3cpmFA5ax_HSP=2mYopcJFA@mail.gmail.com>"
    assert (msg.id, msg.thread_id) == ("1926aae906133846", "1926aade210af14d")
    assert msg.direction == SENT  # the SENT label, even with no own addresses known
    assert (msg.subject, msg.in_reply_to, msg.references) == ("Re: THIS IS AN EXAMPLE", parent,
                                                               (parent,))
    assert msg.bulk == "" and "IMPORTANT" in msg.labels
    assert may_hold_invitation(top_mime_type(doc))  # multipart/mixed


def test_date_is_internal_date_not_the_date_header() -> None:
    msg = normalize_message(_doc({"From": "a@x.org", "Date": "Mon, 1 Jan 1990 00:00:00 +0000"}),
                            account="gmail")
    assert msg.date == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def test_own_address_makes_it_sent_and_key_is_read() -> None:
    doc = _doc({"From": "Me <ME@Example.com>", "To": "ana@example.dk",
                "X-Kaffe-Key": "followup:google:primary/e1"})
    msg = normalize_message(doc, account="gmail", own_addresses=("me@example.com",))
    assert (msg.direction, msg.kaffe_key) == (SENT, "followup:google:primary/e1")


def test_to_and_cc_decoded_lowercased_deduplicated_malformed_dropped() -> None:
    found = recipients(["=?utf-8?q?J=C3=B8rgen_Bl=C3=A5?= <Jorgen@Example.DK>, bad@@x, ",
                        '"Doe, Jane" <jane@example.org>', "jorgen@example.dk",
                        "undisclosed-recipients:;", "no address here"])
    assert found == (Recipient("jorgen@example.dk", "Jørgen Blå"),
                     Recipient("jane@example.org", "Doe, Jane"))


def test_every_to_header_counts() -> None:
    doc = _doc([("From", "a@x.org"), ("To", "b@x.org,"), ("To", "c@x.org"), ("Cc", "d@x.org")])
    assert [r.email for r in normalize_message(doc, account="gmail").to] == [
        "b@x.org", "c@x.org", "d@x.org"]


@pytest.mark.parametrize(
    "doc, reason",
    [
        (_doc({"From": "a@x.org"}, internalDate=None), "internalDate"),
        (_doc({"From": "a@x.org"}, internalDate="yesterday"), "internalDate"),
        (_doc({"To": "a@x.org"}), "From"),
        (_doc({"From": "not an address"}), "From"),
        ({"threadId": "t"}, "no message id"),
        (_doc({"From": "a@x.org"}, payload={"headers": "garbage"}), "From"),
    ],
)
def test_unreadable_messages_say_why(doc: dict[str, Any], reason: str) -> None:
    with pytest.raises(UnreadableMessage, match=reason):
        normalize_message(doc, account="gmail")


@pytest.mark.parametrize(
    "local",
    ["noreply", "no-reply", "no_reply", "do-not-reply", "donotreply", "mailer-daemon",
     "MAILER-DAEMON", "postmaster", "notifications", "notification", "bounce", "bounces+x-1",
     "news", "newsletter", "calendar-noreply", "jobs.newsletter"],
)
def test_robot_senders_are_bulk(local: str) -> None:
    sender = f"{local.lower()}@example.com"
    assert bulk_reason({}, sender) == f"automated sender ({sender})"


@pytest.mark.parametrize("local", ["info", "anna", "newsom", "noreplyx", "bounced.ana", "hello"])
def test_people_are_not_bulk(local: str) -> None:
    assert bulk_reason({}, f"{local}@example.com") == ""
    assert label_reason(("INBOX", "IMPORTANT")) == ""


@pytest.mark.parametrize(
    "headers, labels, reason",
    [
        ({"list-id": ["Dev <dev.x.org>"]}, (), "mailing list (List-Id Dev <dev.x.org>)"),
        ({"list-unsubscribe": ["<mailto:u@x>"]}, (), "mailing list (List-Unsubscribe header)"),
        ({"precedence": ["Bulk"]}, (), "Precedence: bulk"),
        ({"precedence": ["junk"]}, (), "Precedence: junk"),
        ({"precedence": ["list"]}, (), "Precedence: list"),
        ({"precedence": ["first-class"]}, (), ""),
        ({"auto-submitted": ["auto-generated"]}, (), "Auto-Submitted: auto-generated"),
        ({"auto-submitted": ["auto-replied"]}, (), "Auto-Submitted: auto-replied"),
        ({"auto-submitted": ["no"]}, (), ""),
        ({}, ("INBOX", "CATEGORY_PROMOTIONS"), "label CATEGORY_PROMOTIONS"),
        ({}, ("CATEGORY_SOCIAL",), "label CATEGORY_SOCIAL"),
        ({}, ("CATEGORY_FORUMS",), "label CATEGORY_FORUMS"),
        ({}, ("CATEGORY_UPDATES",), "label CATEGORY_UPDATES"),
        ({}, ("SPAM",), "label SPAM"),
        ({}, ("TRASH",), "label TRASH"),
        ({}, ("CATEGORY_PERSONAL", "INBOX"), ""),
    ],
)
def test_bulk_reasons(headers: dict[str, list[str]], labels: tuple[str, ...], reason: str) -> None:
    fields = {"From": "ana@example.dk"} | {name: values[0] for name, values in headers.items()}
    doc = _doc(fields, labelIds=list(labels))
    assert normalize_message(doc, account="gmail").bulk == reason


@pytest.mark.parametrize(
    "payload, expected",
    [
        ({"mimeType": "text/calendar"}, True),
        ({"mimeType": "multipart/mixed"}, True),
        ({"mimeType": "multipart/alternative"}, True),
        ({"mimeType": "multipart/report"}, False),
        ({"mimeType": "text/plain"}, False),
        ({"mimeType": "text/html"}, False),
        ({"headers": [{"name": "Content-Type", "value": "TeXt/CaLeNdAr; method=REQUEST"}]}, True),
        ({"headers": [{"name": "Content-Type", "value": "multipart/report; x=y"}]}, False),
        ({}, False),
    ],
)
def test_may_hold_invitation(payload: dict[str, Any], expected: bool) -> None:
    assert may_hold_invitation(top_mime_type({"id": "m1", "payload": payload})) is expected


def test_the_snippet_of_received_personal_mail_is_kept_unescaped_and_capped() -> None:
    """Gmail's snippet (format=metadata) is what sync judges the language by (issue 15)."""
    snippet = "Hej Alex, tak for i g&aring;r &amp; vi ses &quot;snart&quot; " + "x" * 300
    doc = _doc({"From": "ana@example.dk", "To": "me@example.com"}, snippet=snippet)
    msg = normalize_message(doc, account="gmail", own_addresses=("me@example.com",))
    assert msg.sample.startswith('Hej Alex, tak for i går & vi ses "snart" xx')
    assert len(msg.sample) == SAMPLE_CHARS
    sent = _doc({"From": "me@example.com", "To": "ana@example.dk"}, snippet="Hi")
    bulk = _doc({"From": "news@example.dk", "List-Id": "<n.example.dk>"}, snippet="Hi")
    assert [normalize_message(d, account="gmail", own_addresses=("me@example.com",)).sample
            for d in (sent, bulk, _doc({"From": "ana@example.dk"}))] == ["", "", ""]
