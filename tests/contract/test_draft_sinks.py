"""One contract for every draft sink: Gmail drafts (the emulator) and an IMAP Drafts
folder (Dovecot) take the same drafts, stamp the same keys, find them again by key,
thread a reply the same way, and never send anything."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from kaffe.model import Draft, MailBatch, Recipient
from tests.contract import backends
from tests.contract import scenario as sc

ANA = Recipient(sc.ME, "Ana")


def parsed(raw: bytes) -> EmailMessage:
    message: EmailMessage = email.message_from_bytes(raw, policy=policy.default)
    return message


def drafted(box: Any) -> dict[str, EmailMessage]:
    """Key -> draft, for every draft in the mailbox."""
    found = [parsed(raw) for raw in box.drafts()]
    return {str(m["X-Kaffe-Key"]): m for m in found}


def plain(key: str, to: Recipient, subject: str, body: str = "Tak!") -> Draft:
    return Draft(key=key, sender=ANA, to=(to,), subject=subject, body=body, date=sc.NOW)


def reply_to_bo(box: Any, key: str) -> Draft:
    """A follow-up into the thread with Bo, as the planner builds it from the mail source."""
    batch: MailBatch = box.source().sync(None, since=sc.SINCE, now=sc.NOW)
    thread = sorted((m for m in batch.messages if m.subject.endswith("Coffee next week?")),
                    key=lambda m: m.date)
    last = thread[-1]
    return Draft(key=key, sender=ANA, to=(Recipient("bo@roastery.example", "Bo Berg"),),
                 subject="Re: Coffee next week?", body="Thanks for the coffee, Bo!",
                 date=sc.NOW, thread_id=last.thread_id, in_reply_to=last.message_id,
                 references=(*last.references, last.message_id))


class DraftSinkContract:
    """Every draft sink passes these; a subclass provides the ``mailboxes`` fixture."""

    @pytest.fixture(scope="class")
    @classmethod
    def box(cls, mailboxes: backends.Mailboxes) -> Any:
        return mailboxes.box("sink")

    def test_a_draft_carries_its_key_and_is_found_by_it(self, box: Any) -> None:
        sink = box.sink()
        key = "followup:coffee-bo@kaffe.test"
        draft_id = sink.create_draft(plain(key, Recipient("bo@roastery.example", "Bo Berg"),
                                           "Thanks for the coffee"))
        assert draft_id
        made = drafted(box)[key]
        assert (made["Subject"], made["To"].addresses[0].addr_spec) == (
            "Thanks for the coffee", "bo@roastery.example")
        assert box.sink().find_draft(key) == draft_id
        assert box.sink().find_draft("followup:nobody@kaffe.test") is None
        assert box.sink().find_drafts([key, "drip:nobody:x"]) == {key: draft_id}
        # ``skip`` is leave to not read a draft, not a filter: IMAP's SEARCH HEADER still
        # names it, Gmail leaves it unread; both are right by the Protocol
        assert box.sink().find_drafts([key], skip={draft_id}) in ({}, {key: draft_id})

    def test_a_danish_draft_keeps_its_key_and_its_words(self, box: Any) -> None:
        key = "followup:kaffe-soren@kaffe.test"
        soren = Recipient("soren@kobenhavn.example", "Søren Æbelø")
        draft_id = box.sink().create_draft(plain(key, soren, "Tak for kaffen på Ærø",
                                                 "Tak for i dag, Søren. Hilsen Ana"))
        made = drafted(box)[key]
        assert made["Subject"] == "Tak for kaffen på Ærø"
        assert made["To"].addresses[0].display_name == "Søren Æbelø"
        assert "Tak for i dag, Søren." in made.get_body(("plain",)).get_content()
        assert box.sink().find_draft(key) == draft_id

    def test_a_reply_is_threaded_by_its_headers(self, box: Any) -> None:
        key = "followup:thread-bo@kaffe.test"
        box.sink().create_draft(reply_to_bo(box, key))
        made = drafted(box)[key]
        assert made["In-Reply-To"] == "<ana-1@example.org>"
        assert made["References"].split() == ["<bo-1@roastery.example>", "<ana-1@example.org>"]
        assert made["Subject"] == "Re: Coffee next week?"

    def test_the_sink_never_sends(self, mailboxes: backends.Mailboxes) -> None:
        box = mailboxes.box("never-sends")
        before = box.sent()
        sink = box.sink()
        for n in range(3):
            sink.create_draft(plain(f"drip:bo@roastery.example:{n}",
                                    Recipient("bo@roastery.example"), f"Saw this {n}"))
        assert box.sent() == before
        assert sorted(drafted(box)) == [f"drip:bo@roastery.example:{n}" for n in range(3)]
        assert not any(hasattr(sink, name) for name in ("send", "send_draft", "send_message"))


def hand_written(to: str, subject: str, text: str = "", html: str = "") -> bytes:
    """A draft as a mail client saves it: text, HTML-only, or both."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Ana <{sc.ME}>", to, subject
    if text:
        msg.set_content(text)
    if html:
        if text:
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
    return msg.as_bytes()


ASK = "Do you have any openings on your team right now?"


