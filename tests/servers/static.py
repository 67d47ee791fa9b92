"""A plain HTTP server on 127.0.0.1 (stdlib, in a thread) that serves fixed
documents by path, whatever the query: private feeds and calendars for the tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    server: StaticServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        found = self.server.documents.get(urlsplit(self.path).path)
        body = found[1] if found else b"not found"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", found[0] if found else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StaticServer(ThreadingHTTPServer):
    """``documents`` maps a path to ``(content type, body)``; anything else is a 404.

    Use as a context manager; ``url`` is ``http://127.0.0.1:PORT``."""

    daemon_threads = True

    def __init__(self, documents: dict[str, tuple[str, bytes]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.documents = documents
        self.requests: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> StaticServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
