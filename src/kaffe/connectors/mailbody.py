"""What you wrote in a draft, as plain text: shared by the Gmail and IMAP draft readers.

A draft is judged on the words you typed, so the text is the ``text/plain`` part, else
the ``text/html`` part with its markup removed (``html_only``), and then without what
is quoted from the mail you reply to: ``>`` lines, and everything from an attribution
line ("On Tue, Ana wrote:", "Den 3. mar. 2026 skrev Ana:") or a ``<blockquote>`` /
Gmail's ``gmail_quote`` on. At most ``cap`` characters are kept (``truncated`` says so).
Nothing here is logged or stored: the text lives as long as the review that reads it.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser

DEFAULT_CAP = 20_000  # characters of one draft judged; a longer one is judged by its start

_ATTRIBUTION = re.compile(
    r"^\s*(?:on\b.{0,200}\bwrote:|den\b.{0,200}\bskrev[^:\n]{0,80}:|"
    r"-{2,}\s*(?:original message|oprindelig meddelelse|forwarded message|"
    r"videresendt meddelelse)\s*-{2,})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "table", "ul", "ol", "pre", "hr"})
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title"})


@dataclass(frozen=True, slots=True)
class BodyText:
    """The readable text of a draft and how it was found."""

    text: str
    html_only: bool = False  # no text/plain part: the text is the HTML part's words
    truncated: bool = False  # longer than the cap (or read in part): only its start


def readable(plain: str | None, html: str | None, *, cap: int = DEFAULT_CAP,
             truncated: bool = False) -> BodyText:
    """The text of a message with ``plain`` and/or ``html`` parts, quotes removed."""
    if plain is not None and plain.strip():
        text, html_only = plain, False
    elif html is not None:
        text, html_only = html_to_text(html), True
    else:
        text, html_only = plain or "", False
    text = unquoted(text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > cap:
        text, truncated = text[:cap], True
    return BodyText(text.strip(), html_only, truncated)


def raw_body_text(raw: bytes, *, cap: int = DEFAULT_CAP, truncated: bool = False) -> BodyText:
    """:func:`readable` for an RFC 5322 message (or its first bytes: ``truncated``)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    plain = html = None
    if isinstance(message, EmailMessage):
        for kind in ("plain", "html"):
            part = message.get_body(preferencelist=(kind,))
            if part is not None and not part.is_attachment():
                content = _content(part)
                if kind == "plain":
                    plain = content
                else:
                    html = content
    return readable(plain, html, cap=cap, truncated=truncated)


def _content(part: email.message.Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError):  # an unknown charset, a cut part
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def unquoted(text: str) -> str:
    """``text`` without ``>`` lines and without everything from an attribution line on."""
    found = _ATTRIBUTION.search(text)
    if found:
        text = text[: found.start()]
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


def html_to_text(markup: str) -> str:
    """The words of an HTML body, a line per block, without quoted mail."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    lines = ("".join(parser.out)).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0  # inside script/style/head
        self.quote = 0  # inside a blockquote or Gmail's quoted-mail div
        self.stack: list[bool] = []  # per open div: whether it opened a quote

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if tag in _SKIPPED_TAGS:
            self.skip += 1
        elif tag == "blockquote" or (tag == "div" and "gmail_quote" in classes):
            self.quote += 1
            if tag == "div":
                self.stack.append(True)
        elif tag == "div":
            self.stack.append(False)
        if tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "div" and self.stack and self.stack.pop():
            self.quote = max(0, self.quote - 1)
        if tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.quote:
            self.out.append(data)
