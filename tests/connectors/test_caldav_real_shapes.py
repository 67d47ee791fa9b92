"""Events as iCloud and Google store them, read over CalDAV (Radicale on 127.0.0.1):
a millisecond SEQUENCE and an iCloud relay organizer (issue 13 items 2 and 3)."""

from __future__ import annotations

import httpx

from tests.connectors.test_caldav_source import radicale, source, sync  # noqa: F401
from tests.servers.radicale import RadicaleServer

ICLOUD = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple Inc.//iCloud 2.0//EN", "BEGIN:VEVENT",
    "UID:icloud-coffee@t", "SUMMARY:Coffee with Karim", "DTSTART:20260302T100000Z",
    "DTEND:20260302T104500Z", "DTSTAMP:20260101T000000Z", "SEQUENCE:1407317367304",
    'ORGANIZER;CN="Karim";EMAIL="karim@example.fr":mailto:2_GEZDGNBV@imip.me.com',
    'ATTENDEE;CN="Karim";EMAIL="karim@example.fr";PARTSTAT=ACCEPTED:mailto:2_GEZDGNBV@imip.me.com',
    'ATTENDEE;CN="Ana";EMAIL="ana@example.org";PARTSTAT=ACCEPTED:mailto:ana@example.org',
    "END:VEVENT", "END:VCALENDAR", "",
])


def test_a_huge_sequence_and_a_relay_organizer_over_caldav(radicale: RadicaleServer) -> None:  # noqa: F811
    work = radicale.make_calendar("Work", "work")
    # a plain PUT: the caldav client's save_event would add 1 to the SEQUENCE itself
    answer = httpx.put(work.rstrip("/") + "/icloud-coffee.ics", content=ICLOUD.encode(),
                       auth=(radicale.user, radicale.password), timeout=10,
                       headers={"Content-Type": "text/calendar; charset=utf-8"})
    assert answer.status_code in (201, 204), answer.text
    (event,) = sync(source(radicale)).events
    assert event.summary == "Coffee with Karim"
    assert event.organizer == "karim@example.fr"
    assert [a.email for a in event.attendees] == ["karim@example.fr", "ana@example.org"]
