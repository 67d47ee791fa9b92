"""The CalDAV calendar source against a real Radicale server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kaffe.connectors import caldav_source
from kaffe.connectors.caldav_source import CalDavCalendarSource
from kaffe.errors import AuthError, ConnectorError, TransientError
from kaffe.model import DECLINED, CalendarBatch
from tests.servers.radicale import RadicaleServer, free_port, radicale_server

ME = "ana@example.org"
START, END = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


def vevent(uid: str, summary: str, start: str, *, extra: str = "", me: str = "ACCEPTED") -> str:
    """A whole VCALENDAR with one 45-minute event at ``start`` (UTC, YYYYMMDDTHHMMSS)."""
    begin = datetime.strptime(start, "%Y%m%dT%H%M%S")
    end = (begin + timedelta(minutes=45)).strftime("%Y%m%dT%H%M%S")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kaffe tests//EN", "BEGIN:VEVENT",
        f"UID:{uid}", f"SUMMARY:{summary}", f"DTSTART:{start}Z", f"DTEND:{end}Z",
        "DTSTAMP:20260101T000000Z", "ORGANIZER:mailto:bo@beans.example",
        "ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED:mailto:bo@beans.example",
        f"ATTENDEE;CN=Ana;PARTSTAT={me}:mailto:{ME}",
        *([extra] if extra else []), "END:VEVENT", "END:VCALENDAR", "",
    ]
    return "\r\n".join(lines)


@pytest.fixture
def radicale() -> Iterator[RadicaleServer]:
    yield from radicale_server()


class Counter:
    """Counts every HTTP response the source's caldav client receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def factory(self, **kwargs: Any) -> Any:
        client = caldav_source.make_client(**kwargs)
        client.session.hooks["response"].append(self._seen)
        return client

    def _seen(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.requests.append((response.request.method, response.request.url))

    def take(self) -> list[tuple[str, str]]:
        seen, self.requests = self.requests, []
        return seen


def source(server: RadicaleServer, counter: Counter | None = None, **kwargs: Any) -> Any:
    extra = {"client_factory": counter.factory} if counter else {}
    return CalDavCalendarSource("home", server.url, username=server.user,
                                password=kwargs.pop("password", server.password),
                                self_addresses=(ME,), **extra, **kwargs)


def sync(src: CalDavCalendarSource, cursor: str | None = None) -> CalendarBatch:
    return src.sync(cursor, window_start=START, window_end=END)


@pytest.fixture
def seeded(radicale: RadicaleServer) -> dict[str, str]:
    """Two calendars: Work with the scenario, Private with one dinner."""
    work = radicale.make_calendar("Work", "work")
    private = radicale.make_calendar("Private", "private")
    radicale.put_event(work, vevent("coffee-bo@t", "Coffee with Bo", "20260302T100000"))
    radicale.put_event(work, vevent("coffee-cy@t", "Coffee with Cy", "20260303T090000",
                                    me="DECLINED"))
    radicale.put_event(work, vevent("coffee-di@t", "Coffee with Di", "20260304T090000",
                                    extra="STATUS:CANCELLED"))
    radicale.put_event(work, vevent("one-on-one@t", "1:1 with Eva", "20260305T080000",
                                    extra="RRULE:FREQ=WEEKLY;COUNT=10"))
    radicale.put_event(private, vevent("dinner@t", "Dinner", "20260306T180000"))
    return {"work": work, "private": private}


def by_summary(batch: CalendarBatch) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for event in batch.events:
        found.setdefault(event.summary, []).append(event)
    return found


def test_reads_every_calendar_of_the_principal(radicale: RadicaleServer, seeded: dict) -> None:
    batch = sync(source(radicale))
    events = by_summary(batch)
    assert batch.full and batch.calendar == "caldav:home"
    assert set(events) == {"Coffee with Bo", "Coffee with Cy", "Coffee with Di",
                           "1:1 with Eva", "Dinner"}
    bo = events["Coffee with Bo"][0]
    assert (bo.uid, bo.start, bo.minutes, bo.organizer) == (
        "coffee-bo@t", datetime(2026, 3, 2, 10, tzinfo=UTC), 45, "bo@beans.example")
    assert {a.email for a in bo.attendees if a.is_self} == {ME}


def test_declined_cancelled_and_recurring(radicale: RadicaleServer, seeded: dict) -> None:
    events = by_summary(sync(source(radicale)))
    me = [a for a in events["Coffee with Cy"][0].attendees if a.is_self]
    assert me[0].response == DECLINED
    assert events["Coffee with Di"][0].status == "cancelled"
    weekly = sorted(e.start for e in events["1:1 with Eva"])
    first = datetime(2026, 3, 5, 8, tzinfo=UTC)
    assert weekly == [first + timedelta(weeks=n) for n in range(4)]  # 4 fall before END
    assert len({e.id for e in events["1:1 with Eva"]}) == 4
    assert all(e.recurring_event_id == "one-on-one@t" for e in events["1:1 with Eva"])


def test_one_calendar_by_name_or_url(radicale: RadicaleServer, seeded: dict) -> None:
    by_name = by_summary(sync(source(radicale, calendar="private")))
    assert set(by_name) == {"Dinner"}
    by_url = by_summary(sync(source(radicale, calendar="/ana/private/")))
    assert set(by_url) == {"Dinner"}


def test_unknown_calendar_names_what_exists(radicale: RadicaleServer, seeded: dict) -> None:
    with pytest.raises(ConnectorError) as failure:
        sync(source(radicale, calendar="Holidays"))
    message = str(failure.value)
    assert 'no calendar named "Holidays"' in message
    assert '"Work"' in message and '"Private"' in message
    assert failure.value.hint.startswith("in the [[calendars]] entry ")
    with pytest.raises(ConnectorError, match='found: .*"Work"'):
        sync(source(radicale, calendar="/ana/holidays/"))


def test_nothing_new_costs_one_request_per_calendar(
    radicale: RadicaleServer, seeded: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = Counter()
    src = source(radicale, counter)
    first = sync(src)
    counter.take()
    parsed: list[str] = []
    monkeypatch.setattr(caldav_source, "parse_calendar", lambda *a, **k: parsed.append("x"))
    second = sync(src, first.cursor)
    assert (second.full, second.events, second.cursor) == (False, (), first.cursor)
    assert sorted(counter.take()) == [("PROPFIND", seeded["private"]),
                                      ("PROPFIND", seeded["work"])]
    assert parsed == []


def test_a_new_process_with_the_cursor_costs_the_same(
    radicale: RadicaleServer, seeded: dict
) -> None:
    """The cursor remembers the auth scheme: no 401 round trip after a restart."""
    first = sync(source(radicale))
    counter = Counter()
    again = sync(source(radicale, counter), first.cursor)
    assert not again.full
    assert [method for method, _ in counter.take()] == ["PROPFIND", "PROPFIND"]


def test_a_changed_calendar_is_read_again(radicale: RadicaleServer, seeded: dict) -> None:
    src = source(radicale)
    first = sync(src)
    radicale.put_event(seeded["private"], vevent("coffee-fi@t", "Coffee with Fi",
                                                 "20260310T150000"))
    radicale.delete_event(seeded["work"], "coffee-bo@t")
    second = sync(src, first.cursor)
    events = by_summary(second)
    assert second.full and second.cursor != first.cursor
    assert "Coffee with Fi" in events and "Coffee with Bo" not in events
    assert "Dinner" in events and len(events["1:1 with Eva"]) == 4  # the rest is all there
    assert not sync(src, second.cursor).full


def test_a_vanished_calendar_is_found_again(radicale: RadicaleServer, seeded: dict) -> None:
    src = source(radicale)
    first = sync(src)
    with radicale.client() as client:
        client.calendar(url=seeded["private"]).delete()
    second = sync(src, first.cursor)
    assert second.full and "Dinner" not in by_summary(second)
    assert "Coffee with Bo" in by_summary(second)


def test_bad_password_is_an_auth_error(radicale: RadicaleServer, seeded: dict) -> None:
    with pytest.raises(AuthError, match=f"bad username or password for {radicale.url}") as bad:
        sync(source(radicale, password="wrong"))
    assert "the [[calendars]] entry " in bad.value.hint


def test_unreachable_server_is_transient() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    src = CalDavCalendarSource("home", url, username="ana", password="x")
    with pytest.raises(TransientError, match="unreachable"):
        sync(src)


def test_credentials_in_the_url_are_not_shown() -> None:
    assert caldav_source.public_url("https://ana:s3cret@dav.example:8443/cal/") == (
        "https://dav.example:8443/cal/")


def test_a_refused_certificate_is_not_transient() -> None:
    class SSLError(OSError):
        pass

    refused = SSLError("CERTIFICATE_VERIFY_FAILED")
    error = caldav_source._network_error("https://dav.example/", refused)
    assert isinstance(error, ConnectorError) and "certificate" in str(error)
