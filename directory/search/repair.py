"""Rebuilding a missing or unreadable embedded index from the database, while serving.

The index file can go while the server runs (deleted, truncated, overwritten, a disk
restored without it). The first search or health check that finds it unreadable starts a
rebuild in a background thread, and the pages say "search is being rebuilt" meanwhile; at
start-up the rebuild is done before serving. One process rebuilds at a time: the others
find the lock taken and leave it to that one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from directory.search import locks
from directory.search.embedded import EmbeddedSearch
from directory.search.indexing import reindex

log = logging.getLogger(__name__)

LOCK_NAME = "search index repair"
# After finding another process at it, or failing, wait this long before trying again.
RETRY_SECONDS = 1.0


def lock_name(index: EmbeddedSearch) -> str:
    """Held by whoever rebuilds this index: a host with an index of its own has its own."""
    return f"{LOCK_NAME} {index.outbox_name}"


class Repair:
    def __init__(
        self,
        engine: Engine,
        index: EmbeddedSearch,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.index = index
        self.then: Callable[[], None] | None = None  # after a rebuild: deliver what waits
        self.last_error: str | None = None
        self._clock = clock
        self._next_try = 0.0
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Rebuild in the background, unless this process is at it or has just tried."""
        with self._guard:
            if self.running or self._clock() < self._next_try:
                return
            self._thread = threading.Thread(target=self.run, name="search-repair", daemon=True)
            self._thread.start()

    def run(self) -> bool:
        """Rebuild now, if the index is still unreadable and no other process is at it.
        Returns whether it was rebuilt (or found readable again)."""
        with locks.database_lock(self.engine, lock_name(self.index), wait=False) as ours:
            if not ours:
                self._next_try = self._clock() + RETRY_SECONDS
                return False
            problem = self.index.problem()
            if problem is None:  # another process has just rebuilt it
                return True
            log.warning("rebuilding the search index from the database: %s", problem)
            try:
                with Session(self.engine, expire_on_commit=False) as session:
                    count = reindex(session, self.index)
            except Exception as error:  # noqa: BLE001 (reported by health; tried again later)
                self.last_error = f"rebuild failed: {error}"
                self._next_try = self._clock() + RETRY_SECONDS
                log.exception("could not rebuild the search index")
                return False
        self.last_error = None
        log.warning("search index rebuilt: %d organisations", count)
        if self.then is not None:
            self.then()
        return True
