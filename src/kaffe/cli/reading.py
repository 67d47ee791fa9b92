"""How ``plan``, ``status`` and ``doctor`` show reading problems (:mod:`kaffe.daemon.problems`):
per source (which names its config entry), each problem (which names the item: an
event's summary and UID, a message's Message-ID, a feed entry) and what to do.
Everything the connectors wrote goes through :func:`~kaffe.cli.terminal.shown`."""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

from kaffe.cli.terminal import shown
from kaffe.daemon.problems import Kept, hint, summary
from kaffe.redact import redact_text
from kaffe.timeutil import stamp

SHOWN_PER_SOURCE = 5  # lines per source in plan and status; doctor shows all kept


def problem_lines(kept: list[Kept], zone: tzinfo = UTC,
                  limit: int = SHOWN_PER_SOURCE) -> list[str]:
    """``reading problems:`` and, per source, its problems and what to do."""
    if not kept:
        return []
    out = ["reading problems (kaffe read the rest of each source):"]
    for source in kept:
        newest = stamp(source.items[0][1], zone)
        out.append(f"  {shown(source.source)}: {summary(source)}, last seen {newest}")
        out += [f"    - {shown(text)}" for text, _seen in source.items[:limit]]
        if source.count > limit:
            out.append(f"    ... {source.count - limit} more (`kaffe doctor` lists them)")
        hints = dict.fromkeys(hint(source.source, text) for text, _seen in source.items)
        out += [f"    fix: {shown(h)}" for h in hints]
    return out


def problem_json(kept: list[Kept]) -> list[dict[str, Any]]:
    """The same as data, secrets redacted."""
    return [
        {"source": redact_text(k.source), "count": k.count,
         "problems": [{"text": redact_text(text), "seen": seen.isoformat(),
                       "fix": hint(k.source, text)} for text, seen in k.items]}
        for k in kept
    ]
