"""Reading a calendar of any size in the sync window only, from a stream.

A long-lived calendar (Google's secret iCal address of a calendar used for
years) holds 100,000 events and more, nearly all long past. Parsed whole with
icalendar it cost 84 s and 660 MB. Here the document is read a block at a time
and split into top-level components by their BEGIN and END lines (regular
expressions, not a Python loop over every line); each VEVENT's times are read
from its text, and only events whose occurrences can touch the window (or that
cannot be judged that cheaply) are kept, as lines. Those are then parsed with
icalendar, a batch at a time with the VTIMEZONEs they name, and one by one where
a batch fails, so one broken event costs only itself. Nothing but the kept
events and the time zones is held in memory.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from icalendar import Calendar, Component

from kaffe.connectors.ical.read import Problems, label_lines, parse_block, uid_of_lines
from kaffe.connectors.ical.span import MARGIN, may_touch

BLOCK = 1 << 20  # characters decoded and scanned at a time
MAX_COMPONENT_CHARS = 5_000_000  # one component; an unterminated one would grow for ever
BATCH = 200  # kept events parsed together (a VTIMEZONE is parsed once per batch)
MAX_HEADER_LINES = 100  # METHOD and X-WR-TIMEZONE lines kept of one calendar
# A line that opens or closes a component (a folded one is not: it starts with a space).
_EDGE = re.compile(r"^(BEGIN|END)[ \t]*:[ \t]*([^\n]*?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
_HEADER = re.compile(r"^(METHOD|X-WR-TIMEZONE)[ \t]*(?:;[^:\n]*)?:[^\n]*$",
                     re.MULTILINE | re.IGNORECASE)  # fmt: skip
_FOLD = re.compile(r"\n[ \t]")
_ESCAPED = re.compile(r"[\udc80-\udcff]")  # bytes that were not UTF-8
_TZID = re.compile(r';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)


@dataclass
class _Part:
    """One VCALENDAR: the properties kaffe reads, its time zones, the events kept."""

    header: list[str] = field(default_factory=list)
    zones: dict[str, list[str]] = field(default_factory=dict)  # TZID -> VTIMEZONE lines
    events: list[list[str]] = field(default_factory=list)


@dataclass
class WindowStats:
    """How many VEVENTs were read, and how many of them were kept for parsing."""

    read: int = 0
    kept: int = 0


def read_window(
    stream: IO[bytes], window: tuple[datetime, datetime], problems: Problems,
    stats: WindowStats | None = None,
) -> list[Component]:
    """The calendars in ``stream`` holding only the VEVENTs that can touch ``window``,
    parsed, with times as written (``prepare_event`` makes them aware)."""
    splitter = _Splitter((window[0] - MARGIN, window[1] + MARGIN), problems,
                         stats or WindowStats())  # fmt: skip
    for text in _blocks(stream):
        splitter.feed(text)
    parts = splitter.finish()
    if not splitter.seen_text:
        problems.add("empty document")
    kept = [part for part in parts if part.events] or parts[:1]
    return [_calendar(part, problems) for part in kept]


def _blocks(stream: IO[bytes]) -> Iterator[str]:
    """Decoded text, a block at a time, every line ending as ``\\n``. Bytes that are not
    UTF-8 are kept escaped and read as Windows-1252 per component (:func:`_text`)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    first, carry = True, ""
    while raw := stream.read(BLOCK):
        text = carry + decoder.decode(raw)
        if first:
            text, first = text.lstrip("\ufeff"), False
        # A CR at the end may be half of a CRLF: it waits for the next block.
        text, carry = (text[:-1], "\r") if text.endswith("\r") else (text, "")
        yield text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    tail = carry + decoder.decode(b"", final=True)
    if tail:
        yield tail.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _text(text: str) -> str:
    """A component's text with non-UTF-8 bytes read as Windows-1252."""
    if _ESCAPED.search(text) is None:
        return text
    return text.encode("utf-8", "surrogateescape").decode("cp1252", errors="replace")


