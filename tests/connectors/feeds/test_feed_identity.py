"""Entry identity: comments that differ only by ``#fragment`` stay apart, while
the fragment-free dedupe (tracking tags, one article in two feeds) and the ids
already stored stay as they were."""

from __future__ import annotations

from kaffe.config.schema import FeedConfig
from kaffe.connectors.feeds.parse import FeedMeta, parse_document
from kaffe.connectors.feeds.text import short_hash
from kaffe.model import Article

POST = "https://blog.example/2026/03/kaffe-and-data/"


def parse(items: str, url: str = "https://blog.example/comments/feed/") -> tuple[Article, ...]:
    doc = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Comments</title><link>https://blog.example/</link>{items}</channel></rss>"
    )
    meta = FeedMeta("c", url, FeedConfig(url=url), base=url)
    return parse_document(doc.encode(), meta, max_bytes=10**6, headers={"content-location": url})


def item(title: str, link: str, guid: str = "", permalink: bool = False) -> str:
    flag = "true" if permalink else "false"
    tag = f'<guid isPermaLink="{flag}">{guid}</guid>' if guid else ""
    return f"<item><title>{title}</title><link>{link}</link>{tag}</item>"


def test_disqus_comments_with_their_own_guids_stay_apart() -> None:
    # Disqus: the link is the post plus #comment-N, the guid a permalink of its own
    items = "".join(
        item(f"Re: Kaffe {n}", f"{POST}#comment-{n}", f"{POST}#comment-{n}", permalink=True)
        for n in (101, 102, 103)
    )
    articles = parse(items)
    assert [a.title for a in articles] == ["Re: Kaffe 101", "Re: Kaffe 102", "Re: Kaffe 103"]
    assert len({a.id for a in articles}) == 3
    assert {a.url for a in articles} == {POST}  # the link shared is the post


def test_wordpress_comments_keyed_by_their_guid() -> None:
    # WordPress: guid https://blog.example/?p=12#comment-5, not a permalink
    items = "".join(
        item(f"By {who}", f"{POST}#comment-{n}", f"https://blog.example/?p=12#comment-{n}")
        for n, who in ((5, "Ana"), (6, "Bo"))
    )
    first, second = parse(items)
    assert first.id == short_hash("https://blog.example/?p=12#comment-5")
    assert second.id == short_hash("https://blog.example/?p=12#comment-6")


def test_comments_without_a_guid_or_with_the_posts_own_keep_their_fragment() -> None:
    bare = parse(item("a", f"{POST}#c1") + item("b", f"{POST}#c2"))
    same_guid = parse(item("a", f"{POST}#c1", POST) + item("b", f"{POST}#c2", POST))
    for articles in (bare, same_guid):
        assert [a.id for a in articles] == [short_hash(f"{POST}#c1"), short_hash(f"{POST}#c2")]


def test_relative_fragment_links_stay_apart_too() -> None:
    items = item("a", "/2026/03/kaffe-and-data/#comment-1") + item(
        "b", "/2026/03/kaffe-and-data/#comment-2")
    assert len(parse(items)) == 2


def test_one_comment_twice_is_still_one() -> None:
    twice = item("a", f"{POST}#comment-7", "tag:disqus,7") * 2
    assert len(parse(twice)) == 1


def test_fragment_free_dedupe_and_stored_ids_are_unchanged() -> None:
    # the same post with tracking tags, and its guid differing: one article, and
    # the id kaffe stored before this change (pinned: hash of the canonical link)
    items = (item("a", f"{POST}?utm_source=rss&amp;utm_medium=feed", "urn:1")
             + item("a again", POST, "urn:2"))
    (article,) = parse(items)
    assert article.id == short_hash(POST) == "94e34458cce4776c"
    assert article.url == POST


def test_a_guid_only_entry_keeps_its_old_id() -> None:
    (article,) = parse("<item><title>t</title><guid isPermaLink=\"false\">tag:x,1</guid></item>")
    assert article.id == short_hash("tag:x,1")
