"""kaffe's state in SQLite (:class:`Store`) and the single-instance lock."""

from __future__ import annotations

from kaffe.store.db import Store
from kaffe.store.lock import InstanceLock

__all__ = ["InstanceLock", "Store"]
