"""``kaffe service install``: write the shipped systemd unit, pointed at this kaffe.

The unit texts ship inside the package (``kaffe/systemd/``); only ``ExecStart``
is rewritten, to the kaffe executable that is running now.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

from kaffe.errors import KaffeError
from kaffe.fsutil import write_private

log = logging.getLogger(__name__)

USER_UNIT = "kaffe.service"
SYSTEM_UNIT = "kaffe@.service"
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
_SAFE = re.compile(r"^[\w@%+=:,./-]+$")


@dataclass(frozen=True)
class Install:
    """Where a unit goes and how it is managed afterwards."""

    name: str  # the shipped unit file
    path: Path  # where it is written
    user: bool  # a user unit (systemctl --user) or the system template
    instance: str = ""  # the system template's user, e.g. kaffe@alice

    @property
    def unit(self) -> str:
        return "kaffe" if self.user else f"kaffe@{self.instance or 'USER'}"

    def commands(self) -> list[str]:
        """The exact commands to start the unit, reload its config and read its log."""
        if self.user:
            return ["systemctl --user daemon-reload",
                    f"systemctl --user enable --now {self.unit}",
                    f"systemctl --user reload {self.unit}   # after editing the config",
                    f"journalctl --user -u {self.unit} -f"]
        return ["sudo systemctl daemon-reload",
                f"sudo systemctl enable --now {self.unit}",
                f"sudo systemctl reload {self.unit}   # after editing the config",
                f"journalctl -u {self.unit} -f"]


def shipped_unit(name: str) -> str:
    """The text of a unit shipped in the package."""
    return resources.files("kaffe").joinpath("systemd", name).read_text(encoding="utf-8")


def kaffe_command(argv0: str | None = None) -> list[str]:
    """The running kaffe as an absolute command: this script, else ``kaffe`` on PATH,
    else ``<python> -m kaffe.cli`` (a checkout run with ``python -m``)."""
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name == "kaffe" and script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    found = shutil.which("kaffe")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "kaffe.cli"]


def render_unit(name: str, command: list[str]) -> str:
    """The shipped unit with ``ExecStart`` running ``command run``."""
    exec_start = "ExecStart=" + " ".join(_quote(arg) for arg in [*command, "run"])
    text, count = re.subn(r"^ExecStart=.*$", lambda _: exec_start, shipped_unit(name),
                          flags=re.M)
    if count != 1:  # a broken package, not a user error
        raise RuntimeError(f"{name}: expected one ExecStart= line, found {count}")
    return text


def _quote(arg: str) -> str:
    """One ExecStart argument: ``%`` is a specifier in units, spaces need quotes."""
    arg = arg.replace("%", "%%")
    if _SAFE.match(arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def user_install(env: Mapping[str, str] | None = None) -> Install:
    """The user unit: ``$XDG_CONFIG_HOME/systemd/user/kaffe.service``."""
    env = os.environ if env is None else env
    config_home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return Install(USER_UNIT, config_home / "systemd" / "user" / USER_UNIT, user=True)


def system_install(env: Mapping[str, str] | None = None) -> Install:
    """The system template in /etc/systemd/system, for the user who ran sudo."""
    env = os.environ if env is None else env
    who = env.get("SUDO_USER") or getpass.getuser()
    return Install(SYSTEM_UNIT, SYSTEM_UNIT_DIR / SYSTEM_UNIT, user=False,
                   instance="" if who == "root" else who)


def write_unit(target: Install, text: str, *, force: bool = False, euid: int = 0) -> bool:
    """Write ``text`` to ``target.path``; False when the same unit is already there.

    A different existing unit is only replaced with ``force``; the system unit needs root."""
    if not target.user and euid != 0:
        raise KaffeError(f"writing {target.path} needs root",
                         hint="re-run with sudo, or use --print and install the unit yourself")
    existing = _read(target.path)
    if existing == text:
        return False
    if existing is not None and not force:
        raise KaffeError(f"{target.path} already exists and differs from kaffe's unit",
                         hint="pass --force to replace it (or --print to compare)")
    write_private(target.path, text, mode=0o644)  # systemd and `systemctl cat` read it
    log.info("wrote %s", target.path)
    return True


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def run_install(
    *,
    user: bool,
    print_only: bool = False,
    force: bool = False,
    out: TextIO,
    env: Mapping[str, str] | None = None,
    euid: int | None = None,
) -> int:
    """``kaffe service install``: write (or print) the unit and say what to run next."""
    target = user_install(env) if user else system_install(env)
    text = render_unit(target.name, kaffe_command())
    if print_only:
        out.write(text)
        return 0
    changed = write_unit(target, text, force=force,
                         euid=os.geteuid() if euid is None else euid)
    out.write(f"{'wrote' if changed else 'already installed, unchanged:'} {target.path}\n")
    for note in _notes(target):
        out.write(f"note: {note}\n")
    out.write("next:\n" + "".join(f"  {command}\n" for command in target.commands()))
    return 0


def _notes(target: Install) -> list[str]:
    """What the system template assumes about the user's home, when it does not hold."""
    if target.user:
        return []
    if not target.instance:
        return ["replace USER below with the account kaffe should run as (not root)"]
    home = _home(target.instance)
    if home is not None and home != Path("/home") / target.instance:
        return [f"{target.instance}'s home is {home}, but the unit allows writes only under "
                f"/home/{target.instance}: run `sudo systemctl edit {target.unit}` and add "
                f'"[Service]", "ReadWritePaths=" and '
                f'"ReadWritePaths={home}/.local/share/kaffe {home}/.config/kaffe"']
    return []


def _home(name: str) -> Path | None:
    import pwd

    try:
        return Path(pwd.getpwnam(name).pw_dir)
    except KeyError:
        return None
