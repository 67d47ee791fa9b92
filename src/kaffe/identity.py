"""Values kept per object, by identity, for as long as the object lives
(:class:`ByIdentity`), and :func:`same_items` to tell a re-read table from the last.

Rules ask the same questions about the same frozen events cycle after cycle; hashing
an event (all its fields) costs more than the answer, so answers are kept by
``id()``. Keeping the event itself alive to guard against a reused id would keep
every generation of events the store view ever read (a slow leak); a weak
reference guards just as well and lets the entry go with its object.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class _Ref(weakref.ref):
    """A weak reference that carries its object's id and the value kept for it (one
    object per entry, not a reference and a tuple)."""

    __slots__ = ("key", "value")
    key: int
    value: Any


class ByIdentity(Generic[V]):
    """A mapping from live objects (by identity) to values; an entry goes when its
    object is collected. The objects must support weak references."""

    def __init__(self) -> None:
        self._data: dict[int, _Ref] = {}

    def get(self, obj: Any) -> V | None:
        """The value kept for ``obj``, or None."""
        found = self._data.get(id(obj))
        if found is not None and found() is obj:
            return found.value
        return None

    def put(self, obj: Any, value: V) -> None:
        """Keep ``value`` for ``obj`` while ``obj`` lives."""
        ref = _Ref(obj, self._forget)
        ref.key, ref.value = id(obj), value
        self._data[ref.key] = ref

    def clear(self) -> None:
        """Forget every entry."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def _forget(self, ref: _Ref) -> None:
        if self._data.get(ref.key) is ref:
            del self._data[ref.key]


def same_items(new: Sequence[Any], old: Sequence[Any] | None) -> bool:
    """True when ``new`` holds exactly the objects of ``old``, in the same order (equal
    objects read again are not the same: what was computed from the old ones is
    computed again, and the old ones can go)."""
    return old is not None and len(new) == len(old) and all(map(operator.is_, new, old))
