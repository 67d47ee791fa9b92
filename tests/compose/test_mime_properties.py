"""Whatever a calendar title or a name holds, the headers are exactly the expected
ones and the values come back as written (modulo whitespace)."""

from __future__ import annotations

import email
from email.policy import default

from hypothesis import given, settings
from hypothesis import strategies as st

from kaffe.compose.mime import KEY_HEADER, clean_header, to_raw
from kaffe.mailids import wire_key
from kaffe.model import Draft, Recipient

EXPECTED = {
    "From", "To", "Subject", "Message-ID", KEY_HEADER,
    "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
}  # fmt: skip

local_parts = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,15}", fullmatch=True).filter(
    lambda s: ".." not in s and not s.endswith(".")
)
domains = st.from_regex(r"([a-z0-9]{1,10}\.){1,3}[a-z]{2,6}", fullmatch=True)
emails = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)
# Plain arbitrary text rarely hits the tricky cases; mix in the pieces of them.
TRICKY = [
    "=?utf-8?q?",
    "=?utf-8?b?",
    "?=",
    "\r\n",
    "\n ",
    ",",
    ";",
    '"',
    "\\",
    "<",
    ">",
    "@",
    "(",
    ")",
    ":",
    "Bcc: x@example.com",
    "ø",
    "☕",
    "\x00",
    "\u2028",
    " " * 80,
    "x" * 90,
]
texts = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=4)), max_size=12).map("".join),
)
recipients = st.builds(Recipient, email=emails, name=texts)


def flat(value: str) -> str:
    return " ".join(value.split())


def bare(value: str) -> str:
    """Without any whitespace. A long non-ASCII name is written as several encoded
    words separated by folding whitespace, which RFC 2047 says a reader drops;
    CPython's address parser keeps it as a space, so names compare without it."""
    return "".join(value.split())


@settings(max_examples=200, deadline=None)
@given(
    subject=texts,
    sender=recipients,
    to=st.lists(recipients, min_size=1, max_size=3),
    key=texts,
    body=st.text(),
)
def test_headers_are_exact_and_round_trip(
    subject: str, sender: Recipient, to: list[Recipient], key: str, body: str
) -> None:
    draft = Draft(key=key, sender=sender, to=tuple(to), subject=subject, body=body)
    msg = email.message_from_bytes(to_raw(draft), policy=default)
    assert set(msg.keys()) == EXPECTED
    assert len(msg.keys()) == len(EXPECTED)
    assert flat(msg["Subject"]) == clean_header(subject)
    assert msg[KEY_HEADER] == wire_key(key) and msg[KEY_HEADER].isascii()
    parsed = [(bare(a.display_name), a.addr_spec) for a in msg["To"].addresses]
    assert parsed == [(bare(clean_header(r.name)), r.email) for r in to]
    (me,) = msg["From"].addresses
    assert (bare(me.display_name), me.addr_spec) == (bare(clean_header(sender.name)), sender.email)
    assert not msg.defects and all(not h.defects for h in msg.values())
