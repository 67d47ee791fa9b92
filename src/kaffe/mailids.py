"""Identifiers that kaffe writes into mail headers: draft keys and message ids.

Pure functions (no I/O): rules, compose and the connectors all use them.
"""

from __future__ import annotations

import hashlib
import re

KEY_HEADER = "X-Kaffe-Key"
# The longest key a header line carries as it is (RFC 5322: 998 octets a line); kaffe
# always wrote shorter keys unchanged, so they stay what they were.
_MAX_PLAIN = 998 - len(KEY_HEADER + ": ")
_KIND = re.compile(r"[a-z]{1,20}")
# RFC 5322 msg-id: "<" id-left "@" id-right ">", no spaces or angle brackets inside.
_MSGID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


def wire_key(key: str) -> str:
    """The ``X-Kaffe-Key`` value for the ledger key ``key``: the key itself when it is
    readable ASCII that a header carries unchanged (every key kaffe wrote before, so
    their drafts are still found), else its kind and a SHA-256 digest, so that a
    non-ASCII event UID or contact address still gives a key IMAP SEARCH can find."""
    if _plain(key):
        return key
    kind = key.partition(":")[0]
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{kind if _KIND.fullmatch(kind) else 'key'}:sha256:{digest}"


def _plain(key: str) -> bool:
    return (
        bool(key)
        and key.isascii()
        and key.isprintable()  # no control characters (CR, LF, tab)
        and " ".join(key.split()) == key  # a header would fold or trim other whitespace
        and "=?" not in key  # would be RFC 2047-encoded, then not found by SEARCH HEADER
        and len(key) <= _MAX_PLAIN
    )


def msg_ids(*values: str) -> tuple[str, ...]:
    """The ``<msg-id>`` tokens in ``values`` (References, In-Reply-To, Message-ID as
    the other side wrote them), in order, each once: comments, phrases and other text
    are dropped so that none of it is copied into a draft's headers."""
    found = (m for value in values for m in _MSGID.findall(value))
    return tuple(dict.fromkeys(found))
