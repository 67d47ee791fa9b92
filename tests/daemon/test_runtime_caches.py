"""LiveRuntime.cycle leaves no module-level caches behind (issue 14): the patterns
``re`` compiled and the source lines ``linecache`` read during the cycle are dropped
(pyparsing reads its own source when a 401 first loads it, mid-run: kaffe/_lazy.py)."""

from __future__ import annotations

import linecache
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kaffe.daemon.runtime import LiveRuntime


class FillsCaches:
    """A runtime whose cycle compiles a pattern and reads a module's source."""

    def cycle(self, now: datetime, *, stop: Any = None) -> str:
        re.compile(r"kaffe-cache-test-\d+")
        linecache.getline(__file__, 1)
        return "report"

    def close(self) -> None:
        pass


def test_a_cycle_empties_re_and_linecache(tmp_path: Path) -> None:
    live = LiveRuntime(tmp_path / "config.toml", FillsCaches())  # type: ignore[arg-type]
    assert live.cycle(datetime(2026, 3, 2, tzinfo=UTC)) == "report"
    assert linecache.cache == {}
    assert not any("kaffe-cache-test" in str(key) for key in re._cache)  # type: ignore[attr-defined]