class DraftReaderContract:
    """Every draft sink also reads your drafts (issue 16), the same way, changing nothing."""

    @pytest.fixture(scope="class")
    @classmethod
    def mine(cls, mailboxes: backends.Mailboxes) -> Any:
        return mailboxes.box("review")

    def test_drafts_are_listed_with_versions_and_an_edit_is_a_new_version(self, mine: Any) -> None:
        reader = mine.sink()
        kaffes = reader.create_draft(plain("followup:review-bo@kaffe.test",
                                           Recipient("bo@roastery.example", "Bo Berg"),
                                           "Thanks for the coffee", "Thanks for today, Bo."))
        own = mine.write_draft(hand_written("Carl <carl@fjord.example>", "Next steps",
                                            "Good talking to you, Carl."))
        before = reader.draft_versions()
        assert {kaffes, own} <= set(before)
        heads = {h.id: h for h in reader.draft_heads([kaffes, own])}
        assert heads[kaffes].kaffe_key == "followup:review-bo@kaffe.test"
        assert [r.email for r in heads[kaffes].to] == ["bo@roastery.example"]
        assert (heads[own].kaffe_key, heads[own].subject) == ("", "Next steps")
        assert [r.email for r in heads[own].to] == ["carl@fjord.example"]
        assert heads[own].size > 0 and heads[kaffes].version == before[kaffes]

        raw = drafted(mine)["followup:review-bo@kaffe.test"]
        raw.set_content(f"Thanks for today, Bo. {ASK}\n")
        edited = mine.edit_draft(kaffes, raw.as_bytes())
        after = reader.draft_versions()
        assert after[own] == before[own]  # untouched: the same version
        assert after[edited] != before[kaffes]  # Gmail: same id, new message; IMAP: new UID
        assert set(after.values()) - set(before.values()) == {after[edited]}
        (head,) = reader.draft_heads([edited])
        assert head.kaffe_key == "followup:review-bo@kaffe.test"  # still kaffe's, edited
        text = reader.draft_texts([edited], cap=1000)[edited]
        assert ASK in text.text and not text.html_only and not text.truncated

    def test_an_html_only_draft_is_read_as_words_without_the_quoted_mail(self, mine: Any) -> None:
        html = ("<html><head><style>p {color: red}</style></head><body><div dir='ltr'>"
                "<p>Hej Bo,</p><p>Har I brug for folk som mig&nbsp;i jeres team?</p>"
                "<div class='gmail_quote'><div>Den 3. mar. 2026 skrev Bo:</div>"
                "<blockquote>Vi ansætter tre udviklere.</blockquote></div></div></body></html>")
        draft_id = mine.write_draft(hand_written("bo@roastery.example", "Hej", html=html))
        text = mine.sink().draft_texts([draft_id], cap=1000)[draft_id]
        assert text.html_only
        assert "Har I brug for folk som mig i jeres team?" in text.text.replace("\xa0", " ")
        assert "ansætter" not in text.text and "color" not in text.text

    def test_quoted_plain_text_is_left_out(self, mine: Any) -> None:
        body = ("Thanks, Carl!\n\nOn Tue, 3 Mar 2026 at 10:00, Carl <carl@fjord.example> wrote:\n"
                "> We are hiring two analysts.\n")
        draft_id = mine.write_draft(hand_written("carl@fjord.example", "Re: Next", body))
        text = mine.sink().draft_texts([draft_id], cap=1000)[draft_id]
        assert text.text == "Thanks, Carl!"

    def test_a_long_draft_is_read_up_to_the_cap(self, mine: Any) -> None:
        body = "A line about supply chains and coffee. " * 5000  # 195,000 characters
        draft_id = mine.write_draft(hand_written("carl@fjord.example", "Long", body))
        text = mine.sink().draft_texts([draft_id], cap=2000)[draft_id]
        assert text.truncated and 1900 <= len(text.text) <= 2000

    def test_reading_changes_nothing(self, mine: Any) -> None:
        mine.write_draft(hand_written("carl@fjord.example", "Untouched", "Just this."))
        before, sent = sorted(mine.drafts()), mine.sent()
        reader = mine.sink()
        versions = reader.draft_versions()
        reader.draft_heads(versions)
        reader.draft_texts(versions, cap=500)
        assert sorted(mine.drafts()) == before and mine.sent() == sent
        assert reader.draft_versions() == versions
        assert reader.draft_heads(["drafts/1/999999", "r999999"]) == []  # gone: left out


class TestGmailDrafts(DraftSinkContract, DraftReaderContract):
    @pytest.fixture(scope="class")
    @classmethod
    def mailboxes(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        yield from backends.mailboxes(backends.GmailBox, tmp_path_factory.mktemp("gmail"))

    def test_a_reply_joins_the_gmail_thread(self, box: Any) -> None:
        key = "followup:gmail-thread@kaffe.test"
        draft = reply_to_bo(box, key)
        box.sink().create_draft(draft)
        made = [d for d in box.emu.drafts() if parsed(d["raw"])["X-Kaffe-Key"] == key]
        assert [d["thread_id"] for d in made] == [draft.thread_id]


class TestImapDrafts(DraftSinkContract, DraftReaderContract):
    @pytest.fixture(scope="class")
    @classmethod
    def mailboxes(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        yield from backends.mailboxes(backends.ImapBox, tmp_path_factory.mktemp("imap"))
