"""Detection over real Google Calendar API responses from the shared corpus.

The connector's own mapping is tested with the connector; this test maps the few
fields detection looks at, so that it depends on nothing but the corpus.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kaffe.config.schema import DetectConfig, MeConfig
from kaffe.model import Attendee, Event
from kaffe.rules.detect import detect
from kaffe.timeutil import parse_date, parse_iso

NANGO_FILES = (
    "nango__events_list_upcoming_with_ooo.json",
    "nango__events_list_upcoming_single_events_attendees.json",
)
NANGO_ME = MeConfig(addresses=("khaliq@nango.dev",), domains=("nango.dev",))


def _when(value: dict[str, str]) -> tuple[datetime, bool]:
    if "dateTime" in value:
        return parse_iso(value["dateTime"]), False
    day = parse_date(value["date"])
    return datetime(day.year, day.month, day.day, tzinfo=UTC), True


def _event(item: dict[str, Any]) -> Event:
    start, all_day = _when(item["start"])
    end, _ = _when(item["end"])
    attendees = tuple(
        Attendee(
            email=a.get("email", "").lower(),
            response=a.get("responseStatus", "needsAction"),
            is_self=a.get("self", False),
            resource=a.get("resource", False),
        )
        for a in item.get("attendees", [])
    )
    return Event(
        id=item["id"], calendar="google:primary", summary=item.get("summary", ""),
        start=start, end=end, all_day=all_day, status=item.get("status", "confirmed"),
        description=item.get("description", ""), location=item.get("location", ""),
        attendees=attendees, organizer=item.get("organizer", {}).get("email", ""),
        event_type=item.get("eventType", "default"),
    )  # fmt: skip


def _events(corpus: Path, name: str) -> list[Event]:
    items = json.loads((corpus / "calendar_json" / name).read_text("utf-8"))["items"]
    return [_event(item) for item in items]


@pytest.mark.parametrize("name", NANGO_FILES)
def test_internal_work_meetings_are_not_coffee(corpus: Path, name: str) -> None:
    verdicts = [(e, detect(e, NANGO_ME, DetectConfig())) for e in _events(corpus, name)]
    assert verdicts, name
    assert [e.summary for e, v in verdicts if v.is_coffee] == []
    # HTML descriptions (Fellow and Notion links) are read without trouble
    assert all(v.veto for _, v in verdicts)


def test_out_of_office_and_large_meetings_are_vetoed(corpus: Path) -> None:
    by_title = {e.summary: e for e in _events(corpus, NANGO_FILES[0])}
    assert (
        "event type outOfOffice" in detect(by_title["OOO Holidays"], NANGO_ME, DetectConfig()).veto
    )
    epw = detect(by_title["EPW (Engineering Pow Wow)"], NANGO_ME, DetectConfig())
    assert epw.veto.startswith("large meeting")


def test_the_same_calendar_seen_from_outside_has_a_candidate(corpus: Path) -> None:
    """Seen from a guest's own organisation the one-to-one is external and small, but
    without a coffee word it stays below the threshold; the guest never answered
    (Google says ``needsAction``), and the verdict says so."""
    guest = MeConfig(addresses=("khaliq@nango.dev",), domains=("elsewhere.example",))
    by_title = {e.summary: e for e in _events(corpus, NANGO_FILES[0])}
    v = detect(by_title["Khaliq / Kelvin: Discussion on AI and Tooling"], guest, DetectConfig())
    assert v.veto == "" and not v.is_coffee
    assert {r.feature for r in v.reasons} == {
        "attendees.external", "attendees.small", "duration", "invitation.unanswered"
    }
