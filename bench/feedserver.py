"""Local feed servers for bench/cost.py: N RSS/Atom feeds (and one ICS calendar), each
on its own 127.0.0.1 port, answering like a well-behaved web server: an ETag and a
Last-Modified on every 200, and 304 with no body to a matching ``If-None-Match`` or
a recent-enough ``If-Modified-Since``.

Run as a process of its own (so the bench measures kaffe's CPU alone)::

    python bench/feedserver.py --feeds 20 --ics-events 40

It prints one JSON line ``{"feeds": [url, ...], "ics": url, "control": url}``, then
serves until SIGTERM. ``GET control/stats`` answers per kind ("feed", "ics") the
requests, 304s, bodies and bytes sent (status line, headers and body, counted as
written by the server); ``POST control/reset`` zeroes them. Stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PUBLISHED = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
TOPICS = ["data platform migration", "kafka streams", "event sourcing", "dbt models",
          "postgres replication", "rust async", "python packaging", "heat pumps",
          "energy storage", "open source funding", "observability", "hiring engineers"]
PARAGRAPH = ("<p>{topic} keeps coming up in conversations with teams we work with. "
             "This week we look at what changed, what it costs to run, and which "
             "trade-offs people report after a year in production &mdash; with links "
             "to the talks, the <a href=\"https://example.org/{n}\">benchmarks</a> and "
             "the migration notes.</p>")


class Stats:
    """Requests, 304s, bodies and bytes sent, per kind of document; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {}

    def add(self, kind: str, status: int, size: int) -> None:
        """Count one answer of ``size`` bytes."""
        with self._lock:
            counts = self._counts.setdefault(kind, Counter())
            counts["requests"] += 1
            counts["not_modified" if status == 304 else "bodies"] += 1
            counts["bytes"] += size

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Every kind's counts so far."""
        with self._lock:
            return {kind: dict(counts) for kind, counts in self._counts.items()}

    def reset(self) -> None:
        """Start counting afresh."""
        with self._lock:
            self._counts.clear()


def _item(feed: int, n: int, atom: bool) -> str:
    topic = TOPICS[(feed * 7 + n) % len(TOPICS)]
    when = PUBLISHED - timedelta(hours=6 * n + feed)
    html = "".join(PARAGRAPH.format(topic=topic.capitalize(), n=n + i) for i in range(3))
    escaped = html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    link = f"https://blog{feed}.example.org/{when:%Y/%m}/{topic.replace(' ', '-')}-{n}"
    title = f"Notes on {topic} ({feed}.{n})"
    if atom:
        return (f"<entry><title>{title}</title><link href=\"{link}\"/><id>{link}</id>"
                f"<updated>{when.isoformat()}</updated><author><name>Author {feed}</name>"
                f"</author><content type=\"html\">{escaped}</content></entry>")
    return (f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate><dc:creator>Author {feed}"
            f"</dc:creator><description>{escaped}</description></item>")


def feed_document(feed: int, items: int) -> bytes:
    """A blog-like feed: RSS 2.0 for even ``feed`` numbers, Atom for odd ones."""
    atom = feed % 2 == 1
    entries = "".join(_item(feed, n, atom) for n in range(items))
    if atom:
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f'<title>Blog {feed}</title><id>https://blog{feed}.example.org/</id>'
                f'<updated>{PUBLISHED.isoformat()}</updated>{entries}</feed>').encode()
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f'<title>Blog {feed}</title><link>https://blog{feed}.example.org/</link>'
            f'<description>Posts</description>{entries}</channel></rss>').encode()


def ics_document(events: int) -> bytes:
    """A published calendar of ``events`` one-hour events around :data:`PUBLISHED`."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kaffe bench//EN"]
    for n in range(events):
        start = PUBLISHED + timedelta(days=n - events // 2, hours=n % 8)
        lines += ["BEGIN:VEVENT", f"UID:bench-ics-{n}@example.org",
                  f"DTSTAMP:{PUBLISHED:%Y%m%dT%H%M%SZ}", f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
                  f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
                  f"SUMMARY:Team meeting {n}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class Document:
    """One served document with its validators."""

    def __init__(self, kind: str, body: bytes, content_type: str) -> None:
        self.kind, self.body, self.content_type = kind, body, content_type
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'  # noqa: S324 - not security
        self.modified = PUBLISHED
        self.last_modified = format_datetime(PUBLISHED, usegmt=True)

    def fresh_for(self, headers: Any) -> bool:
        """True when the client's validators say it has this version (answer 304)."""
        match = headers.get("If-None-Match")
        if match is not None:
            return self.etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
        since = headers.get("If-Modified-Since")
        try:
            return since is not None and parsedate_to_datetime(since) >= self.modified
        except (TypeError, ValueError):
            return False


def _handler(doc: Document, stats: Stats) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
        disable_nagle_algorithm = True  # no delayed-ACK stall between headers and body

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            fresh = doc.fresh_for(self.headers)
            body = b"" if fresh else doc.body
            self.send_response(304 if fresh else 200)
            self.send_header("ETag", doc.etag)
            self.send_header("Last-Modified", doc.last_modified)
            if not fresh:
                self.send_header("Content-Type", doc.content_type)
                self.send_header("Content-Length", str(len(body)))
            # _headers_buffer: http.server's header lines not yet written; + the blank line
            head = sum(len(line) for line in self._headers_buffer) + 2
            stats.add(doc.kind, 304 if fresh else 200, head + len(body))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def _control(stats: Stats) -> type[BaseHTTPRequestHandler]:
    class Control(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self._reply(stats.snapshot())

        def do_POST(self) -> None:  # noqa: N802
            stats.reset()
            self._reply({})

        def _reply(self, doc: Any) -> None:
            body = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Control


def serve(docs: list[Document]) -> tuple[list[ThreadingHTTPServer], Stats]:
    """One server per document, then the control server (last); all started."""
    stats = Stats()
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _handler(doc, stats)) for doc in docs]
    servers.append(ThreadingHTTPServer(("127.0.0.1", 0), _control(stats)))
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers, stats


def _url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def main() -> int:
    """Serve until SIGTERM; print the URLs as one JSON line first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=20, help="entries per feed")
    parser.add_argument("--ics-events", type=int, default=40)
    args = parser.parse_args()
    docs = [Document("feed", feed_document(i, args.items), "application/xml")
            for i in range(args.feeds)]
    docs.append(Document("ics", ics_document(args.ics_events), "text/calendar"))
    servers, _stats = serve(docs)
    urls = {"feeds": [_url(s, f"/feed{i}.xml") for i, s in enumerate(servers[:args.feeds])],
            "ics": _url(servers[args.feeds], "/calendar.ics"), "control": _url(servers[-1], "")}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(json.dumps(urls), flush=True)
    stop.wait()
    for server in servers:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
