"""Feed bytes to :class:`~kaffe.model.Article` s: a gzip body unpacked (bounded),
feedparser run on the bytes (it never fetches anything itself), every entry
normalised. feedparser's dicts never leave this module."""

from __future__ import annotations

import dataclasses
import io
import logging
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from kaffe.config.schema import FeedConfig
from kaffe.connectors.feeds.text import (
    canonical_url,
    clean_tags,
    collapse,
    html_to_text,
    language_code,
    looks_like_markup,
    short_hash,
    truncate,
)
from kaffe.errors import ConnectorError
from kaffe.model import Article
from kaffe.redact import has_credentials, redact_url

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
_PLAIN = ("text/plain", "")


@dataclass(frozen=True)
class FeedMeta:
    """What an entry needs to know about the feed it came from."""

    name: str  # Article.feed
    label: str  # URL or path, for messages (a URL's secrets are redacted by parse_document)
    config: FeedConfig
    base: str = ""  # resolves relative links
    language: str = ""  # the feed's own language, two letters
    own: frozenset[str] = frozenset()  # the feed's own addresses (canonical): never a link


class SkipEntry(ValueError):
    """An entry that cannot become an article."""


def gunzip(data: bytes, label: str, max_bytes: int) -> bytes:
    """Unpack a body that is itself a gzip file, never past ``max_bytes``."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise ConnectorError(f"feed {label}: a broken gzip body ({exc})") from exc
    if len(out) > max_bytes:
        raise ConnectorError(f"feed {label}: unpacked body is larger than {max_bytes} bytes")
    return out


def run_feedparser(data: bytes, headers: Mapping[str, str], label: str) -> Any:
    """feedparser's result for ``data``. Handed a stream: given bytes it would
    first try to open them as a file name."""
    try:
        return feedparser.parse(io.BytesIO(data), response_headers=dict(headers))
    except Exception as exc:  # feedparser promises never to raise; this is the boundary
        raise ConnectorError(f"feed {label}: the parser failed ({exc!r})") from exc


def check_usable(parsed: Any, label: str) -> None:
    """Raise ConnectorError for a document feedparser could make nothing of."""
    feed_title = parsed.feed.get("title", "") if parsed.get("feed") else ""
    if parsed.entries or feed_title:
        if parsed.bozo:
            log.info("feed %s is ill-formed but readable: %s", label, _bozo(parsed))
        return
    reason = _bozo(parsed) if parsed.bozo else "no feed title and no entries"
    raise ConnectorError(f"feed {label}: not a readable RSS or Atom feed ({reason})")


def _bozo(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return collapse(f"{type(exc).__name__}: {exc}") if exc else "ill-formed"


def parse_document(
    data: bytes, meta: FeedMeta, *, max_bytes: int, headers: Mapping[str, str] | None = None
) -> tuple[Article, ...]:
    """Articles in the feed document ``data``; ConnectorError names ``meta.label``
    and the reason when there is no feed in it."""
    meta = _hide_address(meta)
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, meta.label, max_bytes)
    if not data.strip():
        raise ConnectorError(f"feed {meta.label}: the document is empty")
    parsed = run_feedparser(data, headers or {}, meta.label)
    check_usable(parsed, meta.label)
    meta = _with_feed_facts(meta, parsed.feed)
    return articles_from_entries(parsed.entries, meta)


def _hide_address(meta: FeedMeta) -> FeedMeta:
    """The feed's address (where it was asked for and where it was fetched from)
    kept aside as ``own``; messages name it redacted: a private feed's URL holds
    its token."""
    own = {canonical_url(meta.label), canonical_url(meta.base)} - {""}
    return dataclasses.replace(meta, label=redact_url(meta.label), own=meta.own | own)


def _with_feed_facts(meta: FeedMeta, feed: Any) -> FeedMeta:
    """The feed's language, and the base for relative links: the feed's home
    page, resolved against where the feed was fetched or says it lives."""
    links = feed.get("links", [])
    self_link = next((link.get("href", "") for link in links if link.get("rel") == "self"), "")
    root = canonical_url(self_link, meta.base) or meta.base
    base = canonical_url(feed.get("link", ""), root) or root
    language = language_code(feed.get("language"))
    own = meta.own | ({root} if self_link and root else set())
    return dataclasses.replace(meta, base=base, language=language, own=frozenset(own))


def articles_from_entries(entries: list[Any], meta: FeedMeta) -> tuple[Article, ...]:
    """Normalise every entry; one that cannot be is logged and skipped.
    Duplicates (the same canonical link twice) are kept once."""
    articles: dict[str, Article] = {}
    for number, entry in enumerate(entries, start=1):
        try:
            article = entry_to_article(entry, meta)
        except (SkipEntry, ValueError, TypeError, KeyError, AttributeError) as exc:
            ident = entry.get("id", "") if hasattr(entry, "get") else ""
            log.warning("feed %s: skipped entry %s: %s", meta.label, ident or f"#{number}", exc)
            continue
        articles.setdefault(article.id, article)
    return tuple(articles.values())


def entry_to_article(entry: Any, meta: FeedMeta) -> Article:
    """One feedparser entry as an :class:`Article` (pure)."""
    url = _link(entry, meta.base)
    title = _text(entry.get("title", ""), entry.get("title_detail"))
    key = identity(entry, url, meta.base) or title
    if not key:
        raise SkipEntry("no link, no id and no title")
    return Article(
        id=short_hash(key),
        feed=meta.name,
        url=shareable_link(url, meta),
        title=title,
        summary=truncate(_summary(entry)),
        published=entry_time(entry),
        language=_language(entry, meta),
        tags=clean_tags(meta.config.tags, [t.get("term") or "" for t in entry.get("tags", [])]),
    )


def identity(entry: Any, url: str, base: str) -> str:
    """What an entry's id is hashed from: its canonical link, as ever, so ids stored
    before stay the same and one article in two feeds (or with ``utm_`` tags, or
    a trailing ``?``) is one. A link with a ``#fragment`` names a part of a page:
    a comment feed (Disqus, WordPress, Discourse) gives every comment the post's
    link plus its anchor, and the canonical link (fragment dropped) merged them
    all into one. Such an entry is its guid, else its link with the fragment."""
    ident = entry.get("id", "")
    guid = str(ident).strip()
    link = str(entry.get("link", "")).strip() or guid  # where _link took the url from
    fragment = urlsplit(urljoin(base, link)).fragment
    if not (url and fragment):
        return url or ident  # exactly as before: stored ids must not move
    if guid and (canonical_url(guid) != url or urlsplit(guid).fragment):
        return guid  # a guid equal to the bare post link would merge them again
    return f"{url}#{fragment}"


def shareable_link(url: str, meta: FeedMeta) -> str:
    """``url`` if a contact may be sent it, else "". An entry with an empty or
    ``#fragment`` link resolves to the feed's own address, token included; a link
    with a user name, an api key or a token in it opens only for its owner. Either
    in a drip would hand the contact a private address, so the article keeps its
    identity (the id is hashed from the link) but has no link to share."""
    if url in meta.own or has_credentials(url):
        return ""
    return url


def _link(entry: Any, base: str) -> str:
    link = canonical_url(entry.get("link", ""), base)
    if link:
        return link
    ident = entry.get("id", "")
    return canonical_url(ident) if entry.get("guidislink") or ident.startswith("http") else ""


def _text(value: str, detail: Mapping[str, Any] | None) -> str:
    """Plain text of a title or summary: HTML is rendered, and so is plain text
    that carries active markup (see :func:`looks_like_markup`)."""
    kind = (detail or {}).get("type") or "text/html"
    if kind in _PLAIN and not looks_like_markup(value):
        return collapse(value)
    return html_to_text(value)


def _summary(entry: Any) -> str:
    summary = _text(entry.get("summary", ""), entry.get("summary_detail"))
    if summary:
        return summary
    for content in entry.get("content", []):
        text = _text(content.get("value", ""), content)
        if text:
            return text
    return ""


def entry_time(entry: Any) -> datetime | None:
    """Published (else updated) time as an aware UTC datetime; None if unknown."""
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                year, month, day, hour, minute, second = parsed[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _language(entry: Any, meta: FeedMeta) -> str:
    """The feed config's language wins (many blogs never change their software's
    default "en-US"); else the entry's own, else the feed's."""
    if meta.config.language:
        return meta.config.language
    for key in ("title_detail", "summary_detail"):
        code = language_code((entry.get(key) or {}).get("language"))
        if code:
            return code
    return meta.language
