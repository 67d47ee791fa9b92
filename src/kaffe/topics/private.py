"""What in a note is yours alone (issue 17: share trends, not confidences).

Three ways to keep something out of kaffe, in English or Danish:

- a line marked ``(private)`` or ``(privat)`` (anywhere on the line, any case);
- a section under a heading ``Private`` or ``Privat`` (any level, e.g. ``## Private``),
  up to the next heading of the same or a higher level;
- a whole note with ``private: true`` (or ``yes``, ``ja``, ``sand``) in its front matter.

Private text is dropped before anything reads the note: no topic, trend, insight,
referral or draft ever sees it. Pure text handling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_MARK = re.compile(r"\((?:private|privat)\)", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_PRIVATE_HEADINGS = frozenset({"private", "privat"})
_TRUE = frozenset({"true", "yes", "ja", "sand", "1", "on"})


def is_private_line(line: str) -> bool:
    """True when ``line`` carries the ``(private)`` / ``(privat)`` mark."""
    return bool(_MARK.search(line))


def is_private_note(header: Mapping[str, str]) -> bool:
    """True when a note's front matter says ``private: true`` (or yes / ja / sand)."""
    return header.get("private", "").strip().strip("\"'").lower() in _TRUE


def public_text(text: str) -> str:
    """``text`` without its private lines and private sections (line count kept: a
    dropped line becomes an empty one, so line numbers still point at the file)."""
    kept: list[str] = []
    hidden_at = 0  # the level of the private heading we are under, 0 = none
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading is not None:
            level = len(heading.group(1))
            if hidden_at and level <= hidden_at:
                hidden_at = 0
            if not hidden_at and heading.group(2).strip(" :").lower() in _PRIVATE_HEADINGS:
                hidden_at = level
        kept.append("" if hidden_at or is_private_line(line) else line)
    return "\n".join(kept)
