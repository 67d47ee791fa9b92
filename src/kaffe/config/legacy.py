"""Keys the config file may still write at their old place, each with a one-line warning.

``window_days`` and ``invite_days`` say how much of *every* mailbox is read (the
Gmail one and each ``[[mail]]`` IMAP entry), so they live in ``[mailboxes]``; a
file that sets them under ``[gmail]``, as older examples did, still loads and is
told where they belong now. A key set at both places is a problem: which one
was meant?
"""

from __future__ import annotations

import logging
from typing import Any

from kaffe.config.checks import Context

log = logging.getLogger(__name__)

# (old section, key) -> the section the key lives in now
MOVED: dict[tuple[str, str], str] = {
    ("gmail", "window_days"): "mailboxes",
    ("gmail", "invite_days"): "mailboxes",
}

Moved = dict[tuple[str, str], tuple[str, Any]]


def split_moved(data: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], Moved]:
    """``data`` without the keys written at their old place, and those keys as
    ``(old section, key) -> (new section, raw value)``. ``data`` is not changed."""
    rest, moved = dict(data), {}
    for (old, key), new in MOVED.items():
        table = rest.get(old)
        if not isinstance(table, dict) or key not in table:
            continue
        rest[old] = {k: v for k, v in table.items() if k != key}
        target = rest.get(new)
        if isinstance(target, dict) and key in target:
            ctx.report(old, key, f"also set in [{new}], where it belongs now: remove it here")
            continue
        log.warning("%s: [%s] %s is now [%s] %s; the old place still works, but move it",
                    ctx.file, old, key, new, key)
        moved[(old, key)] = (new, table[key])
    return rest, moved
