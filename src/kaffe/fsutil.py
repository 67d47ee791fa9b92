"""Files: private, atomic writes (tokens, state: temp file, fsync, os.replace, mode 0600),
and the path a ``file:`` URL names."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import unquote


def file_url_path(url_path: str) -> Path:
    """The local path of a ``file:`` URL's path part (``/a%20b.ics`` -> ``/a b.ics``):
    what urllib.request.url2pathname gives, without importing urllib.request (ssl and
    http.client, 0.6 MB that `kaffe run` without feeds never needs)."""
    if os.name == "nt":  # pragma: no cover
        from nturl2path import url2pathname

        return Path(url2pathname(url_path))
    return Path(unquote(url_path))


def write_private(path: Path, data: bytes | str, *, mode: int = 0o600) -> None:
    """Atomically replace ``path`` with ``data``; the file is never world-readable."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_private(path: Path, *, mode: int = 0o600) -> None:
    """Create ``path`` if missing and make sure only the owner can read it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, mode)
    os.close(fd)
    os.chmod(path, mode)
