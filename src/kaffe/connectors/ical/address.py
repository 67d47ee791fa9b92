"""The mail address of an ORGANIZER or ATTENDEE, as real clients write them.

The value is meant to be ``mailto:ann@example.com``; what arrives is often not:

- iCloud: ``ORGANIZER;CN="Karim";EMAIL="karim@example.fr":mailto:2_XXXX@imip.me.com``.
  The value is a relay that only Apple's servers read; the person is ``EMAIL=``.
- Confluence: ``ATTENDEE;…:x-confluence-user-key=abc:mailto:jo@example.com``.
- Hand-made files: ``mailto: jo@example.com``, no ``@``, two ``@``.

The address taken is one :func:`kaffe.mailaddr.addr_spec` accepts, so a draft to
it can be written; otherwise the entry gets no address and the caller drops it
with a problem naming the event and the bad value.
"""

from __future__ import annotations

import re
from typing import Any

from kaffe.mailaddr import is_address, is_relay, shorten

_MAILTO = re.compile(r"mailto:", re.IGNORECASE)


def read_address(prop: Any) -> tuple[str, str]:
    """``(address, problem)``: the lower-cased address of ``prop`` and "", or "" and
    why there is none ("" too when the property is absent or empty)."""
    if prop is None:
        return "", ""
    raw = str(prop).strip()
    param = _email_param(prop)
    if param:  # iCloud: the person is here, the value is a relay
        return param, ""
    candidate = _MAILTO.split(raw)[-1].strip()  # after the last mailto: (Confluence)
    if not candidate:
        return "", f"no address in {shorten(raw)!r}" if raw else ""
    found = _one_address(candidate)
    if not found:
        return "", f"{shorten(raw)!r} is not one mail address"
    if is_relay(found):
        return "", f"{shorten(raw)!r} is a relay, not a person's address, and has no EMAIL="
    return found, ""


def _email_param(prop: Any) -> str:
    """The EMAIL= parameter (RFC 7986) when it holds one valid address, else ""."""
    params = getattr(prop, "params", None) or {}
    value = str(params.get("EMAIL", "")).strip().strip('"').strip()
    value = _MAILTO.split(value)[-1].strip()
    return value.lower() if value and _one_address(value) == value.lower() else ""


def _one_address(text: str) -> str:
    """``text`` when it is an address; else the single address among its
    whitespace-separated words; else ""."""
    words = text.split()
    if len(words) == 1:
        return words[0].lower() if is_address(words[0]) else ""
    valid = {w.lower() for w in words if is_address(w)}
    return valid.pop() if len(valid) == 1 else ""
