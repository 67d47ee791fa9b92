"""The emulator's Gmail search: Gmail's documented operators through the real client,
400 for broken syntax, 501 naming valid Gmail it does not evaluate."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from kaffe.emulator import Emulator
from tests.emulator.helpers import Google, mail

PDF = (
    b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; '
    b'filename="Agenda.pdf"\r\n\r\nx\r\n--b--\r\n'
)


def _mailbox(emu: Emulator) -> dict[str, str]:
    multipart = 'Content-Type: multipart/mixed; boundary="b"\r\n'
    specs = {
        "ana": (mail("Kaffe i morgen?", sender="Ana <ana@north.example>", msgid="<a@x>",
                     body="Skal vi mødes?"), ["INBOX", "UNREAD", "CATEGORY_PERSONAL"]),
        "sale": (mail("Big sale", sender="shop@deals.example", msgid="<s@x>",
                      body="meeting room chairs"), ["INBOX", "CATEGORY_PROMOTIONS"]),
        "friend": (mail("New follower", sender="noreply@social.example", msgid="<f@x>",
                        extra="List-Id: <updates.social.example>\r\n"),
                   ["INBOX", "CATEGORY_SOCIAL"]),
        "mine": (mail("Agenda", sender="me@example.com", to="bo@east.example", msgid="<m@x>",
                      date="Sun, 01 Feb 2026 09:00:00 +0000"), ["SENT", "Label_7", "IMPORTANT"]),
    }
    ids = {name: emu.add_message(raw, labels)["id"] for name, (raw, labels) in specs.items()}
    raw = mail("Slides", sender="bo@east.example", msgid="<p@x>", extra=multipart)
    raw = raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n" + PDF
    ids["pdf"] = emu.add_message(raw, ["INBOX", "Work/Projects"])["id"]
    return ids


def _names(google: Google, ids: dict[str, str], q: str) -> set[str]:
    found = google.gmail.users().messages().list(userId="me", q=q).execute()
    by_id = {v: k for k, v in ids.items()}
    return {by_id[m["id"]] for m in found.get("messages", [])}


@pytest.mark.parametrize(("query", "expected"), [
    ("{from:ana from:bo}", {"ana", "pdf"}),
    ("from:ana OR from:bo", {"ana", "pdf"}),
    ("-{category:promotions category:social}", {"ana", "mine", "pdf"}),
    ("category:primary", {"ana", "mine", "pdf"}),
    ("category:promotions", {"sale"}),
    ("-category:promotions -category:social in:inbox", {"ana", "pdf"}),
    ("from:me", {"mine"}),
    ("to:bo@east.example", {"mine"}),
    ("subject:(kaffe morgen)", {"ana"}),
    ('subject:"i morgen"', {"ana"}),
    ("meet", set()),  # whole words: not "meeting"
    ("meeting", {"sale"}),
    ("has:attachment", {"pdf"}),
    ("filename:pdf", {"pdf"}),
    ("filename:agenda", {"pdf"}),
    ("label:work-projects", {"pdf"}),
    ("label:label_7", {"mine"}),
    ("has:userlabels", {"mine", "pdf"}),
    ("is:important", {"mine"}),
    ("is:unread", {"ana"}),
    ("list:updates.social.example", {"friend"}),
    ("older_than:1m", {"mine"}),
    ("newer:2026/03/01 -in:sent", {"ana", "sale", "friend", "pdf"}),
    ("larger:100000", set()),
    ("smaller:1k -has:attachment", {"ana", "sale", "friend", "mine"}),
    ("(from:ana OR subject:agenda) -in:sent", {"ana"}),
    ("form:ana", set()),  # no operator: Gmail searches for the text "form:ana"
])
def test_documented_operators(emu: Emulator, google: Google, query: str, expected: set) -> None:
    assert _names(google, _mailbox(emu), query) == expected


@pytest.mark.parametrize("query", ['"open', "(a", "a)", "after:yesterday", "newer_than:2w",
                                   "category:newsletters", "OR a", "after:2026/13/45",
                                   "after:99999999999999999", "newer_than:99999999999y"])
def test_broken_syntax_is_400(google: Google, query: str) -> None:
    with pytest.raises(HttpError) as err:
        google.gmail.users().messages().list(userId="me", q=query).execute()
    assert err.value.status_code == 400 and "Invalid query" in str(err.value)


@pytest.mark.parametrize("query", ["a AROUND 3 b", "has:drive", "is:muted", "in:snoozed",
                                   "category:purchases"])
def test_valid_gmail_the_emulator_does_not_evaluate_is_refused_loudly(
    google: Google, query: str
) -> None:
    with pytest.raises(HttpError) as err:
        google.gmail.users().messages().list(userId="me", q=query).execute()
    assert err.value.status_code == 501 and "does not evaluate" in str(err.value)
