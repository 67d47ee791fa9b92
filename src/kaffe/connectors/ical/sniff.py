"""Is this document an iCalendar file at all? A look at its first bytes.

A feed, a saved e-mail or a web page configured as ``type = "ics"`` (or served by
a calendar URL that moved) used to read as an empty calendar: 0 events, exit 0,
``doctor`` "readable", and a full sync then wiped the stored meetings. Every
iCalendar document starts with ``BEGIN:VCALENDAR`` (a bare ``BEGIN:VEVENT`` is
read too); anything else is said to be "not an iCalendar file", with what it
looks like when that is cheap to tell, and the read fails instead.
"""

from __future__ import annotations

import re

HEAD_BYTES = 4096  # how much of a document is looked at

_ICAL = re.compile(rb"^BEGIN[ \t]*:[ \t]*V(CALENDAR|EVENT|TODO|JOURNAL|FREEBUSY|TIMEZONE)\b",
                   re.IGNORECASE | re.MULTILINE)  # fmt: skip
_MAIL_HEADER = re.compile(
    rb"^(Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To"
    rb"|X-[A-Za-z-]+)[ \t]*:", re.IGNORECASE)  # fmt: skip
_LOOKS = (  # (pattern in the first bytes, lower-cased, what the document looks like)
    (re.compile(rb"<rss\b|<rdf:rdf\b|xmlns=\"http://purl.org/rss"), "an RSS feed"),
    (re.compile(rb"<feed\b"), "an Atom feed"),
    (re.compile(rb"<!doctype html|<html\b|<head\b|<body\b"), "a web page (HTML)"),
    (re.compile(rb"^<\?xml|^<"), "an XML document"),
    (re.compile(rb"^[{\[]"), "JSON"),
)
_MAGIC = ((b"%PDF", "a PDF file"), (b"PK\x03\x04", "a ZIP archive"),
          (b"\x1f\x8b", "gzip-compressed data"))  # fmt: skip


def not_icalendar(head: bytes) -> str:
    """Why a document that starts with ``head`` is not iCalendar, or "" when it is.

    An empty document is left to the reader (it says "empty document")."""
    text = head.replace(b"\x00", b"")  # UTF-16 text, which the reader reads so too
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        text = text.removeprefix(bom)
    text = text.lstrip(b" \t\r\n")
    if not text or _ICAL.match(text):
        return ""
    what = looks_like(text)
    if not what and _ICAL.search(text):
        return ""  # a stray line before BEGIN:VCALENDAR: the lenient reader copes
    return f"not an iCalendar file (it looks like {what or 'text of another kind'})"


def looks_like(text: bytes) -> str:
    """What a document that is not iCalendar seems to be, in words ("" when unknown)."""
    for magic, what in _MAGIC:
        if text.startswith(magic):
            return what
    if _binary(text[:HEAD_BYTES]):
        return "binary data"
    if _MAIL_HEADER.match(text):
        return "an e-mail message"
    lower = text[:HEAD_BYTES].lower()
    for pattern, what in _LOOKS:
        if pattern.search(lower):
            return what
    return ""


def _binary(text: bytes) -> bool:
    """Mostly control bytes: not a text format at all."""
    controls = sum(1 for b in text if b < 32 and b not in (9, 10, 13))
    return controls * 10 > len(text)
