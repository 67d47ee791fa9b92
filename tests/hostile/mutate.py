"""Hypothesis strategies for hostile input: mutations of real files, hostile text,
and a guard that turns a hang into a failure instead of a stuck test run."""

from __future__ import annotations

import threading
import tracemalloc
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.conftest import corpus_dir

T = TypeVar("T")
CORPUS = corpus_dir()
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="corpus not found: set KAFFE_CORPUS")

# Pieces that break parsers, headers and displays; arbitrary text rarely hits them.
HOSTILE_TEXT = [
    "\r\n", "\n", "\r", "\r\nBcc: x@evil.example", "\nBcc: x@evil.example\n", "\u2028",
    "\u2029", "\x00", "\x1b[31m", "\x0b", "\x85", "\u202e", "\u2066", "\ufeff", "=?utf-8?q?",
    "=?utf-8?q?a=0D=0ABcc:_x@evil.example?=", "?=", '"', "\\", ",", ";", ":", "<", ">", "@",
    "<script>alert(1)</script>", "&amp;", "&#13;&#10;", "x" * 1200, "☕", "ø", "\ud800",
]  # fmt: skip
HOSTILE_BYTES = [
    b"\r\n", b"\n", b"\r", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x80\x81", b":", b";",
    b"=", b'"', b"\\", b"<", b"&", b"]]>", b"<![CDATA[", b"--", b"=?utf-8?q?=0D=0A?=",
    b"\r\nBcc: x@evil.example\r\n", b"BEGIN:VEVENT\r\n", b"END:VCALENDAR\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n", b"<!DOCTYPE x [<!ENTITY e 'e'>]>",
    b"x" * 5000,
]  # fmt: skip

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=6)), max_size=10
).map("".join)
_pieces = st.one_of(st.sampled_from(HOSTILE_BYTES), st.binary(max_size=12))
_edit = st.tuples(
    st.sampled_from(["delete", "duplicate", "insert", "replace", "swap", "truncate"]),
    st.floats(0, 1),
    st.floats(0, 1),
    _pieces,
)


def fuzz(examples: int) -> settings:
    """Settings for a fuzz test: no per-example deadline (the machine is shared;
    bounds are asserted where they matter), slow data generation allowed."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def corpus_names(kind: str, pattern: str = "*") -> list[str]:
    """File names in one corpus folder (empty without the corpus)."""
    return sorted(p.name for p in (CORPUS / kind).glob(pattern)) if CORPUS else []


def corpus_bytes(kind: str, name: str) -> bytes:
    assert CORPUS is not None
    return (CORPUS / kind / name).read_bytes()


def mutations(max_edits: int = 5) -> st.SearchStrategy[list[tuple[str, float, float, bytes]]]:
    """Line-level edits for :func:`apply`."""
    return st.lists(_edit, min_size=1, max_size=max_edits)


def apply(data: bytes, edits: list[tuple[str, float, float, bytes]]) -> bytes:
    """``data`` with each edit applied to its lines (keeping their line ends)."""
    lines = data.splitlines(keepends=True) or [b""]
    for kind, where, other, piece in edits:
        lines = _edit_lines(lines, kind, int(where * len(lines)), other, piece) or [b""]
    return b"".join(lines)


def _edit_lines(lines: list[bytes], kind: str, at: int, other: float, piece: bytes) -> list[bytes]:
    at = min(at, len(lines) - 1)
    if kind == "delete":
        return lines[:at] + lines[at + 1 :]
    if kind == "duplicate":
        return lines[: at + 1] + lines[at:]
    if kind == "insert":
        return lines[:at] + [piece] + lines[at:]
    if kind == "swap":
        to = int(other * (len(lines) - 1))
        lines = list(lines)
        lines[at], lines[to] = lines[to], lines[at]
        return lines
    line = lines[at]
    cut = int(other * len(line))
    if kind == "replace":
        return lines[:at] + [line[:cut] + piece + line[cut + len(piece) :]] + lines[at + 1 :]
    return lines[:at] + [line[:cut]]  # truncate: the document ends mid-line


def bounded(call: Callable[[], T], seconds: float = 120) -> tuple[T, int]:
    """Run ``call`` in a thread; fail (not hang) if it takes more than ``seconds``.

    Returns its result and the peak of memory traced while it ran, in bytes.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # handed to the test thread below
            box["error"] = exc

    tracemalloc.start()
    try:
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(seconds)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if worker.is_alive():
        pytest.fail(f"still running after {seconds:g} seconds")
    if "error" in box:
        raise box["error"]
    return box["result"], peak


def no_line_breaks(*values: str) -> bool:
    """True when none of ``values`` holds a line break or any other control character
    (nothing that starts a new header line, or talks to a terminal)."""
    return not any(_breaks(ch) for value in values for ch in value)


def _breaks(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")

