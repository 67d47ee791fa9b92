"""A refused IMAP login says what can work: Outlook.com and Microsoft 365 take no
password over IMAP at all (OAuth only), so neither the hint nor the manual offers one."""

from __future__ import annotations

import pytest

from kaffe.config.loader import example_text
from kaffe.connectors.imap.conn import login_hint


@pytest.mark.parametrize("host", ["outlook.office365.com", "Outlook.Office365.com.",
                                  "imap-mail.outlook.com"])
def test_a_refused_outlook_login_says_passwords_cannot_work_there(host: str) -> None:
    hint = login_hint(host)
    assert "only OAuth" in hint and "app password" not in hint
    assert "ics entry" in hint  # what does work


def test_other_refusals_name_no_outlook_app_password() -> None:
    assert login_hint("imap.gmail.com") == (
        "check the user name and password (Gmail needs an app password)")


def test_the_manual_offers_no_outlook_imap_entry() -> None:
    mail = example_text().split("# [[mail]]", 1)[1]
    assert "outlook.office365.com" not in mail
    assert "accept only OAuth over IMAP" in mail
