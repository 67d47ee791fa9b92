"""What you are about to send is read (issue 16): a kaffe draft you edited and a draft you
wrote yourself, to people you met for coffee, against the emulator over HTTP; a note to
you once per version that reads like a job ask; your drafts never changed."""

from __future__ import annotations

import base64
import dataclasses
import email
import json
import urllib.request
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

from kaffe.emulator import Emulator
from tests.daemon.test_mail_e2e import DEMO_NOW, _plan_text, demo, once, open_store
from tests.emulator.helpers import connect

__all__ = ["demo"]  # the fixture, imported for pytest
ANA = "ana.silva@northwind.example"
HENRIK = "henrik@mentor.example"
ME = "alex@example.com"
ASK = "Are you hiring at the moment, by any chance?"


def _post(emu: Emulator, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else b""
    req = urllib.request.Request(emu.url + "/_emulator/" + path, data=data, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def _parsed(raw: bytes) -> EmailMessage:
    message: EmailMessage = email.message_from_bytes(raw, policy=policy.default)
    return message


def _status_text(cfg: Any) -> str:
    import contextlib
    import io

    from kaffe.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["--config", str(cfg), "status"])
    return buffer.getvalue()


def notes(emu: Emulator) -> list[EmailMessage]:
    """kaffe's review notes to you."""
    found = [_parsed(d["raw"]) for d in emu.drafts()]
    return [m for m in found if str(m["X-Kaffe-Key"] or "").startswith("review:")]


def edit(emu: Emulator, draft: dict[str, Any], line: str) -> bytes:
    """The user types ``line`` into a draft in Gmail; the draft's new bytes."""
    message = _parsed(draft["raw"])
    body = message.get_body(("plain",)).get_content()
    message.set_content(f"{line}\n\n{body}")
    raw = message.as_bytes()
    _post(emu, f"drafts/{draft['id']}", {"raw": _b64(raw)})
    return raw


def write(emu: Emulator, to: str, subject: str, html: str) -> str:
    """The user writes an HTML draft in Gmail (drafts.create, as Gmail's own UI does)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = ME, to, subject
    message.set_content(html, subtype="html")
    gmail = connect(emu).gmail
    body = {"message": {"raw": _b64(message.as_bytes())}}
    return str(gmail.users().drafts().create(userId="me", body=body).execute()["id"])


def test_an_edited_kaffe_draft_and_your_own_are_reviewed_once_per_version(demo) -> None:
    emu, cfg = demo
    once(cfg, DEMO_NOW)
    (ana,) = [d for d in emu.drafts() if ANA.encode() in d["raw"]]
    edited = edit(emu, ana, f"Hi Ana, one more thing. {ASK}")
    own = write(emu, f"Henrik <{HENRIK}>", "Tak for sidst",
                "<p>Hej Henrik,</p><p>Tak for kaffen. Har I en ledig stilling til mig?</p>"
                "<blockquote>Det var hyggeligt.</blockquote>")
    before = {d["id"]: d["raw"] for d in emu.drafts()}

    once(cfg, DEMO_NOW + timedelta(hours=1))
    made = notes(emu)
    assert len(made) == 2
    texts = {str(m["Subject"]): m.get_body(("plain",)).get_content() for m in made}
    to_ana = next(t for s, t in texts.items() if "Ana" in s)
    assert ASK in to_ana and "the draft kaffe wrote and you edited" in to_ana
    to_henrik = next(t for s, t in texts.items() if "Henrik" in s)
    assert "Har I en ledig stilling til mig?" in to_henrik and "your draft" in to_henrik
    assert all(m["To"].addresses[0].addr_spec == ME for m in made)
    after = {d["id"]: d["raw"] for d in emu.drafts()}
    assert {k: after[k] for k in before} == before  # nothing of yours changed
    assert after[ana["id"]] == edited and own in after
    assert emu.send_attempts == 0

    once(cfg, DEMO_NOW + timedelta(hours=2))
    assert len(notes(emu)) == 2  # the same versions: no second note
    edit(emu, next(d for d in emu.drafts() if d["id"] == ana["id"]), "PS: see you soon.")
    once(cfg, DEMO_NOW + timedelta(hours=3))
    assert len(notes(emu)) == 3  # a new version that still asks: one more note

    status = _status_text(cfg)
    assert f'draft to {HENRIK} ("Tak for sidst") reads like a job ask' in status
    with open_store(cfg) as store:
        rows = [r for r in store.reviews().values() if r.verdict == "ask"]
    assert {r.recipients for r in rows} == {(ANA,), (HENRIK,)}
    stored = " ".join(str(dataclasses.astuple(r)) for r in rows)
    # a hash of what was read and the pattern that matched, never your words
    assert "Are you hiring" not in stored and "ledig stilling til mig" not in stored


def test_what_is_not_to_a_coffee_contact_or_not_in_english_or_danish_is_not_judged(demo) -> None:
    emu, cfg = demo
    write(emu, "stranger@elsewhere.example", "Job?", "<p>Are you hiring at the moment?</p>")
    write(emu, HENRIK, "Hej", "<p>Hej Henrik! Jag undrar om ni har något jobb för mig, "
                              "och om det är möjligt att söka hos er?</p>")
    once(cfg, DEMO_NOW)
    assert notes(emu) == []
    with open_store(cfg) as store:
        verdicts = {r.subject: (r.verdict, r.detail) for r in store.reviews().values()}
    assert verdicts["Job?"] == ("ok", "not reviewed: not to anyone you met for coffee")
    assert verdicts["Hej"] == ("unjudged", "written in Swedish, which the guard cannot judge")


def test_kaffe_plan_shows_the_note_it_would_draft_and_records_nothing(demo) -> None:
    emu, cfg = demo
    write(emu, HENRIK, "Tak", "<p>Har I en ledig stilling til mig?</p>")
    text = _plan_text(cfg)
    assert f"your draft to {HENRIK} reads like a job ask" in text
    assert "subject: Before you send: your draft to" in text
    with open_store(cfg) as store:
        assert store.reviews() == {}
    assert notes(emu) == []
