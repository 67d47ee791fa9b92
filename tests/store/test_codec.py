"""Event and Message (de)serialisation: every one survives the trip exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from kaffe.model import Attendee, Event, Message, Recipient
from kaffe.store.codec import (
    dt_from_text,
    dt_to_text,
    event_from_json,
    event_to_json,
    merge_cancelled,
    message_from_json,
    message_to_json,
    strings_from_json,
    strings_to_json,
)
from tests.store.factories import make_event, make_message

utc_times = st.datetimes(timezones=st.just(UTC))
texts = st.text(max_size=30)
attendees = st.builds(
    Attendee, email=texts, name=texts, response=st.sampled_from(
        ["accepted", "declined", "tentative", "needsAction"]),
    is_self=st.booleans(), organizer=st.booleans(), optional=st.booleans(),
    resource=st.booleans(),
)
events = st.builds(
    Event, id=texts, calendar=texts, summary=texts, start=utc_times, end=utc_times,
    uid=texts, status=st.sampled_from(["confirmed", "tentative", "cancelled"]),
    all_day=st.booleans(), description=texts, location=texts,
    attendees=st.lists(attendees, max_size=4).map(tuple), organizer=texts,
    event_type=texts, recurring_event_id=texts,
    original_start=st.none() | utc_times, updated=st.none() | utc_times, html_link=texts,
)

recipients = st.builds(Recipient, email=texts, name=texts)
messages = st.builds(
    Message, id=texts, account=texts, thread_id=texts, date=utc_times,
    direction=st.sampled_from(["sent", "received"]), sender=recipients,
    to=st.lists(recipients, max_size=4).map(tuple), subject=texts, message_id=texts,
    in_reply_to=texts, references=st.lists(texts, max_size=4).map(tuple), bulk=texts,
    kaffe_key=texts, labels=st.lists(texts, max_size=4).map(tuple),
)


@given(events)
def test_every_event_round_trips_exactly(event: Event) -> None:
    assert event_from_json(event_to_json(event)) == event


@given(utc_times, utc_times)
def test_datetime_text_orders_like_the_datetimes(a: datetime, b: datetime) -> None:
    assert (dt_to_text(a) < dt_to_text(b)) == (a < b)
    assert dt_from_text(dt_to_text(a)) == a


def test_other_offsets_are_stored_as_utc() -> None:
    cet = datetime(2026, 3, 10, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert dt_to_text(cet) == "2026-03-10T09:00:00.000000+00:00"
    assert dt_from_text(dt_to_text(cet)).tzinfo == UTC


def test_equal_events_give_equal_json() -> None:
    assert event_to_json(make_event()) == event_to_json(make_event())


def test_unknown_keys_are_ignored_and_missing_ones_default() -> None:
    data = json.loads(event_to_json(make_event()))
    data["future_field"] = 1
    del data["html_link"]
    data["attendees"][0]["future"] = True
    assert event_from_json(json.dumps(data)) == make_event()


def test_merge_cancelled_keeps_what_the_delta_left_empty() -> None:
    stored = make_event()
    delta = Event(id="e1", calendar=stored.calendar, summary="", start=stored.start,
                  end=stored.end, status="cancelled", updated=stored.start)
    merged = merge_cancelled(stored, delta)
    assert merged.status == "cancelled"
    assert merged.summary == stored.summary
    assert merged.attendees == stored.attendees
    assert merged.updated == stored.start


@given(messages)
def test_every_message_round_trips_exactly(message: Message) -> None:
    assert message_from_json(message_to_json(message)) == message


@given(st.lists(texts, max_size=5).map(tuple))
def test_string_tuples_round_trip(values: tuple[str, ...]) -> None:
    assert strings_from_json(strings_to_json(values)) == values


def test_equal_messages_give_equal_json() -> None:
    assert message_to_json(make_message()) == message_to_json(make_message())
    assert message_to_json(make_message()) != message_to_json(make_message(subject="Other"))


def test_message_unknown_keys_are_ignored_and_missing_ones_default() -> None:
    data = json.loads(message_to_json(make_message(kaffe_key="followup:x")))
    data["future_field"] = [1]
    data["sender"]["future"] = "x"
    del data["kaffe_key"], data["labels"]
    assert message_from_json(json.dumps(data)) == make_message(labels=())
