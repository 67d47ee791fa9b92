"""SEQUENCE values icalendar refuses, mended so the event is kept.

RFC 5545 makes SEQUENCE a 32-bit integer, and icalendar 7 refuses anything
else (a ``vBroken``); recurring-ical-events then fails comparing it and the
whole event was lost. Real Google invitations carry millisecond clocks such as
``SEQUENCE:1407317367304``; hand-made files carry ``-1`` or ``draft``.

SEQUENCE only decides between copies of one UID inside one document (the
highest revision wins), so out-of-range values are mapped into the top of the
32-bit range keeping their order among themselves and above every ordinary
value; a later revision still supersedes an earlier one. Across documents kaffe
compares DTSTAMP/LAST-MODIFIED, not SEQUENCE.

A huge integer is no reading problem: its order is kept, nothing is lost, and
Google writes one into many invitations, so listing each would bury the real
problems in ``kaffe plan``/``status``/``doctor`` (it is logged at DEBUG). A value
that is no integer or lies below the range is one: its revision order is lost.
"""

from __future__ import annotations

import logging
import re

from icalendar import Component
from icalendar.prop import vBroken, vInt

from kaffe.connectors.ical.read import Problems, label
from kaffe.mailaddr import shorten

log = logging.getLogger(__name__)
MAX_SEQUENCE = 2**31 - 1
_INTEGER = re.compile(r"[+-]?\d+")


def mend_sequences(components: list[Component], problems: Problems) -> None:
    """Give every component of one UID a SEQUENCE icalendar accepts, in place."""
    broken = [(c, str(c["SEQUENCE"]).strip()) for c in components
              if isinstance(c.get("SEQUENCE"), vBroken)]
    huge = sorted({int(t) for _, t in broken if _INTEGER.fullmatch(t) and int(t) > MAX_SEQUENCE})
    for comp, text in broken:
        number = int(text) if _INTEGER.fullmatch(text) else None
        if number is not None and number > MAX_SEQUENCE:
            mended = MAX_SEQUENCE - (len(huge) - 1 - huge.index(number))
        else:
            mended = 0  # not a number, or below the range: the first revision
        comp["SEQUENCE"] = vInt(mended)
        if number is not None and number > MAX_SEQUENCE:
            log.debug("event %s: SEQUENCE %s read as %d", label(comp), shorten(text, 24), mended)
            continue
        problems.add(f"event {label(comp)}: SEQUENCE {shorten(text, 24)!r} is not a 32-bit "
                     f"revision number; read as {mended}")
