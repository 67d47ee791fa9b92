"""Jinja2 filters for the draft templates: dates and name lists per language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "da": (
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ),
}  # fmt: skip
_AND = {"en": "and", "da": "og"}


def long_date(day: date, language: str = "en") -> str:
    """``9 March 2026`` in English, ``9. marts 2026`` in Danish."""
    months = _MONTHS.get(language, _MONTHS["en"])
    month = months[day.month - 1]
    if language == "da":
        return f"{day.day}. {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def join_names(names: Sequence[str], language: str = "en") -> str:
    """``Ana``, ``Ana and Bo``, ``Ana, Bo and Cy`` (``og`` in Danish)."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_AND.get(language, _AND['en'])} {names[-1]}"


def venue(location: str) -> str:
    """The place name from a location: its first comma-separated part; "" for a
    video link, which is not a place to thank anyone for."""
    text = " ".join(location.split())
    if "://" in text or text.lower().startswith(("meet.", "zoom.", "teams.")):
        return ""
    return text.split(",")[0].strip()


def sentence(text: str) -> str:
    """``text`` as a sentence of its own: its first letter upper case, and a full stop
    unless it already ends in one (or in "!" or "?"): "i lead data at X" -> "I lead
    data at X."."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else f"{text}."


FILTERS = {"long_date": long_date, "join_names": join_names, "venue": venue,
           "sentence": sentence}
