"""A long-lived calendar through the ICS source: read in the sync window only,
streaming, against parsing the whole document at once (main's path before issue 12).

A generated Google-style export of ``--events`` events (default 100,000): nearly
all of them single events of the past 15 years, some in the sync window, some
weekly series (half ended long ago, half still running, some with a moved
occurrence). Each path runs in a forked child, so that its peak RSS is its own:

- kaffe: ``IcsCalendarSource.sync`` on the file (spooled, split, only what can
  touch the window parsed and expanded);
- baseline: the file read whole and ``parse_calendar`` on it (icalendar parses
  every event; every UID is expanded), as the ICS source did with its cap raised.

Run by hand: ``PYTHONPATH=src python -m bench.bigics [--events N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.table import Row, print_table
from kaffe.config.schema import Config, FeedOptionsConfig
from kaffe.connectors.ical.parse import parse_calendar
from kaffe.connectors.ics_source import IcsCalendarSource
from kaffe.windows import sync_window

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SERIES = 200  # weekly series; every other one ended in 2015
IN_WINDOW = 2_000  # single events inside the window
ZONE = """BEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r
END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"""


def window() -> tuple[datetime, datetime]:
    """The window of a first sync with the default config (sync_calendar widens its end)."""
    start, end = sync_window(NOW, Config())
    return start, end + timedelta(days=Config().detect.lookahead_days)


def event(uid: str, start: datetime, extra: str = "", summary: str = "Planning") -> str:
    """One Google-style VEVENT of about 600 bytes, times in Europe/Copenhagen."""
    stamp = f"{start:%Y%m%dT%H%M%S}"
    end = f"{start + timedelta(hours=1):%Y%m%dT%H%M%S}"
    return (
        f"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Copenhagen:{stamp}\r\n"
        f"DTEND;TZID=Europe/Copenhagen:{end}\r\n{extra}DTSTAMP:20260301T000000Z\r\n"
        f"ORGANIZER;CN=Ana Berg:mailto:ana@example.org\r\nUID:{uid}@google.com\r\n"
        "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Ana Ber\r\n"
        " g;X-NUM-GUESTS=0:mailto:ana@example.org\r\n"
        "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=bo@exa\r\n"
        " mple.com;X-NUM-GUESTS=0:mailto:bo@example.com\r\n"
        "CREATED:20100101T000000Z\r\nDESCRIPTION:Agenda: numbers\\, plans and the next st\r\n"
        " eps. Join at https://meet.example.com/abc-defg-hij\r\n"
        "LAST-MODIFIED:20100101T000000Z\r\nLOCATION:Café Norden\\, Østergade 61\r\n"
        f"SEQUENCE:0\r\nSTATUS:CONFIRMED\r\nSUMMARY:{summary}\r\nTRANSP:OPAQUE\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P0DT0H10M0S\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    )


def generate(path: Path, total: int) -> int:
    """Write the calendar; returns its size in bytes."""
    low, high = window()
    past = total - IN_WINDOW - SERIES - SERIES // 4
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
                  "VERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
                  "X-WR-CALNAME:Work\r\nX-WR-TIMEZONE:Europe/Copenhagen\r\n" + ZONE)
        span = (low - datetime(2010, 1, 1, tzinfo=UTC)).total_seconds()
        for i in range(past):  # in file order, as Google writes them: not by date
            start = datetime(2010, 1, 1, 9) + timedelta(seconds=(i * 7919 * 3607) % span)
            out.write(event(f"past{i}", start.replace(minute=0, second=0)))
        for i in range(IN_WINDOW):
            start = (low + (high - low) * (i + 0.5) / IN_WINDOW).replace(tzinfo=None)
            out.write(event(f"now{i}", start.replace(minute=0, second=0), summary="Coffee"))
        for i in range(SERIES):
            start = datetime(2011 + i % 10, 1, 3 + i % 5, 8 + i % 9)
            until = "" if i % 2 else ";UNTIL=20151231T000000Z"
            out.write(event(f"series{i}", start, f"RRULE:FREQ=WEEKLY{until}\r\n"))
            if i % 4 == 1:  # a running series with one occurrence moved an hour later
                moved = start + timedelta(weeks=((low.replace(tzinfo=None) - start).days // 7 + 3))
                out.write(event(f"series{i}", moved + timedelta(hours=1),
                                f"RECURRENCE-ID;TZID=Europe/Copenhagen:{moved:%Y%m%dT%H%M%S}\r\n"))
        out.write("END:VCALENDAR\r\n")
    return path.stat().st_size


def kaffe_path(path: Path) -> list[tuple[str, str]]:
    source = IcsCalendarSource("big", str(path), options=FeedOptionsConfig())
    start, end = window()
    batch = source.sync(None, window_start=start, window_end=end)
    return [(e.id, e.start.isoformat()) for e in batch.events]


def whole_path(path: Path) -> list[tuple[str, str]]:
    result = parse_calendar(path.read_bytes(), calendar="ics:big", source=str(path),
                            window=window())  # fmt: skip
    return [(e.id, e.start.isoformat()) for e in result.events]


def in_child(run: Callable[[Path], list[tuple[str, str]]], path: Path) -> dict[str, Any]:
    """Run ``run(path)`` in a forked child: wall time, peak RSS, the events it kept."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report on the pipe, leave without cleanup
        os.close(read)
        start_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began, cpu = time.perf_counter(), time.process_time()
        events = run(path)
        report = {"wall": time.perf_counter() - began, "cpu": time.process_time() - cpu,
                  "start_kb": start_kb, "events": events}
        with os.fdopen(write, "w") as out:
            json.dump(report, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        report: dict[str, Any] = json.load(pipe)
    _pid, _status, usage = os.wait4(pid, 0)
    report["peak_kb"] = usage.ru_maxrss
    return report


def rows(total: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "basic.ics"
        size = generate(path, total)
        new = in_child(kaffe_path, path)
        old = in_child(whole_path, path)
    same = set(map(tuple, new["events"])) == set(map(tuple, old["events"]))
    section = f"big ICS ({total:,} events, {size / 1e6:.0f} MB)"
    wall_ratio, cpu_ratio = (f"{old[k] / new[k]:.1f}x" for k in ("wall", "cpu"))
    new_mb, old_mb = (r["peak_kb"] / 1024 for r in (new, old))
    grown_new, grown_old = ((r["peak_kb"] - r["start_kb"]) / 1024 for r in (new, old))
    return [
        (section, "wall time", f"{new['wall']:.1f} s", f"{old['wall']:.1f} s", wall_ratio,
         ">= 4x faster (old: 84 s)", _yes(old["wall"] >= 4 * new["wall"])),
        (section, "CPU time", f"{new['cpu']:.1f} s", f"{old['cpu']:.1f} s", cpu_ratio,
         "—", "—"),
        (section, "peak RSS", f"{new_mb:.0f} MB", f"{old_mb:.0f} MB",
         f"{old_mb / new_mb:.1f}x", "< 200 MB (old: 660 MB)", _yes(new_mb < 200)),
        (section, "peak RSS growth (over imports)", f"{grown_new:.0f} MB", f"{grown_old:.0f} MB",
         f"{grown_old / max(grown_new, 1):.1f}x", "—", "—"),
        (section, "events kept in the window", f"{len(new['events']):,}",
         f"{len(old['events']):,}", "—", "every one (same ids as the whole parse)", _yes(same)),
    ]  # fmt: skip


def _yes(met: bool) -> str:
    return "yes" if met else "NO"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args(argv)
    table = rows(args.events)
    print_table(table, sys.stdout)
    return 0 if all(row[6] != "NO" for row in table) else 1


if __name__ == "__main__":
    sys.exit(main())
