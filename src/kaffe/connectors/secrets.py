"""Passwords for CalDAV and IMAP: from a file, an environment variable or the keyring.

The config only says where a password is (``password_file``, ``password_env``,
``password_keyring``); it never holds one. Errors name the source and never the
value, and nothing here logs a password.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from kaffe.errors import AuthError

log = logging.getLogger(__name__)

KEYRING_HINT = "install the keyring extra: pip install 'kaffe[keyring]'"


class PasswordEntry(Protocol):
    """What a ``[[calendars]]`` or ``[[mail]]`` entry says about its password."""

    @property
    def name(self) -> str: ...
    @property
    def password_file(self) -> Path | None: ...
    @property
    def password_env(self) -> str: ...
    @property
    def password_keyring(self) -> str: ...


def read_password(entry: PasswordEntry, env: Mapping[str, str] | None = None) -> str:
    """The password ``entry`` points at; :class:`AuthError` naming the source if absent."""
    if entry.password_file is not None:
        return _from_file(entry.name, entry.password_file)
    if entry.password_env:
        return _from_env(entry.name, entry.password_env, os.environ if env is None else env)
    if entry.password_keyring:
        return _from_keyring(entry.name, entry.password_keyring)
    raise AuthError(f"{entry.name}: no password source is configured",
                    hint="set password_file, password_env or password_keyring")


def describe_source(entry: PasswordEntry) -> str:
    """Where the password comes from, in words (for messages; never the value)."""
    if entry.password_file is not None:
        return f"the file {entry.password_file}"
    if entry.password_env:
        return f"the environment variable {entry.password_env}"
    if entry.password_keyring:
        return f"the keyring entry {entry.password_keyring}"
    return "nowhere"


def _from_file(name: str, path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AuthError(f"{name}: the password file {path} does not exist",
                        hint=f"write the password into {path} (chmod 600)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthError(f"{name}: cannot read the password file {path}: {_reason(exc)}",
                        hint=f"check that {path} is a readable text file") from exc
    return _nonempty(name, text.removesuffix("\n").removesuffix("\r"), f"the file {path}")


def _from_env(name: str, variable: str, env: Mapping[str, str]) -> str:
    if variable not in env:
        raise AuthError(f"{name}: the environment variable {variable} is not set",
                        hint=f"export {variable}=... where kaffe runs (systemd: "
                             "an EnvironmentFile= in the unit)")
    return _nonempty(name, env[variable], f"the environment variable {variable}")


def _from_keyring(name: str, reference: str) -> str:
    service, _, username = reference.partition(":")
    keyring = _keyring_module(name)
    try:
        password = keyring.get_password(service, username)
    except Exception as exc:  # keyring backends raise their own types (locked, no backend)
        raise AuthError(f"{name}: the system keyring failed for {reference}: "
                        f"{type(exc).__name__}",
                        hint="unlock the keyring, or use password_file instead") from exc
    if password is None:
        raise AuthError(f"{name}: the system keyring has no password for {reference}",
                        hint=f"store it: keyring set {service} {username}")
    return _nonempty(name, password, f"the keyring entry {reference}")


def _keyring_module(name: str) -> Any:
    try:
        import keyring
    except ImportError as exc:
        raise AuthError(f"{name}: password_keyring needs the keyring package, which is "
                        "not installed", hint=KEYRING_HINT) from exc
    return keyring


def _nonempty(name: str, password: str, source: str) -> str:
    """The password, if it can be sent: not empty, and no line break inside (that would
    end the IMAP LOGIN command early and put the rest on a line of its own)."""
    if not password:
        raise AuthError(f"{name}: the password from {source} is empty",
                        hint=f"put the password into {source}")
    if "\n" in password or "\r" in password:
        raise AuthError(f"{name}: the password from {source} has a line break inside, "
                        "so kaffe will not send it",
                        hint=f"put the password alone on one line in {source}")
    return password


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__
