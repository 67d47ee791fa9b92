"""No header injection and no active content, end to end: hostile calendar titles,
attendee names and feed fields go through the real parsers, the rules, the
composer and ``to_raw``; the email package then reads exactly the intended
headers, one line each, and a drip body holds plain text only."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from email.policy import default

from hypothesis import assume, example, given
from hypothesis import strategies as st

from kaffe.compose.mime import KEY_HEADER, clean_header, to_raw
from kaffe.compose.render import Composer
from kaffe.config.schema import DripConfig, FeedConfig
from kaffe.connectors.feeds.parse import FeedMeta, parse_document
from kaffe.connectors.ical.parse import parse_calendar
from kaffe.model import Action, Article, Event, Match, Recipient, Snapshot
from kaffe.rules.drip import drip_actions
from kaffe.rules.plan import evaluate
from tests.hostile.mutate import HOSTILE_TEXT, fuzz, hostile_text, no_line_breaks
from tests.rules.factories import START, guest, make_config, make_event, me_attendee
from tests.rules.test_drip import DAY, drafted

SENDER = Recipient("me@acme.example", "Mette Jensen")
ANA = "ana@partner.example"
EXPECTED = {"From", "To", "Subject", "Message-ID", KEY_HEADER, "MIME-Version", "Content-Type",
            "Content-Transfer-Encoding"}  # fmt: skip
NOW = START + 20 * DAY
LONG_WORD = "Kaffe" * 400
INJECTIONS = ["\r\nBcc: x@evil.example", "\nBcc: x@evil.example", "\rBcc: x@evil.example",
              "\u2028Bcc: x@evil.example", "\x00", "\u202eelpmaxe.live@x", LONG_WORD,
              "=?utf-8?q?=0D=0ABcc:_x@evil.example?="]  # fmt: skip
hostile = st.one_of(st.sampled_from(INJECTIONS), hostile_text)


def wire(action: Action) -> EmailMessage:
    """The action rendered, serialised and read back by the email package."""
    raw = to_raw(Composer().render(action, SENDER))
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def assert_exact_headers(msg: EmailMessage, to: set[str]) -> None:
    assert set(msg.keys()) == EXPECTED and len(msg.keys()) == len(EXPECTED)
    assert "Bcc" not in msg and len(msg.get_all("To")) == 1
    assert {a.addr_spec for a in msg["To"].addresses} == to
    assert [a.addr_spec for a in msg["From"].addresses] == [SENDER.email]
    assert no_line_breaks(str(msg["Subject"]))
    assert not msg.defects and all(not value.defects for value in msg.values())


# --- meetings: title and attendee names --------------------------------------------


@fuzz(120)
@given(title=hostile, name=hostile)
@example(title="\r\nBcc: x@evil.example", name="Ana\r\nBcc: y@evil.example")
@example(title=LONG_WORD, name="\u202eelpmaxe.live@x \u2028 Bcc: z@evil.example")
def test_follow_up_from_a_hostile_event(title: str, name: str) -> None:
    """A connector that passed raw values on: compose is the last line of defence."""
    event = make_event(summary=f"Coffee with Ana {title}",
                       attendees=(me_attendee(), guest(ANA, name)))  # fmt: skip
    actions = [a for a in evaluate(Snapshot(events=(event,)), NOW - 19 * DAY, make_config())
               .actions if a.kind == "followup"]  # fmt: skip
    assume(actions)
    assert_exact_headers(wire(actions[0]), {ANA})


def ics_event(title: str, name: str) -> Event:
    text = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:REQUEST", "BEGIN:VEVENT", "UID:u1@x",
        "DTSTART:20260309T140000Z", "DTEND:20260309T150000Z",
        "SUMMARY:Coffee with Ana " + title.replace("\r", "\\n").replace("\n", "\\n"),
        "ORGANIZER:mailto:me@acme.example",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@acme.example",
        f'ATTENDEE;PARTSTAT=ACCEPTED;CN="{name.replace(chr(34), "")}":mailto:{ANA}',
        "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip
    window = (START - 30 * DAY, START + 30 * DAY)
    events = parse_calendar(text, calendar="ics:work", source="t.ics", window=window).events
    assert len(events) == 1
    return events[0]


@fuzz(80)
@given(title=hostile, name=hostile.map(lambda s: s.replace("\r", "").replace("\n", "")))
@example(title="\r\nBcc: x@evil.example", name="Ana\u2028Bcc: y@evil.example")
def test_follow_up_and_prep_from_a_hostile_invitation(title: str, name: str) -> None:
    """The same through the ICS reader; the prep brief puts the title in its Subject."""
    event = ics_event(title, name)
    assert no_line_breaks(event.summary, *(a.name for a in event.attendees))
    plan = evaluate(Snapshot(events=(event,)), NOW - 19 * DAY, make_config())
    for action in plan.actions:
        assert_exact_headers(wire(action), {r.email for r in action.to})
    upcoming = replace(event, id="up", uid="up@x", start=NOW + DAY, end=NOW + DAY + DAY / 24)
    prep = evaluate(Snapshot(events=(event, upcoming)), NOW, make_config(me={"language": "en"}))
    for action in (a for a in prep.actions if a.kind == "prep"):
        msg = wire(action)
        assert_exact_headers(msg, {r.email for r in action.to})
        assert clean_header(event.summary)[:20] in " ".join(str(msg["Subject"]).split())


# --- feeds: title, link and HTML ------------------------------------------------------

PIXEL = "pixel.track.example"
HTML = (
    "<p>Real text.</p><script>steal(document.cookie)</script><style>p{display:none}</style>"
    f'<img src="https://{PIXEL}/open.gif?u=ana" width="1" height="1" alt="">'
    f'<iframe src="https://{PIXEL}/frame"></iframe><p onmouseover="evil()">More text.</p>'
    '<a href="javascript:alert(1)">a link</a>&lt;script&gt;double()&lt;/script&gt;'
)
ACTIVE = ("<script", "script>", "<style", "<img", "<iframe", "onmouseover", "javascript:",
          PIXEL, "steal(", "double(", "display:none")  # fmt: skip


def feed(title: str, link: str, html: str = HTML) -> bytes:
    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>F</title>"
        f"<item><title>{esc(title)}</title><link>{esc(link)}</link>"
        f"<description>{esc(html)}</description>"
        "<pubDate>Sat, 28 Mar 2026 10:00:00 +0000</pubDate></item></channel></rss>"
    ).encode("utf-8", "replace")


def drip_from(article: Article) -> Action:
    meeting = make_event(attendees=(me_attendee(), guest(ANA, "Ana Silva")))
    key = "followup:evt1@google.com"
    snapshot = Snapshot(
        events=(meeting,), ledger={key: drafted(key, START, "followup", ANA)},
        articles={article.id: article},
        matches={ANA: (Match(ANA, article.id, 5.0, ("data",), "data mesh"),)},
    )  # fmt: skip
    config = make_config(drip=replace(DripConfig(), min_gap_days=14))
    (action,) = drip_actions(snapshot, (meeting,), NOW, config)
    return action


def drip_article(title: str, link: str, html: str = HTML) -> Article:
    meta = FeedMeta("news", "news.xml", FeedConfig(url="news.xml"))
    (article,) = parse_document(feed(title, link, html), meta, max_bytes=1_000_000)
    return article


def test_feed_html_never_reaches_a_drip_draft() -> None:
    title = f'<script>x()</script>Data mesh news<img src="https://{PIXEL}/t.gif">'
    msg = wire(drip_from(drip_article(title, "https://news.example/a?utm_source=rss")))
    assert_exact_headers(msg, {ANA})
    body = msg.get_body().get_content()
    assert "Real text." in body and "More text." in body and "Data mesh news" in body
    assert "https://news.example/a" in body.splitlines()
    assert not [word for word in ACTIVE if word in body.lower()]


@fuzz(100)
@given(title=hostile, link=st.sampled_from([
    "https://news.example/a\r\nBcc: x@evil.example", "https://news.example/a b\u2028c",
    "javascript:alert(1)", f"https://{PIXEL}/a", "https://news.example/\x00",
]) | hostile_text.map(lambda s: "https://news.example/" + s))  # fmt: skip
@example(title="\r\nBcc: x@evil.example", link="https://news.example/a\r\nBcc: x@evil.example")
def test_hostile_feed_title_and_link(title: str, link: str) -> None:
    try:
        article = drip_article("Data " + title, link)
    except ValueError:  # not exactly one article: nothing to draft from
        return
    if not article.url:  # no link a contact could open (javascript:, broken): never dripped
        return
    msg = wire(drip_from(article))
    assert_exact_headers(msg, {ANA})
    body = msg.get_body().get_content()
    lines = body.splitlines()
    assert not any(line.startswith("Bcc:") for line in lines) and "\x00" not in body
    assert article.url in lines  # the link stands alone on its line
    assert all(ch not in body for ch in "\u2028\u2029\x0b\x0c")


def test_hostile_pieces_are_all_exercised() -> None:
    """The sampled pieces include every kind the issue names."""
    joined = "".join(HOSTILE_TEXT + INJECTIONS)
    for piece in ("\r", "\n", "Bcc:", "\u2028", "\x00", "\u202e", LONG_WORD):
        assert piece in joined


def test_drip_subject_keeps_a_hostile_topic_on_one_line(now: datetime) -> None:
    action = drip_from(drip_article("Data", "https://news.example/a"))
    action.context["topic"] = "mesh\r\nBcc: x@evil.example"
    msg = wire(action)
    assert_exact_headers(msg, {ANA})
