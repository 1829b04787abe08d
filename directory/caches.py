"""One budget of bytes for everything a server process keeps to answer faster.

Finished pages, search answers, postings, typo variants and queries already read all share
one store, least recently used first out, so that together they never hold more than the
budget (DIRECTORY_CACHE_MB) however the traffic mixes them. Each entry is weighed as what it
really costs: its value, its key, and the store's own bookkeeping for it.

What is kept is flat: bytes, strings, numbers, tuples of those, and bitmaps. The garbage
collector leaves such objects out of its passes (a tuple of untracked parts is untracked
once seen), so a full collection does not grow with what is kept: kept as objects with
attributes, lists and dicts, 50,000 entries cost every full pass tens of milliseconds, with
every request in flight stalled behind it. Keys are kept as one string each (their repr):
a tuple is untracked only once the tuples inside it are, one level at each pass that sees
it, and a key made of tuples in tuples stayed in the passes for several.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Hashable
from typing import Generic, TypeVar, cast

from directory.recent import Recent, size_of

V = TypeVar("V")
T = TypeVar("T")

DEFAULT_BYTES = 32 * 1024 * 1024
# The store's own cost of one entry beyond its key and value: the ordered dict's slot and
# link, the (value, weight) pair and the weight; 130-160 bytes measured with tracemalloc
# (tests/test_caches.py checks what is counted against what is held).
ENTRY_BYTES = 150


class Caches:
    """The store every shelf keeps its entries in. Safe to share between threads."""

    def __init__(self, limit: int = DEFAULT_BYTES) -> None:
        self._store: Recent[str, object] = Recent(limit, key_weight=sys.getsizeof)

    def shelf(self, name: str) -> Shelf[V]:
        """Entries of one kind, under keys of their own (a name without a NUL in it)."""
        return Shelf(self, self._store, name)

    @property
    def limit(self) -> int:
        return self._store.limit

    @property
    def total(self) -> int:
        """Bytes kept on every shelf together: never more than the limit."""
        return self._store.total

    def __len__(self) -> int:
        return len(self._store)


class Shelf(Generic[V]):
    """One kind of entry in the shared store, under keys of its own."""

    def __init__(self, caches: Caches, store: Recent[str, object], name: str) -> None:
        self.caches = caches  # whose budget it shares
        self._store = store
        self.name = name
        self._prefix = name + "\0"

    def get(self, key: Hashable) -> V | None:
        """`key`: strings, bytes, numbers, None, dates and tuples of them (whose repr says
        all they are)."""
        return cast("V | None", self._store.get(self._prefix + repr(key)))

    def put(self, key: Hashable, value: V, weight: int) -> None:
        """Keeps value (flat: see the module's note), weighing `weight` bytes and its key."""
        self._store.put(self._prefix + repr(key), value, weight + ENTRY_BYTES)

    def __len__(self) -> int:
        """Entries on this shelf (counted one by one: for tests and reports)."""
        return sum(1 for key in self._store.keys() if key.startswith(self._prefix))  # noqa: SIM118


class Pickled(Generic[T]):
    """A shelf of values kept as bytes (answers and queries read are objects with
    attributes and lists: many objects for the collector to scan, where bytes are one it
    skips). Unpickling an answer of 20 hits takes about as long as looking one word up."""

    def __init__(self, shelf: Shelf[bytes]) -> None:
        self._shelf = shelf

    def get(self, key: Hashable) -> T | None:
        found = self._shelf.get(key)
        return None if found is None else cast("T", pickle.loads(found))  # noqa: S301 (ours)

    def put(self, key: Hashable, value: T) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._shelf.put(key, data, size_of(data))
