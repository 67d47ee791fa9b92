"""The language of received mail: judged once when a message is stored, only the verdict
kept (issue 15), handed to the rules as the latest few per contact."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from kaffe.daemon.storeview import StoreView
from kaffe.model import MailBatch, Recipient
from kaffe.store import Store
from kaffe.store import languages as _languages
from tests.rules.factories import make_config
from tests.store.factories import ACCOUNT, ANA, ME, at, make_message

ENGLISH = "Thanks for the coffee yesterday, here are the slides I promised you"
DANISH = "Tak for kaffen i går, her er de slides jeg lovede dig"


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "kaffe.db") as s:
        yield s


def put(store: Store, *messages, full: bool = False) -> None:
    store.apply_mail_batch(MailBatch(ACCOUNT, tuple(messages), None, full=full),
                           own_addresses=(ME.email,))


def test_received_mail_is_judged_by_subject_and_first_words_and_the_text_not_kept(
        store, tmp_path) -> None:
    put(store, make_message("m1", subject="Slides", sample=ENGLISH))
    [verdict] = store.languages()[ANA.email]
    assert (verdict.message_key, verdict.at, verdict.language) == (f"{ACCOUNT}/m1", at(0), "en")
    assert verdict.confidence > 0.99
    conn = sqlite3.connect(tmp_path / "kaffe.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert "promised" not in dump


def test_only_personal_mail_from_others_is_judged(store) -> None:
    put(store,
        make_message("s1", sent=True, sample=DANISH),
        make_message("b1", bulk="List-Id", sample=DANISH),
        make_message("own", sender=Recipient(ME.email), sample=DANISH),
        make_message("empty", subject="", sample="12:30 ?"))
    assert store.languages() == {}


def test_judged_once_a_changed_message_again_and_gone_with_its_message(store,
                                                                        monkeypatch) -> None:
    calls: list[str] = []
    judge = _languages.identify
    monkeypatch.setattr(_languages, "identify", lambda text: calls.append(text) or judge(text))
    first = make_message("m1", subject="Slides", sample=ENGLISH)
    put(store, first)
    put(store, replace(first, sample=""))  # the same message synced again: not judged again
    assert len(calls) == 1 and store.languages()[ANA.email][0].language == "en"
    put(store, replace(first, subject="Tak for kaffen i går", sample=DANISH))
    assert len(calls) == 2 and store.languages()[ANA.email][0].language == "da"
    put(store, full=True)  # the message left the window
    assert store.languages() == {}


def test_the_rules_get_the_latest_five_oldest_first_unclear_ones_as_blank(store) -> None:
    texts = [ENGLISH, DANISH, "ok", ENGLISH, ENGLISH, DANISH, ENGLISH]
    put(store, *(make_message(f"m{i}", i, subject="", sample=t) for i, t in enumerate(texts)))
    assert store.written_languages() == {ANA.email: ("", "en", "en", "da", "en")}
    assert [v.message_key for v in store.languages()[ANA.email]] == [
        f"{ACCOUNT}/m{i}" for i in range(2, 7)]


def test_the_store_view_refreshes_them_as_they_write(store) -> None:
    view, config = StoreView(store), make_config()
    put(store, make_message("m1", subject="", sample=DANISH))
    first = view.snapshot(at(1), config)
    assert first.languages == {ANA.email: ("da",)}
    assert view.snapshot(at(1), config).languages is first.languages  # kept while unchanged
    put(store, make_message("m2", 2, subject="", sample=ENGLISH))
    assert view.snapshot(at(3), config).languages == {ANA.email: ("da", "en")}
