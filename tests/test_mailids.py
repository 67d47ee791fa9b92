"""Draft keys as they go into X-Kaffe-Key, and <msg-id>s taken from other mail."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kaffe.mailids import msg_ids, wire_key

# Keys of every kind kaffe has written: they must stay what they were, so that an
# upgraded kaffe finds the drafts an older one made.
EXISTING = (
    "followup:coffee-bo@kaffe.test",
    "followup:coffee-henrik@kaffe.test@20260302T160000Z",
    "followup:google:primary/abc123",
    "prep:040000008200E00074C5B7101A82E00800000000D0F0C7E1A8BCDA01000000000000000010",
    "drip:ana@northwind.example:https://blog.example/p?id=7&utm=x#top",
    "checkin:ana@northwind.example:2026-03-01",
)


def test_readable_ascii_keys_are_kept_as_they_are() -> None:
    assert [wire_key(k) for k in EXISTING] == list(EXISTING)


def test_a_non_ascii_key_becomes_its_kind_and_a_digest() -> None:
    key = wire_key("followup:kaffe-møde-Åse@kaffe.test")
    assert key.startswith("followup:sha256:") and len(key) == len("followup:sha256:") + 32
    assert key == wire_key("followup:kaffe-møde-Åse@kaffe.test")  # stable
    assert key != wire_key("followup:kaffe-møde-Ase@kaffe.test")


def test_keys_a_header_would_change_are_hashed() -> None:
    for key in ("a\r\nX-Evil: 1", "a  b", " a", "=?utf-8?q?x?=", "x" * 2000, ""):
        assert ":sha256:" in wire_key(key), key


@given(st.text())
def test_every_key_goes_on_the_wire_as_printable_ascii(key: str) -> None:
    wired = wire_key(key)
    assert wired.isascii() and wired.isprintable() and wired.strip() == wired
    assert wire_key(wired) == wired


def test_msg_ids_drop_everything_else() -> None:
    assert msg_ids("<a@x> (comment) junk", "<b@y>,<a@x>", "<no-at>", "<a b@x>") == (
        "<a@x>", "<b@y>")
