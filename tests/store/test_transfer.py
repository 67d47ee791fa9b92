"""Export and import of contacts, topics and the ledger: the JSON codec and the merge."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaffe.errors import EX_DATAERR, DataError
from kaffe.model import DONE, FAILED, PENDING, SKIPPED, Contact, LedgerEntry, Topic
from kaffe.store import Store
from kaffe.store.transfer import (
    Bundle,
    ImportCounts,
    bundle_to_document,
    contact_to_dict,
    document_to_text,
    ledger_to_dict,
    merge,
    parse_document,
    read_bundle,
    topic_to_dict,
)
from tests.store.factories import T0, at

ANA, BO = "ana@partner.dk", "bo@example.org"


def decoded(section: str, data: object) -> Any:
    """One item of ``section`` read back the public way: alone in a document."""
    doc = bundle_to_document(Bundle(), T0) | {section: [data]}
    (item,) = getattr(parse_document(json.dumps(doc)), section)
    return item


def contact_from_dict(data: object) -> Contact:
    return decoded("contacts", data)


def topic_from_dict(data: object) -> Topic:
    return decoded("topics", data)


def ledger_from_dict(data: object) -> LedgerEntry:
    return decoded("ledger", data)


def export_text(store: Store, now: Any) -> str:
    """What `kaffe export` writes."""
    return document_to_text(bundle_to_document(read_bundle(store), now))


def entry(key: str = "followup:a", state: str = DONE, hours: float = 0, **over: Any
          ) -> LedgerEntry:
    fields: dict[str, Any] = {"key": key, "kind": key.split(":")[0], "state": state,
                              "updated": at(hours), "draft_id": "r1" if state == DONE else "",
                              "detail": "", "attempts": 1, "contact": ANA}
    return LedgerEntry(**{**fields, **over})


SAMPLE = Bundle(
    contacts=(Contact(ANA, "Ana Sørensen", "da"), Contact(BO)),
    topics=(Topic(ANA, "data mesh", "note", T0), Topic(ANA, "dbt", "mail:<t1>", at(1)),
            Topic(BO, "kafka", "notes:bo.md", at(0.5))),
    ledger=(entry("drip:ana:a1", FAILED, 2, detail="HTTP 503", attempts=3), entry(),
            entry("followup:b", SKIPPED, 3, detail="stale", contact="")),
)  # in the order an export lists them: contacts by address, topics by contact and time,
# the ledger by key


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "kaffe.db") as opened:
        yield opened


def document(bundle: Bundle = SAMPLE) -> dict[str, Any]:
    return bundle_to_document(bundle, at(10))


def text_of(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


# The codec ---------------------------------------------------------------------

printable = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
nonblank = printable.filter(str.strip)
addresses = st.emails()
times = st.datetimes(timezones=st.just(UTC))
contacts = st.builds(Contact, addresses, printable, printable)
topics = st.builds(Topic, addresses, nonblank, nonblank, times)
entries = st.builds(LedgerEntry, nonblank, nonblank, st.sampled_from([PENDING, FAILED, DONE,
                    SKIPPED]), times, printable, printable, st.integers(0, 2**31), printable)


@given(contacts)
def test_any_contact_round_trips_through_json(contact: Contact) -> None:
    assert contact_from_dict(json.loads(json.dumps(contact_to_dict(contact)))) == contact


@given(topics)
def test_any_topic_round_trips_through_json(topic: Topic) -> None:
    assert topic_from_dict(json.loads(json.dumps(topic_to_dict(topic)))) == topic


@given(entries)
def test_any_ledger_entry_round_trips_through_json(item: LedgerEntry) -> None:
    assert ledger_from_dict(json.loads(json.dumps(ledger_to_dict(item)))) == item


@given(st.lists(contacts, max_size=4, unique_by=lambda c: c.email.strip().lower()),
       st.lists(topics, max_size=4),
       st.lists(entries, max_size=4, unique_by=lambda e: e.key))
def test_any_document_round_trips_through_text(cs: list, ts: list, es: list) -> None:
    bundle = Bundle(tuple(cs), tuple(ts), tuple(es))
    assert parse_document(document_to_text(document(bundle))) == bundle


def test_times_are_iso_8601_utc() -> None:
    doc = document()
    assert doc["exported_at"] == "2026-03-10T19:00:00Z"
    assert doc["topics"][1]["at"] == "2026-03-10T10:00:00Z"
    assert doc["ledger"][0]["updated"] == "2026-03-10T11:00:00Z"


def test_a_time_in_another_zone_is_read_as_utc() -> None:
    raw = topic_to_dict(SAMPLE.topics[0]) | {"at": "2026-03-10T10:00:00+01:00"}
    assert topic_from_dict(raw).at == T0 and topic_from_dict(raw).at.tzinfo == UTC


def test_optional_fields_may_be_left_out() -> None:
    assert contact_from_dict({"email": ANA}) == Contact(ANA)
    raw = {"key": "k", "kind": "followup", "state": "done", "updated": "2026-03-10T09:00:00Z"}
    assert ledger_from_dict(raw) == LedgerEntry("k", "followup", DONE, T0)


# Malformed files: every problem, located ---------------------------------------


def problems_of(text: str) -> list[str]:
    with pytest.raises(DataError) as info:
        parse_document(text, "backup.json")
    assert info.value.exit_code == EX_DATAERR == 65
    assert "backup.json: " in str(info.value)
    return info.value.problems


def with_change(path: tuple[str | int, ...], value: Any) -> str:
    doc = json.loads(text_of(document()))
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return text_of(doc)


@pytest.mark.parametrize(("path", "value", "problem"), [
    (("format",), "vcard", "$.format: expected 'kaffe-export', got 'vcard'"),
    (("version",), 2, "$.version: expected 1, got 2 (written by a newer kaffe)"),
    (("exported_at",), "yesterday", "$.exported_at: expected an ISO 8601 time"),
    (("contacts",), {}, "$.contacts: expected an array, got an object"),
    (("contacts", 1), "bo", "$.contacts[1]: expected an object, got a string"),
    (("contacts", 0, "email"), "ana", "$.contacts[0].email: expected an e-mail address"),
    (("contacts", 0, "name"), None, "$.contacts[0].name: expected a string, got null"),
    (("contacts", 0, "phone"), "+45", "$.contacts[0]: unknown field(s) 'phone'"),
    (("topics", 2, "text"), "  ", "$.topics[2].text: must not be empty"),
    (("topics", 0, "at"), "2026-03-10T09:00:00", "$.topics[0].at: the time "
                                                  "'2026-03-10T09:00:00' has no timezone"),
    (("ledger", 1, "state"), "sent", "$.ledger[1].state: expected one of done, failed, "
                                     "pending, skipped, got 'sent'"),
    (("ledger", 0, "attempts"), -1, "$.ledger[0].attempts: expected a whole number >= 0"),
    (("ledger", 0, "attempts"), True, "$.ledger[0].attempts: expected a whole number >= 0"),
    (("ledger", 0, "attempts"), 2**63, "$.ledger[0].attempts: expected a whole number >= 0"),
    (("ledger", 0, "state"), ["done"], "$.ledger[0].state: expected one of done"),
    (("topics", 0, "text"), "\ud800x", "$.topics[0].text: not valid Unicode text at character 0"),
    (("ledger", 2, "key"), "followup:a", "$.ledger[2]: 'followup:a' appears twice "
                                         "(also at $.ledger[1])"),
    (("contacts", 1, "email"), "ANA@partner.dk ", "$.contacts[1]: 'ana@partner.dk' appears "
                                                  "twice (also at $.contacts[0])"),
])
def test_a_malformed_document_names_what_and_where(
    path: tuple[str | int, ...], value: Any, problem: str
) -> None:
    assert [p for p in problems_of(with_change(path, value)) if p.startswith(problem)], problem


def test_every_problem_is_listed_not_only_the_first() -> None:
    doc = json.loads(text_of(document()))
    del doc["ledger"][0]["key"]
    doc["ledger"][0]["updated"] = 5
    del doc["topics"]
    assert problems_of(text_of(doc)) == [
        "$.topics: missing",
        "$.ledger[0].key: missing",
        "$.ledger[0].updated: expected a string, got a number",
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | printable,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(printable, inner, max_size=3),
    max_leaves=12,
)
fields = st.sampled_from(["email", "name", "language", "contact", "text", "source", "at",
                          "key", "kind", "state", "updated", "draft_id", "attempts", "detail"])


@given(st.sampled_from(["contacts", "topics", "ledger"]), st.integers(0, 1), fields,
       json_values)
def test_any_hostile_value_is_a_located_problem_never_a_crash(
    section: str, index: int, field: str, value: Any
) -> None:
    doc = json.loads(text_of(document()))
    doc[section][index][field] = value
    try:
        parse_document(json.dumps(doc))
    except DataError as exc:
        assert all(p.startswith("$") for p in exc.problems)


@given(json_values)
def test_any_json_at_all_is_a_bundle_or_a_data_error(value: Any) -> None:
    try:
        assert isinstance(parse_document(json.dumps(value)), Bundle)
    except DataError as exc:
        assert exc.problems


@pytest.mark.parametrize(("text", "problem"), [
    ('{"format": "kaffe-export",\n "version": 1,,}', "line 2 column 15: not valid JSON"),
    ("[]", "$: expected an object, got an array"),
    ("", "line 1 column 1: not valid JSON"),
])
def test_text_that_is_no_document(text: str, problem: str) -> None:
    assert problems_of(text)[0].startswith(problem)


# Merging -----------------------------------------------------------------------


def test_import_into_a_fresh_store_then_export_gives_the_same_document(store: Store) -> None:
    text = document_to_text(document())
    assert merge(store, parse_document(text)) == ImportCounts(2, 3, 3, 0)
    assert export_text(store, at(10)) == text


def test_importing_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    merge(store, SAMPLE)
    before = export_text(store, at(10))
    assert merge(store, SAMPLE) == ImportCounts(0, 0, 0, 8)
    assert export_text(store, at(10)) == before


def test_contacts_take_the_files_fields_except_empty_ones(store: Store) -> None:
    store.upsert_contact(Contact(ANA, "Ana", "en"))
    store.upsert_contact(Contact(BO, "Bo Berg", "sv"))
    counts = merge(store, Bundle(contacts=(Contact(ANA, "", "da"), Contact(BO, "Bo Berg", "sv"),
                                           Contact("  Cy@X.example ", "Cy"))))
    assert counts == ImportCounts(contacts=2, unchanged=1)
    assert store.contacts() == {ANA: Contact(ANA, "Ana", "da"),
                                BO: Contact(BO, "Bo Berg", "sv"),
                                "cy@x.example": Contact("cy@x.example", "Cy")}


def test_topics_are_added_once_per_contact_text_and_source(store: Store) -> None:
    store.add_topics([Topic(ANA, "dbt", "note", T0)])
    new = (Topic(ANA, "dbt", "note", at(5)), Topic(ANA, "dbt", "mail:<t1>", at(5)),
           Topic("ANA@partner.dk", "dbt", "mail:<t1>", at(6)))
    assert merge(store, Bundle(topics=new)) == ImportCounts(topics=1, unchanged=2)
    assert [(t.source, t.at) for t in store.topics()[ANA]] == [("note", T0),
                                                               ("mail:<t1>", at(5))]


@pytest.mark.parametrize(("stored", "imported", "kept"), [
    (entry(state=DONE), entry(state=PENDING, hours=5, draft_id=""), "stored"),
    (entry(state=DONE), entry(state=FAILED, hours=5, draft_id=""), "stored"),
    (entry(state=SKIPPED), entry(state=PENDING, hours=5), "stored"),
    (entry(state=FAILED, hours=5), entry(state=PENDING, hours=6), "stored"),
    (entry(state=PENDING, hours=5), entry(state=DONE), "imported"),
    (entry(state=FAILED, hours=5), entry(state=SKIPPED), "imported"),
    (entry(state=DONE, draft_id="r1"), entry(state=DONE, hours=1, draft_id="r2"), "imported"),
    (entry(state=DONE, hours=1, draft_id="r2"), entry(state=DONE, draft_id="r1"), "stored"),
    (entry(state=DONE), entry(state=DONE, detail="other"), "stored"),
])
def test_for_a_known_key_the_more_final_state_wins(
    store: Store, stored: LedgerEntry, imported: LedgerEntry, kept: str
) -> None:
    store.ledger_restore(stored)
    counts = merge(store, Bundle(ledger=(imported,)))
    want = stored if kept == "stored" else imported
    assert store.ledger() == {want.key: want}
    assert counts == (ImportCounts(unchanged=1) if kept == "stored" else ImportCounts(ledger=1))


def test_an_unknown_key_is_added_as_it_is(store: Store) -> None:
    item = entry("prep:x", PENDING, attempts=4, detail="crashed")
    merge(store, Bundle(ledger=(item,)))
    assert store.ledger_entry("prep:x") == item
    assert [e for e in store.ledger().values() if e.state == PENDING] == [item]


def test_a_dry_run_counts_but_writes_nothing(store: Store) -> None:
    store.upsert_contact(Contact(ANA, "Ana", "en"))
    assert merge(store, SAMPLE, dry_run=True) == ImportCounts(2, 3, 3, 0)
    assert read_bundle(store) == Bundle(contacts=(Contact(ANA, "Ana", "en"),))


def test_the_merge_is_one_transaction(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(item: LedgerEntry) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "ledger_restore", broken)
    with pytest.raises(OSError):
        merge(store, SAMPLE)
    assert read_bundle(store) == Bundle()


def test_a_malformed_file_writes_nothing(store: Store) -> None:
    doc = json.loads(text_of(document()))
    doc["ledger"][2]["state"] = "sent"  # the contacts and topics before it are fine
    with pytest.raises(DataError):
        merge(store, parse_document(text_of(doc)))
    assert read_bundle(store) == Bundle()


def test_export_holds_no_tokens_messages_or_events(store: Store) -> None:
    from kaffe.model import CalendarBatch, MailBatch
    from tests.store.factories import ME, make_event, make_message

    store.apply_calendar_batch(CalendarBatch("google:primary", (make_event(),), "tok", True),
                               window_start=at(-24), window_end=at(24))
    store.apply_mail_batch(MailBatch("gmail", (make_message(),), "h1", True),
                           own_addresses=(ME.email,))
    store.set_cursor("gmail", "history-42")
    doc = json.loads(export_text(store, at(10)))
    assert set(doc) == {"format", "version", "exported_at", "contacts", "topics", "ledger"}
    text = json.dumps(doc)
    for secret in ("history-42", "Coffee e1", "Re: Coffee next week?", "m1@mail.example"):
        assert secret not in text
    assert doc["contacts"] == [{"email": ANA, "name": "Ana Sørensen", "language": ""}]


def canonical(cs: list[Contact], ts: list[Topic], es: list[LedgerEntry]) -> Bundle:
    """The bundle as the store keeps and exports it: addresses lower-cased, sorted."""
    cs = [dataclasses.replace(c, email=c.email.strip().lower()) for c in cs]
    ts = [dataclasses.replace(t, contact=t.contact.strip().lower()) for t in ts]
    return Bundle(tuple(sorted(cs, key=lambda c: c.email)),
                  tuple(sorted(ts, key=lambda t: (t.contact, t.at))),
                  tuple(sorted(es, key=lambda e: e.key)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(st.lists(contacts, max_size=3, unique_by=lambda c: c.email.strip().lower()),
       st.lists(topics, max_size=3,
                unique_by=lambda t: (t.contact.strip().lower(), t.text, t.source)),
       st.lists(entries, max_size=3, unique_by=lambda e: e.key))
def test_anything_imported_into_a_fresh_store_exports_the_same(
    tmp_path: Path, cs: list, ts: list, es: list
) -> None:
    bundle = canonical(cs, ts, es)
    path = tmp_path / f"p{len(list(tmp_path.iterdir()))}.db"
    with Store.open(path) as fresh:
        merge(fresh, parse_document(document_to_text(document(bundle))))
        assert read_bundle(fresh) == bundle
        assert merge(fresh, bundle) == ImportCounts(unchanged=len(cs) + len(ts) + len(es))


def test_counts_read_like_a_sentence() -> None:
    assert str(ImportCounts(12, 40, 31, 3)) == (
        "12 contacts, 40 topics, 31 ledger entries; 3 unchanged")


def test_times_keep_microseconds() -> None:
    precise = T0 + timedelta(microseconds=1234)
    assert topic_from_dict(topic_to_dict(Topic(ANA, "x", "note", precise))).at == precise
