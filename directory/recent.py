"""A small store of the most recently used values, shared safely between threads."""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(_value: object) -> int:
    return 1


def _nothing(_key: object) -> int:
    return 0


def size_of(key: object, shared: set[int] | None = None) -> int:
    """Bytes a key (or value) of tuples, strings, bytes and numbers takes: its parts' own
    sizes summed, each part once, leaving out None and the parts whose ids are in `shared`
    (what every such value holds the same object of). A key made from a request can be as
    large as the request: it weighs as much as a value."""
    seen = set() if shared is None else set(shared)
    return _size(key, seen)


def _size(part: object, seen: set[int]) -> int:
    if part is None or id(part) in seen:
        return 0
    seen.add(id(part))
    if isinstance(part, tuple | frozenset):
        return sys.getsizeof(part) + sum(_size(inner, seen) for inner in part)
    return sys.getsizeof(part)


class Recent(Generic[K, V]):
    """The most recently used values, up to a limit; the least recently used go first.

    The limit counts values, or whatever `weight` measures them by (bytes, say), plus what
    `key_weight` measures their keys by (nothing unless given).
    """

    def __init__(
        self,
        limit: int,
        weight: Callable[[V], int] = _one,
        key_weight: Callable[[K], int] = _nothing,
    ) -> None:
        self.limit = limit
        self._weight = weight
        self._key_weight = key_weight
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V, weight: int | None = None) -> None:
        """Keeps value, dropping the least recently used to make room; a value heavier than
        the whole limit is not kept (nor does it push everything else out). `weight`, when
        given, is the value's instead of what the store's `weight` says."""
        weight = (self._weight(value) if weight is None else weight) + self._key_weight(key)
        if weight > self.limit:
            return
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self._total -= previous[1]
            self._items[key] = (value, weight)
            self._total += weight
            while self._total > self.limit and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._total -= dropped

    @property
    def total(self) -> int:
        """The weight of everything kept: never more than the limit."""
        return self._total

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[K]:
        """What is kept now, least recently used first (a copy)."""
        with self._lock:
            return list(self._items)
