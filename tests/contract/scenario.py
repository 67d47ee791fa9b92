"""The one scenario every calendar source, mail source and draft sink is held to.

Written once here as plain data and rendered into each backend's native shape:
Google Calendar event resources (for the emulator), one VCALENDAR text (an ICS file
or URL), one VCALENDAR object per UID (CalDAV), RFC 5322 messages (Gmail, IMAP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

ME = "ana@example.org"
TIMEZONE = "Europe/Copenhagen"  # yours: floating times are read in it
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=30), NOW + timedelta(days=14))
SINCE = NOW - timedelta(days=30)


@dataclass(frozen=True)
class Meeting:
    uid: str
    title: str
    start: datetime | date  # a date: an all-day meeting
    minutes: int
    guest: str
    name: str
    status: str = "CONFIRMED"
    rrule: str = ""
    moved: tuple[datetime, datetime] | None = None  # (the slot in the series, its new start)
    floating: bool = False  # written as wall-clock time without a zone

    @property
    def google_id(self) -> str:
        return self.uid.split("@")[0].replace("-", "")


MEETINGS = (
    # a 1:1 coffee with someone from outside
    Meeting("coffee-bo@kaffe.test", "Coffee with Bo", datetime(2026, 3, 2, 10, tzinfo=UTC), 45,
            "bo@roastery.example", "Bo Berg"),
    # a colleague (same domain as me)
    Meeting("coffee-mette@kaffe.test", "Coffee with Mette", datetime(2026, 3, 2, 14, tzinfo=UTC),
            30, "mette@example.org", "Mette Holm"),
    # cancelled
    Meeting("coffee-sofie@kaffe.test", "Coffee with Sofie", datetime(2026, 3, 3, 9, tzinfo=UTC),
            45, "sofie@studio.example", "Sofie Kragh", status="CANCELLED"),
    # weekly, with the Mar 2 occurrence moved to Mar 3 15:00
    Meeting("coffee-henrik@kaffe.test", "Coffee 1:1 with Henrik",
            datetime(2026, 2, 16, 16, tzinfo=UTC), 45, "henrik@mentor.example", "Henrik Dahl",
            rrule="FREQ=WEEKLY;COUNT=4",
            moved=(datetime(2026, 3, 2, 16, tzinfo=UTC), datetime(2026, 3, 3, 15, tzinfo=UTC))),
    # a Danish, non-ASCII title
    Meeting("kaffe-soren@kaffe.test", "Kaffemøde med Søren på Ærø",
            datetime(2026, 3, 3, 11, tzinfo=UTC), 45, "soren@kobenhavn.example", "Søren Æbelø"),
    # a floating time: 14:00 wherever you are (Copenhagen: 13:00 UTC)
    Meeting("kaffe-ida@kaffe.test", "Coffee with Ida", datetime(2026, 3, 3, 13, tzinfo=UTC), 30,
            "ida@design.example", "Ida Vang", floating=True),
    # all day
    Meeting("kaffedag-jens@kaffe.test", "Kaffe hele dagen med Jens", date(2026, 3, 5), 0,
            "jens@bryggeri.example", "Jens Juul"),
)
BY_UID = {m.uid: m for m in MEETINGS}

# The change and the deletion that incremental syncs must see.
CHANGED_UID, CHANGED_TITLE = "coffee-bo@kaffe.test", "Coffee with Bo (Café Norden)"
DELETED_UID = "coffee-mette@kaffe.test"


# -- iCalendar -------------------------------------------------------------------------------
def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _times(m: Meeting, start: datetime | date) -> list[str]:
    if not isinstance(start, datetime):
        return [f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
                f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}"]
    if m.floating:
        local = start.astimezone(ZoneInfo(TIMEZONE))
        end = local + timedelta(minutes=m.minutes)
        return [f"DTSTART:{local:%Y%m%dT%H%M%S}", f"DTEND:{end:%Y%m%dT%H%M%S}"]
    return [f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(start + timedelta(minutes=m.minutes))}"]


def vevents(m: Meeting, title: str = "") -> list[str]:
    """The VEVENT lines of one meeting (a series brings its moved occurrence along)."""
    body = [f"UID:{m.uid}", f"SUMMARY:{title or m.title}", "DTSTAMP:20260201T000000Z",
            f"STATUS:{m.status}", f"ORGANIZER;CN=Ana:mailto:{ME}",
            f"ATTENDEE;CN=Ana;PARTSTAT=ACCEPTED:mailto:{ME}",
            f"ATTENDEE;CN={m.name};PARTSTAT=ACCEPTED:mailto:{m.guest}"]
    lines = ["BEGIN:VEVENT", *body, *_times(m, m.start),
             *([f"RRULE:{m.rrule}"] if m.rrule else []), "END:VEVENT"]
    if m.moved:
        slot, new = m.moved
        lines += ["BEGIN:VEVENT", *body, f"RECURRENCE-ID:{_stamp(slot)}", "SEQUENCE:1",
                  *_times(m, new), "END:VEVENT"]
    return lines


MALFORMED_VEVENT = ["BEGIN:VEVENT", "UID:broken@kaffe.test", "SUMMARY:Coffee with nobody",
                    "DTSTAMP:20260201T000000Z", "DTSTART:2026-03-03 noon", "END:VEVENT"]


def vcalendar(*bodies: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kaffe contract tests//EN"]
    for body in bodies:
        lines += body
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def scenario_ics(meetings: tuple[Meeting, ...] = MEETINGS, *, changed: bool = False,
                 malformed: bool = False) -> str:
    """The whole calendar as one file; ``changed``: after the change and the deletion."""
    bodies = [vevents(m, CHANGED_TITLE if changed and m.uid == CHANGED_UID else "")
              for m in meetings if not (changed and m.uid == DELETED_UID)]
    return vcalendar(*bodies, *([MALFORMED_VEVENT] if malformed else []))


def caldav_objects(meetings: tuple[Meeting, ...] = MEETINGS) -> dict[str, str]:
    """UID -> one VCALENDAR object, as CalDAV stores events."""
    return {m.uid: vcalendar(vevents(m)) for m in meetings}


# -- Google Calendar ---------------------------------------------------------------------------
def _when(start: datetime | date, minutes: int = 0, floating: bool = False) -> dict[str, str]:
    if isinstance(start, datetime) and floating:  # Google has no floating time: your zone
        local = (start + timedelta(minutes=minutes)).astimezone(ZoneInfo(TIMEZONE))
        return {"dateTime": local.replace(tzinfo=None).isoformat(), "timeZone": TIMEZONE}
    if isinstance(start, datetime):
        return {"dateTime": (start + timedelta(minutes=minutes)).isoformat(), "timeZone": "UTC"}
    return {"date": (start + timedelta(days=1 if minutes else 0)).isoformat()}


def google_events(m: Meeting) -> list[dict[str, Any]]:
    """The event resources of one meeting as Google stores them (a moved occurrence is an
    exception with ``recurringEventId`` and ``originalStartTime``)."""
    end_minutes = m.minutes if isinstance(m.start, datetime) else 1
    event: dict[str, Any] = {
        "kind": "calendar#event", "id": m.google_id, "iCalUID": m.uid,
        "status": m.status.lower(), "summary": m.title,
        "start": _when(m.start, floating=m.floating),
        "end": _when(m.start, end_minutes, m.floating),
        "organizer": {"email": ME, "displayName": "Ana", "self": True},
        "attendees": [{"email": ME, "displayName": "Ana", "self": True,
                       "responseStatus": "accepted"},
                      {"email": m.guest, "displayName": m.name, "responseStatus": "accepted"}],
        "updated": "2026-02-01T00:00:00.000Z", "eventType": "default",
    }
    if m.rrule:
        event["recurrence"] = [f"RRULE:{m.rrule}"]
    if not m.moved:
        return [event]
    slot, new = m.moved
    exception = {k: v for k, v in event.items() if k != "recurrence"}
    exception.update(id=f"{m.google_id}_{_stamp(slot)}", recurringEventId=m.google_id,
                     originalStartTime=_when(slot), start=_when(new),
                     end=_when(new, m.minutes), sequence=1)
    return [event, exception]


# -- mail -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mail:
    key: str  # names the message in the tests
    sender: str
    to: str
    subject: str
    message_id: str
    date: datetime
    in_reply_to: str = ""
    body: str = "Hej!"
    calendar: str = ""  # a text/calendar part (an invitation)
    references: tuple[str, ...] | None = None  # None: just the In-Reply-To

    @property
    def chain(self) -> tuple[str, ...]:
        if self.references is not None:
            return self.references
        return (self.in_reply_to,) if self.in_reply_to else ()

    @property
    def sent(self) -> bool:
        return ME in self.sender

    def raw(self) -> bytes:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, self.to, self.subject
        msg["Date"] = format_datetime(self.date)
        msg["Message-ID"] = self.message_id
        if self.in_reply_to:
            msg["In-Reply-To"] = self.in_reply_to
        if self.chain:
            msg["References"] = " ".join(self.chain)
        msg.set_content(self.body)
        if self.calendar:
            msg.add_attachment(self.calendar.encode(), maintype="text", subtype="calendar",
                               params={"method": "REQUEST"}, filename="invite.ics")
        return msg.as_bytes()


MAILS = (
    # a thread with the contact: Bo asks, you answer
    Mail("bo-asks", "Bo Berg <bo@roastery.example>", f"Ana <{ME}>", "Coffee next week?",
         "<bo-1@roastery.example>", datetime(2026, 2, 25, 9, tzinfo=UTC)),
    Mail("ana-answers", f"Ana <{ME}>", "Bo Berg <bo@roastery.example>", "Re: Coffee next week?",
         "<ana-1@example.org>", datetime(2026, 2, 25, 10, tzinfo=UTC),
         in_reply_to="<bo-1@roastery.example>"),
    # a message you sent after the Danish coffee: no follow-up for Søren
    Mail("ana-thanks-soren", f"Ana <{ME}>", "Søren Æbelø <soren@kobenhavn.example>",
         "Tak for kaffen", "<ana-2@example.org>", datetime(2026, 3, 3, 13, tzinfo=UTC),
         body="Tak for i dag, Søren."),
)
# what arrives between two syncs: Bo answers your answer (References: the whole chain)
LATE_MAIL = Mail("bo-again", "Bo Berg <bo@roastery.example>", f"Ana <{ME}>",
                 "Re: Coffee next week?", "<bo-2@roastery.example>",
                 datetime(2026, 3, 4, 8, tzinfo=UTC), in_reply_to="<ana-1@example.org>",
                 references=("<bo-1@roastery.example>", "<ana-1@example.org>"))
# the same answer from a client that names only the parent (In-Reply-To, no References)
TERSE_REPLY = Mail("bo-terse", "Bo Berg <bo@roastery.example>", f"Ana <{ME}>",
                   "Re: Coffee next week?", "<bo-3@roastery.example>",
                   datetime(2026, 3, 4, 8, 30, tzinfo=UTC), in_reply_to="<ana-1@example.org>",
                   references=())
# an invitation nobody can read, among readable mail
BROKEN_INVITE = Mail("broken-invite", "Kim <kim@agency.example>", f"Ana <{ME}>",
                     "Invitation: coffee?", "<kim-1@agency.example>",
                     datetime(2026, 3, 4, 9, tzinfo=UTC),
                     calendar="BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
                     + "\r\n".join(MALFORMED_VEVENT) + "\r\nEND:VCALENDAR\r\n")
