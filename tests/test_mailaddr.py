"""Robot senders: system and notification mailboxes are never contacts nor
recipients; people's addresses (and role mailboxes that people answer) are."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kaffe.config.schema import MeConfig
from kaffe.connectors.mailheaders import bulk_reason
from kaffe.mailaddr import is_recipient, is_robot
from kaffe.model import Attendee, Event
from kaffe.rules.people import external_people

# Shaped like the senders of real invitations, delivery reports and calendar services.
ROBOTS = [
    "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com",  # Exchange system mailbox
    "FederatedEmail.4c1f4d8b-8179-4148-93bf-00a95fa1e042@contoso.com",
    "SystemMailbox{1f05a927-3be3-4b43-9a5d-2c6e7b6ddc2a}@contoso.com",
    "HealthMailbox0f1e2d3c4b5a@contoso.onmicrosoft.com",
    "postmaster@contoso.onmicrosoft.com",
    "MAILER-DAEMON@mail.example.net",
    "calendar-server@caldav.example.org",
    "no_reply@calendar.example.com",
    "no.reply@example.com",
    "do-not-reply@events.example.com",
    "donotreply@example.com",
    "noresponse@example.com",
    "auto-reply@example.com",
    "notifications@calendly.example",
    "invitations@meet.example",
    "calendar-invite@lu.example",
    "notifier.mars@krw.rzd",  # Cisco MARS incident notifications (shared corpus)
    "alerts@status.example",
    "mailer@doodle.example",
    "noreply@insideicloud.icloud.com",
    "calendar-notification@google.com",
]
PEOPLE = [
    "noah@example.com", "nora.nielsen@example.com", "norman.mailer@example.com",
    "notaro@example.com", "postma@example.nl", "invictus@example.com", "alerta@example.es",
    "newsom@example.com", "bounceback@example.com", "daemon@example.com",
    "info@hopeconnections.example",  # role mailboxes people answer: decided people
    "support@tenders.example", "hello@studio.example", "team@nango.example",
    "microsoftexchange@example.com",  # no 32-digit id: not Exchange's own mailbox
]


@pytest.mark.parametrize("address", ROBOTS)
def test_system_and_notification_senders_are_robots(address: str) -> None:
    assert is_robot(address) and not is_recipient(address)


@pytest.mark.parametrize("address", PEOPLE)
def test_people_and_role_mailboxes_are_not_robots(address: str) -> None:
    assert not is_robot(address) and is_recipient(address)


def test_an_exchange_system_sender_is_no_contact_and_no_guest_to_write_to() -> None:
    exchange = ROBOTS[0]
    assert bulk_reason({}, exchange) == f"automated sender ({exchange})"
    when = datetime(2026, 3, 10, 9, tzinfo=UTC)
    event = Event(id="e", calendar="c", summary="Coffee", start=when, end=when,
                  attendees=(Attendee("lea@example.net"), Attendee(exchange),
                             Attendee("postmaster@contoso.com")),
                  organizer="calendar-server@caldav.example.org")  # fmt: skip
    me = MeConfig(addresses=("homer@example.org",))
    assert [r.email for r in external_people(event, me)] == ["lea@example.net"]
