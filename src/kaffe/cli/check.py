"""One result of ``kaffe doctor``, and how it prints.

Its own module so that every file of doctor's checks (:mod:`.doctor`,
:mod:`.doctor_storage`) imports it from here, rather than from each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaffe.cli.terminal import shown


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""
    warning: bool = False  # passed, but soon will not (e.g. little free space)

    def __str__(self) -> str:
        # names, details and hints quote the config, servers and stored errors
        mark = "warn" if self.ok and self.warning else "ok  " if self.ok else "FAIL"
        line = f"{mark} {shown(self.name)}: {shown(self.detail)}"
        hinted = self.hint and (self.warning or not self.ok)
        return f"{line}\n     fix: {shown(self.hint)}" if hinted else line