# --- components ----------------------------------------------------------------


class _Splitter:
    """Finds top-level components in the text, judging each VEVENT as it ends."""

    def __init__(self, reach: tuple[datetime, datetime], problems: Problems,
                 stats: WindowStats) -> None:
        self.reach, self.problems, self.stats = reach, problems, stats
        self.parts: list[_Part] = []
        self.stack: list[str] = []
        self.buffer, self.begin = "", 0  # the text not yet done; where the component began
        self.pos = 0  # where the scan of the buffer goes on
        self.dropped = False  # the open component grew too big and is being skipped
        self.seen_text = False

    def feed(self, text: str, final: bool = False) -> None:
        self.seen_text = self.seen_text or bool(text.strip())
        self.buffer += text
        limit = len(self.buffer) if final else self.buffer.rfind("\n") + 1
        if limit == 0 and len(self.buffer) > MAX_COMPONENT_CHARS:
            limit = len(self.buffer)  # one endless line: cut, as it would never end
        done = self.pos  # where the top-level text not yet searched for header lines begins
        for match in _EDGE.finditer(self.buffer, self.pos, limit):
            done = self._edge(match, done)
        self._trim(done, limit)

    def _edge(self, match: re.Match[str], done: int) -> int:
        key, value = match.group(1).upper(), match.group(2).upper()
        if value == "VCALENDAR":
            if not self.stack:
                self._header(self.buffer[done:match.start()])
                if key == "BEGIN":
                    self._new_part()
                return match.end()
            if key == "END":  # a component left open ends with its calendar
                self._done(match.start())
                self.stack.clear()
                return match.end()
            return done
        if key == "BEGIN":
            if not self.stack:
                self._header(self.buffer[done:match.start()])
                self.begin, self.dropped = match.start(), False
            self.stack.append(value)
        elif len(self.stack) > 1:
            self.stack.pop()
        elif self.stack:
            self._done(match.end())
            self.stack.clear()
            return match.end()
        return done

    def _trim(self, done: int, limit: int) -> None:
        """Forget the text done with; an open component's text is kept unless too big."""
        if not self.stack:
            self._header(self.buffer[done:limit])
            self.buffer, self.pos = self.buffer[limit:], 0
            return
        if limit - self.begin > MAX_COMPONENT_CHARS and not self.dropped:
            head = self.buffer[self.begin:self.begin + 10_000].split("\n")
            what = (f"{self.stack[0]} {label_lines(head)} is larger than "
                    f"{MAX_COMPONENT_CHARS} characters; skipped")
            if self.stack[0] == "VEVENT":
                self.problems.skip(uid_of_lines(head), what)
            else:
                self.problems.add(what)
            self.dropped = True
        keep = limit if self.dropped else self.begin
        self.buffer, self.begin, self.pos = self.buffer[keep:], self.begin - keep, limit - keep

    def _header(self, text: str) -> None:
        """Calendar-level lines: only METHOD and X-WR-TIMEZONE are of use."""
        if text and _HEADER.search(text) and len(self._part().header) < MAX_HEADER_LINES:
            lines = _FOLD.sub("", _text(text)).split("\n")
            self._part().header += [line for line in lines if _HEADER.match(line)]

    def _done(self, end: int) -> None:
        name = self.stack[0] if self.stack else ""
        if self.dropped or name not in ("VEVENT", "VTIMEZONE"):
            return
        text = _FOLD.sub("", _text(self.buffer[self.begin:end]))
        if name == "VTIMEZONE":
            lines = _lines(text, self.problems)
            tzid = next((v for k, v in _props(lines) if k == "TZID"), "")
            self._part().zones.setdefault(tzid.strip(), lines)
            return
        self.stats.read += 1
        if may_touch(text, self.reach):
            self.stats.kept += 1
            self._part().events.append(_lines(text, self.problems))

    def _new_part(self) -> None:
        """A VCALENDAR begins. One that kept no event is forgotten (the first one stays,
        for its METHOD), so a million tiny calendars cost no memory."""
        if len(self.parts) > 1 and not self.parts[-1].events:
            self.parts.pop()
        self.parts.append(_Part())

    def _part(self) -> _Part:
        if not self.parts:  # components outside any VCALENDAR: a calendar of their own
            self.parts.append(_Part())
        return self.parts[-1]

    def finish(self) -> list[_Part]:
        self.feed("", final=True)
        if self.stack:  # a component still open at the end is read as it is
            self._done(len(self.buffer))
        return self.parts


