"""A small store of the most recently used values, shared safely between threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(_value: object) -> int:
    return 1


class Recent(Generic[K, V]):
    """The most recently used values, up to a limit; the least recently used go first.

    The limit counts values, or whatever `weight` measures them by (bytes, say).
    """

    def __init__(self, limit: int, weight: Callable[[V], int] = _one) -> None:
        self.limit = limit
        self._weight = weight
        self._items: OrderedDict[K, V] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        """Keeps value, dropping the least recently used to make room; a value heavier than
        the whole limit is not kept (nor does it push everything else out)."""
        if self._weight(value) > self.limit:
            return
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self._total -= self._weight(previous)
            self._items[key] = value
            self._total += self._weight(value)
            while self._total > self.limit and self._items:
                _, dropped = self._items.popitem(last=False)
                self._total -= self._weight(dropped)

    def __len__(self) -> int:
        return len(self._items)
