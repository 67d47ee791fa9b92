"""Secrets out of everything a person or a journal reads.

The one home for redaction: the log filter (``cli/logs.py``), config errors, the
sources' names for themselves, and every line ``plan``, ``once``, ``status``,
``doctor`` and ``export`` print go through :func:`redact_text` or
:func:`redact_url`. A secret here is a credential in a URL (``user:pass@``, a
query or fragment value whose name says it is one, a value that looks like a
token), a secret path segment (Google's ``private-<hex>``, Outlook's published
calendar token, an address), and an ``Authorization`` header or password in a
dump of headers or arguments. Redacting too much costs a less telling log line;
too little, a calendar readable by anyone who sees the journal.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

HIDDEN = "…"

# A query or header name that holds a credential (compared lower-cased, with
# "-", "_" and "." removed): api keys, OAuth tokens and codes, passwords,
# signatures of signed URLs (AWS, Azure SAS "sig", Google), sessions.
_CREDENTIAL_NAME = re.compile(
    r"token|secret|passw|pwd|apikey|accesskey|privatekey|signature|credential|auth(?!or(?!iz))|session"
    r"|jwt|bearer|cookie|^(key|sig|sid|pass|code|ticket|otp|pin|hash|k)$|key$|sig$",
)
_TOKEN_PIECE = re.compile(r"[A-Za-z0-9+/%=]{16,}")
_HEX = re.compile(r"[0-9a-fA-F]{16,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_SEPARATORS = re.compile(r"[-_.~]")

# A URL in running text: any scheme, up to a space, a quote or an angle bracket.
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s\"'<>\\`]+")
_TRAILING = ".,;:!?)]}"
# An HTTP request line as urllib3, http.client and access logs write it.
_REQUEST_LINE = re.compile(
    r"\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|PROPFIND|REPORT|MKCALENDAR) (/[^\s\"']*)"
)
# name=value pairs in text (form bodies, query strings without their URL).
_PAIR = re.compile(r"(?P<name>[A-Za-z][\w.-]*)=(?P<value>[^\s&;,'\"<>)\]}]+)")
# 'name': 'value' and ('name', 'value') in dumps of headers, dicts and JSON.
_QUOTED_PAIR = re.compile(
    r"(?P<q>[\"'])(?P<name>[\w.-]+)(?P=q)(?P<sep>\s*[:,]\s*b?)(?P<q2>[\"'])(?P<value>[^\"']*)(?P=q2)"
)
_AUTH_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization:\s*)(\w+\s+)?[^\s;,'\"]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]{8,}")
_PRIVATE = re.compile(r"(?i)\bprivate-[A-Za-z0-9]+")


def is_credential_name(name: str) -> bool:
    """True for a query parameter or header name that holds a secret
    (``token``, ``apikey``, ``access_token``, ``sig``, ``password``, ...)."""
    return bool(_CREDENTIAL_NAME.search(re.sub(r"[-_.\s]", "", name.lower())))


def looks_like_token(text: str) -> bool:
    """True for a path segment or value that looks random: a long hex string, a
    UUID, or a long run of letters and digits mixed (slugs of words are not)."""
    text = unquote_plus(text)
    if _UUID.search(text) or _HEX.fullmatch(text.split(".")[0]):
        return True
    return any(_random_piece(piece) for piece in _SEPARATORS.split(text))


def _random_piece(piece: str) -> bool:
    if not _TOKEN_PIECE.fullmatch(piece):
        return False
    has_digit = any(ch.isdigit() for ch in piece)
    mixed_case = piece.lower() != piece and piece.upper() != piece
    return has_digit or (mixed_case and len(piece) >= 24)


def redact_url(url: str) -> str:
    """``url`` without its secrets; scheme, host, port and harmless parts are kept:
    ``https://calendar.google.com/calendar/ical/…/private-…/basic.ics``,
    ``https://feeds.example/rss?apikey=…&lang=da``, ``https://…@cal.example/``.
    A local path holds no secret and is returned as it is."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a broken IPv6 literal
        return f"{url.partition('://')[0]}://{HIDDEN}"
    if not parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    netloc = f"{HIDDEN}@{netloc}" if "@" in parts.netloc else netloc
    path = "/".join(_segment(seg) for seg in parts.path.split("/"))
    return urlunsplit((parts.scheme, netloc, path, _pairs(parts.query), _pairs(parts.fragment)))


def _segment(segment: str) -> str:
    lowered = segment.lower()
    if lowered.startswith("private-"):
        return "private-" + HIDDEN
    if "@" in segment or "%40" in lowered or looks_like_token(segment):
        return HIDDEN
    return segment


def _pairs(query: str) -> str:
    """A query (or fragment) with every secret value hidden, names kept."""
    return "&".join(_pair(pair) for pair in query.split("&")) if query else ""


def _pair(pair: str) -> str:
    name, equals, value = pair.partition("=")
    if not equals:
        return HIDDEN if looks_like_token(name) else pair
    if value and (is_credential_name(unquote_plus(name)) or looks_like_token(value)):
        return f"{name}={HIDDEN}"
    return pair


def has_credentials(url: str) -> bool:
    """True when ``url`` carries a credential of its own: a user name or password,
    a query or fragment value whose name says it is a secret, or a Google-style
    ``private-`` segment. Such a link is nobody else's to open."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return True
    if "@" in parts.netloc:
        return True
    if any(seg.lower().startswith("private-") for seg in parts.path.split("/")):
        return True
    pairs = (p.partition("=") for p in f"{parts.query}&{parts.fragment}".split("&"))
    return any(eq and value and is_credential_name(unquote_plus(name))
               for name, eq, value in pairs)


def redact_text(text: str) -> str:
    """``text`` (a log message, an error, a line of output) with every URL in it
    redacted, and credentials outside URLs too: ``name=value`` and
    ``'name': 'value'`` pairs with a credential's name, ``Authorization:``
    headers, bearer tokens, ``private-`` tokens, request lines' targets."""
    if not text:
        return text
    text = _URL_IN_TEXT.sub(_url_match, text)
    text = _REQUEST_LINE.sub(lambda m: f"{m[1]} {_path_only(m[2])}", text)
    text = _QUOTED_PAIR.sub(_quoted_match, text)
    text = _PAIR.sub(_pair_match, text)
    text = _AUTH_HEADER.sub(lambda m: f"{m[1]}{m[2] or ''}{HIDDEN}", text)
    text = _BEARER.sub(lambda m: f"{m[1]}{HIDDEN}", text)
    return _PRIVATE.sub("private-" + HIDDEN, text)


def _url_match(match: re.Match[str]) -> str:
    url = match[0]
    kept = url.rstrip(_TRAILING)
    return redact_url(kept) + url[len(kept):]


def _path_only(target: str) -> str:
    """A request target (``/path?query``) redacted as the path of a URL."""
    return redact_url("http://h" + target).removeprefix("http://h")


def _quoted_match(match: re.Match[str]) -> str:
    if not is_credential_name(match["name"]) or not match["value"]:
        return match[0]
    q, q2 = match["q"], match["q2"]
    return f"{q}{match['name']}{q}{match['sep']}{q2}{HIDDEN}{q2}"


def _pair_match(match: re.Match[str]) -> str:
    name, value = match["name"], match["value"].rstrip(_TRAILING)
    if value.startswith(HIDDEN) or not any(ch.isalnum() for ch in value):
        return match[0]
    if not (is_credential_name(name) or looks_like_token(value)):
        return match[0]
    return f"{name}={HIDDEN}{match['value'][len(value):]}"
