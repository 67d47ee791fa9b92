"""The request log: every API request kept in memory and optionally as JSON lines."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class RequestLog:
    """Records ``{"method", "path", "query", "status", "part", "api", "units", "bytes"}``
    per request: ``part`` is true for a call inside a batch, ``api`` the API method id
    (see :mod:`~kaffe.emulator.accounting`), ``units`` its Gmail quota units, ``bytes``
    the response as sent (status line, headers and body; a batch part: its body, which
    the batch's own entry already counts)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = Path(path) if path else None
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def record(
        self, method: str, path: str, query: dict[str, list[str]], status: int, *,
        part: bool = False, api: str = "", units: int = 0, size: int = 0,
    ) -> None:
        """Append one entry (and one JSON line to the file, when configured)."""
        entry = {"method": method, "path": path, "query": query, "status": status,
                 "part": part, "api": api, "units": units, "bytes": size}
        with self._lock:
            self._entries.append(entry)
            if self._path is not None:
                self._append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """A copy of every recorded entry, oldest first."""
        with self._lock:
            return [
                dict(e, query={k: list(v) for k, v in e["query"].items()}) for e in self._entries
            ]

    def clear(self) -> None:
        """Forget the in-memory entries (the file is an append-only record)."""
        with self._lock:
            self._entries.clear()

    def _append(self, entry: dict[str, Any]) -> None:
        assert self._path is not None
        try:
            with self._path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")
        except OSError as exc:
            logger.warning("cannot append to request log %s: %s", self._path, exc)
