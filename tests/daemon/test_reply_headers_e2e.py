"""A follow-up replying in a thread copies only <msg-id>s into In-Reply-To and
References, whatever else the thread's mail had there (the emulator, real HTTP)."""

from __future__ import annotations

import email
import shutil
from email import policy
from pathlib import Path

from kaffe.emulator import Emulator
from tests.daemon.test_mail_e2e import DEMO_NOW, once
from tests.helpers import DEMO_SEED, write_config

ARRANGING = "gmail/sent/reply-to-ana.eml"
JUNK = {  # header: what the seed has -> what a careless mailer writes
    "Message-ID: <demo-alex-1@mail.example.com>":
        "Message-ID: <demo-alex-1@mail.example.com> (sent from my phone)",
    "References: <CAF1demo-ana-1@mail.northwind.example>":
        'References: "Ana Silva" <CAF1demo-ana-1@mail.northwind.example>,\n'
        " <no id here> Bcc: everyone@example.com",
}


def test_reply_headers_hold_msg_ids_only(tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    shutil.copytree(DEMO_SEED, seed)
    text = (seed / ARRANGING).read_text(encoding="utf-8")
    for clean, junk in JUNK.items():
        assert clean in text
        text = text.replace(clean, junk)
    (seed / ARRANGING).write_text(text, encoding="utf-8")
    with Emulator(seed) as emu:
        once(write_config(tmp_path, emu.url), DEMO_NOW)
        (ana,) = [d for d in emu.drafts() if b"ana.silva@northwind.example" in d["raw"]]
    message = email.message_from_bytes(ana["raw"], policy=policy.default)
    assert message["In-Reply-To"] == "<demo-alex-1@mail.example.com>"
    assert message["References"].split() == [
        "<CAF1demo-ana-1@mail.northwind.example>", "<demo-alex-1@mail.example.com>",
    ]
