"""``kaffe status`` lists the people you keep in touch with, never yourself."""

from __future__ import annotations

from pathlib import Path

from kaffe.cli import report
from kaffe.config.schema import MeConfig
from kaffe.model import MailBatch, Recipient
from kaffe.store import Store
from tests.store.factories import ACCOUNT, ANA, T0, make_message

ALIAS = Recipient("me@alias.example", "Me")  # an address of yours the mailbox did not know


def test_your_own_addresses_are_no_contacts(tmp_path: Path) -> None:
    note_to_self = make_message("m2", 1, sent=True, to=(ALIAS,))
    from_alias = make_message("m3", 2, sender=ALIAS)
    batch = MailBatch(ACCOUNT, (make_message(), note_to_self, from_alias), None, full=True)
    me = MeConfig(addresses=("me@acme.example", "me@alias.example"))
    with Store.open(tmp_path / "kaffe.db") as store:
        store.apply_mail_batch(batch, own_addresses=("me@acme.example",))
        text = report.status_text(store, T0, all_contacts=True, me=me)
    assert "contacts: 1\n" in text
    assert f"  {ANA.email}  you wrote never · they wrote 2026-03-10" in text
    assert ALIAS.email not in text
