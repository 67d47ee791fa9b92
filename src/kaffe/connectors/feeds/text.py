"""Pure helpers that turn feed text into kaffe's plain forms: HTML to plain
text, canonical links, short stable ids and language codes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from kaffe.config.checks import LANGUAGE_CODES
from kaffe.connectors.plaintext import one_line

SUMMARY_CHARS = 1000

# Elements whose content is never text a reader sees (frames and media hold only
# fallback text for browsers that cannot show them).
_HIDDEN = frozenset(
    "script style noscript template head title svg math iframe object noembed noframes "
    "audio video canvas select".split()
)
# Elements that end a line of text: a space keeps their words apart.
_BREAKS = frozenset(
    "br p div li ul ol tr td th h1 h2 h3 h4 h5 h6 blockquote pre hr section article "
    "header footer figure figcaption dd dt table".split()
)
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_MAX_UNESCAPES = 3  # escaped markup is read again at most this often
# Markup that is never innocent text: active or remote content, or an event handler.
_ACTIVE_MARKUP = re.compile(
    r"<\s*/?\s*(?:script|style|img|image|iframe|frame|object|embed|svg|math|link|meta|base"
    r"|form|input|video|audio|source|noscript|template)\b"
    r"|<[a-z][^>]*\s(?:on[a-z]+|src|srcset|href|style)\s*="
    # an unclosed CDATA opener left as text: the HTML parser keeps what follows verbatim
    r"|<!\[CDATA\[",
    re.IGNORECASE,
)

# Query parameters that track the reader and never change the page.
TRACKING_PARAMS = frozenset(
    "fbclid gclid dclid gbraid wbraid msclkid yclid twclid igshid mc_cid mc_eid ref ref_src "
    "ref_url _hsenc _hsmi __hssc __hstc __hsfp hsctatracking mkt_tok oly_anon_id oly_enc_id "
    "vero_conv vero_id wickedid rb_clickid s_cid cmpid spm at_medium at_campaign ncid sr_share "
    "share_source".split()
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # depth inside script/style/...

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN and tag not in _VOID:
            self.hidden += 1
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def collapse(text: str) -> str:
    """Collapse every run of whitespace to one space, drop control characters and
    strip the ends."""
    return one_line(text)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped (images and the content of
    script/style with them), entities decoded, whitespace collapsed. Markup that
    was escaped twice ("&amp;lt;script&amp;gt;") is markup too and goes the same way."""
    text = _visible_text(html)
    for _ in range(_MAX_UNESCAPES):
        if not _still_markup(text):
            return text
        text = _visible_text(text)
    if _still_markup(text):
        # what the parser keeps as text, e.g. after an unclosed "<![CDATA[", which
        # swallows the rest of the fragment: every tag-like run goes, its words stay
        text = collapse(_TAG_LIKE.sub(" ", text))
    return text


_TAG_LIKE = re.compile(r"<!\[CDATA\[|\]\]>|<[^<>]*>|<[^<>]*$")
# Markup left in the text of an HTML field, where an author writing about HTML would
# say "<div>": a closing tag, a tag with attributes (perhaps cut off by the end of
# the field) or a self-closing one ("&lt;/div&gt;" escaped twice, FeedBurner's
# feedflare divs in a damaged feed).
_INERT_MARKUP = re.compile(
    r"<\s*/\s*[a-z][a-z0-9]*\s*>"
    r"|<[a-z][a-z0-9]*\s+[a-z][a-z0-9_:-]*\s*=\s*[^\s<>][^<>]*(?:>|$)"
    r"|<[a-z][a-z0-9]*\s*/>",
    re.IGNORECASE,
)


def _still_markup(text: str) -> bool:
    """True when rendered HTML still holds markup: it was escaped twice."""
    return looks_like_markup(text) or bool(_INERT_MARKUP.search(text))


def _visible_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return collapse("".join(parser.parts))


def looks_like_markup(text: str) -> bool:
    """True when plain text holds script, style, images, frames or event handlers:
    feeds put escaped HTML in fields they declare plain, and none of it may reach a
    draft. "Why <div> soup hurts" stays text."""
    return bool(_ACTIVE_MARKUP.search(text))


def truncate(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (with "…")."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _strip_query(query: str) -> str:
    # Filter the raw pairs: re-encoding the kept ones could change the link.
    kept = [pair for pair in query.split("&") if pair and not _is_tracking(_param_name(pair))]
    return "&".join(kept)


def _param_name(pair: str) -> str:
    return unquote_plus(pair.partition("=")[0])


def _netloc(scheme: str, host: str, port: int | None, userinfo: str) -> str:
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{userinfo}@{host}" if userinfo else host


def canonical_url(link: str, base: str = "") -> str:
    """The canonical form of ``link`` (resolved against ``base``): http(s) only,
    scheme and host lower-cased, default port, fragment and tracking parameters
    dropped. Returns "" for anything that is not an absolute web link."""
    link = link.strip()
    if base and link:
        link = urljoin(base, link)
    parts = urlsplit(link)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return ""
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        return ""
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if any(_is_unsafe(ch) for ch in parts.netloc):
        return ""  # no host has spaces or control characters in its name
    netloc = _netloc(scheme, parts.hostname.lower(), port, userinfo)
    path, query = _encode_unsafe(parts.path or "/"), _encode_unsafe(_strip_query(parts.query))
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_unsafe(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def _encode_unsafe(text: str) -> str:
    """Whitespace and invisible characters percent-encoded, as a browser sends them:
    a link in a draft must stay one unbroken word."""
    return "".join(
        "".join(f"%{b:02X}" for b in ch.encode("utf-8", "replace")) if _is_unsafe(ch) else ch
        for ch in text
    )


def short_hash(text: str) -> str:
    """A short, stable id for ``text`` (16 hex digits of its SHA-256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_LANGUAGE_SPLIT = re.compile(r"[-_]")


def language_code(value: str | None) -> str:
    """Two-letter code of a language tag ("da-DK" -> "da"); "" if unknown."""
    if not value:
        return ""
    code = _LANGUAGE_SPLIT.split(value.strip().lower(), maxsplit=1)[0]
    return code if code in LANGUAGE_CODES else ""


def clean_tags(*groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Tags lower-cased, whitespace collapsed, blanks and duplicates dropped (order kept)."""
    seen: dict[str, None] = {}
    for group in groups:
        for tag in group:
            text = collapse(tag).lower()
            if text:
                seen.setdefault(text, None)
    return tuple(seen)