def _lines(text: str, problems: Problems) -> list[str]:
    """A kept component's content lines: alarms left out (kaffe has no use for them),
    lines without a colon dropped and reported."""
    kept: list[str] = []
    depth = 0  # inside a VALARM
    for line in text.split("\n"):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            problems.add(f"{line[:40]!r}: not a content line (no colon); ignored")
            continue
        edge, value = key.strip().upper(), value.strip().upper()
        if value == "VCALENDAR" and edge in ("BEGIN", "END"):
            continue  # stray, inside a component: the old reader skipped it too
        depth += edge == "BEGIN" and (depth > 0 or value == "VALARM")
        if depth == 0:
            kept.append(line)
        depth -= edge == "END" and depth > 0
    return kept


def _props(lines: list[str]) -> Iterator[tuple[str, str]]:
    """(NAME, value) of each line; parameters are left out of the name."""
    for line in lines:
        key, _, value = line.partition(":")
        yield key.split(";")[0].strip().upper(), value.strip()


# --- parsing the kept events ----------------------------------------------------


def _calendar(part: _Part, problems: Problems) -> Calendar:
    """A calendar of the kept events, parsed a batch at a time with the zones they name;
    a batch icalendar refuses is parsed again one event at a time."""
    cal = Calendar()
    for name, value in _props(part.header):
        cal[name] = value
    usable: dict[str, list[str]] = {}
    for first in range(0, len(part.events), BATCH):
        batch = part.events[first:first + BATCH]
        for event in _parse_batch(batch, part, usable, problems):
            cal.add_component(event)
    return cal


def _parse_batch(batch: list[list[str]], part: _Part, usable: dict[str, list[str]],
                 problems: Problems) -> list[Component]:
    def zones(events: list[list[str]]) -> list[str]:
        tzids = sorted({tzid for lines in events for tzid in _tzids(lines)})
        return [line for tzid in tzids for line in _zone(tzid, part, usable, problems)]

    quiet = Problems(problems.source)
    lines = [line for event in batch for line in event]
    found = parse_block(lines, zones(batch), quiet) if len(batch) > 1 else []
    events = [event for event in found if event.name == "VEVENT"]
    if len(events) == len(batch) and not quiet.all():
        return events
    return [event for lines in batch for event in parse_block(lines, zones([lines]), problems)
            if event.name == "VEVENT"]  # fmt: skip


def _tzids(lines: list[str]) -> set[str]:
    """The TZIDs an event names; a quoted one that swallowed its value
    (``TZID="Zone:20200609T090000"``, mended later) names the part before the colon."""
    named = {match.strip().strip('"') for line in lines for match in _TZID.findall(line)}
    return named | {tzid.rsplit(":", 1)[0] for tzid in named if ":" in tzid}


def _zone(tzid: str, part: _Part, usable: dict[str, list[str]], problems: Problems) -> list[str]:
    """The VTIMEZONE of ``tzid`` when the file has one that parses; checked once."""
    if tzid not in usable:
        lines = part.zones.get(tzid) or part.zones.get(f'"{tzid}"') or []
        good = bool(lines) and bool(parse_block(lines, [], problems, kind="time zone"))
        usable[tzid] = lines if good else []
    return usable[tzid]
