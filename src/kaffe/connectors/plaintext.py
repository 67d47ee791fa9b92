"""Text that strangers wrote, made safe to store, print and put in a template.

Connectors pass every title, name and place through :func:`one_line` and longer
text through :func:`printable`: a calendar title with a line break would split a
draft's ``Subject:`` line, and an escape sequence in a mail subject would reach
the terminal of whoever runs ``kaffe plan``.
"""

from __future__ import annotations

import unicodedata

_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n",
                              "\x0b": "\n", "\x0c": "\n"})  # fmt: skip
_KEPT_CONTROLS = frozenset("\n\t")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs")


def one_line(text: str) -> str:
    """Every run of whitespace (line breaks included) as one space, other control
    characters and lone surrogates dropped, the ends stripped."""
    kept = "".join(ch for ch in text if ch.isspace() or not _is_control(ch))
    return " ".join(kept.split())


def printable(text: str) -> str:
    """Line breaks as ``\\n`` (CR LF, CR, U+2028 ...), other control characters and
    lone surrogates dropped, the ends stripped; tabs and line structure kept."""
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    return "".join(ch for ch in text if ch in _KEPT_CONTROLS or not _is_control(ch)).strip()
