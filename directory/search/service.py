"""The search service the web layer talks to: the primary backend, with embedded as fallback.

When the primary (Meilisearch) cannot answer, the same query is served from the embedded
index, which the relay keeps current too. After a failure the primary is left alone for a
while, so people do not wait on a timeout at every search; then it is tried again. When the
embedded index itself cannot be read, it is rebuilt from the database (repair.py), and
searches raise SearchUnavailable until it is back.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Any

from directory.search.embedded import EmbeddedSearch
from directory.search.errors import SearchUnavailable
from directory.search.interface import SearchBackend, SearchQuery, SearchResults
from directory.search.repair import Repair
from directory.search.understanding import Understanding

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 15.0
# At most this many of the index's most frequent terms are looked up at start-up (the
# default of DIRECTORY_WARM_TERMS).
WARM_TERMS = 1_000
IDLE_SECONDS = 0.5  # without a search, before warming goes on


class SearchService:
    def __init__(
        self,
        embedded: EmbeddedSearch,
        primary: SearchBackend | None = None,
        retry_after: float = RETRY_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        repair: Repair | None = None,
        understanding: Understanding | None = None,
        warm_terms: int = WARM_TERMS,
    ) -> None:
        self.embedded = embedded
        self.warm_terms = warm_terms  # how many frequent terms warm_in_background looks up
        # Reads the places and prisons out of a query, for every backend alike.
        self.understanding = understanding or Understanding()
        self.primary = primary
        self.repair = repair
        self.retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._stop_warming = threading.Event()
        self._searching = 0
        self._last_search = -IDLE_SECONDS
        self._down_until = 0.0
        self._last_error: str | None = None

    @property
    def backends(self) -> list[SearchBackend]:
        """Every index the relay must keep current."""
        return [self.embedded] + ([self.primary] if self.primary is not None else [])

    def search(self, query: SearchQuery) -> SearchResults:
        with self._lock:
            self._searching += 1
        try:
            return self._search(query)
        finally:
            with self._lock:
                self._searching -= 1
                self._last_search = self._clock()

    def _idle(self) -> bool:
        """Whether no search is under way nor has been for a moment (then warming the index
        takes nobody's time: between two searches of a busy server there is always an
        instant with none under way, and a profile under load found warming in 16% of it)."""
        return self._searching == 0 and self._clock() - self._last_search >= IDLE_SECONDS

    def _search(self, query: SearchQuery) -> SearchResults:
        if query.understood is None:
            query = replace(query, understood=self.understanding.understand(query.q))
        if self.primary is not None and self._clock() >= self._down_until:
            try:
                results = self.primary.search(self._with_vocabulary(query))
            except SearchUnavailable as error:
                self._failed(error)
            else:
                self._recovered()
                return results
        try:
            return self.embedded.search(query)
        except SearchUnavailable:
            if self.repair is not None:
                self.repair.start()
            raise

    def _with_vocabulary(self, query: SearchQuery) -> SearchQuery:
        """The query with the words the embedded index holds (kept current alongside the
        primary), for a primary that cannot tell a word it holds from a typo of one."""
        understood = query.understood
        if understood is None or not understood.words:
            return query
        try:
            known, by_stem = self.embedded.vocabulary(understood.words)
        except (OSError, sqlite3.Error):
            return query  # unreadable for now: the primary forgives typos in every word
        return replace(query, understood=replace(understood, known=known, by_stem=by_stem))

    def cached(self, query: SearchQuery) -> SearchResults | None:
        """An answer at hand without blocking, when the embedded index is serving and was
        asked the same recently; else None, and search() must be called (off the event loop)."""
        if self.serving != self.embedded.name:
            return None
        if query.understood is None:
            understood = self.understanding.remembered(query.q)
            if understood is None:
                return None  # reading it may look places up: not on the event loop
            query = replace(query, understood=understood)
        return self.embedded.cached(query)

    def state(self) -> Hashable | None:
        """A value that changes whenever search answers may: the embedded index's state when
        it is the only backend. None otherwise (Meilisearch may change unseen, from another
        process), and then nothing made from answers should be kept."""
        if self.primary is not None:
            return None
        return self.embedded.state()

    def warm(self) -> None:
        """Load the embedded index now, so the first visitor's search does not wait for it;
        one that is missing or unreadable is rebuilt first (unless another process is at it)."""
        self.embedded.warm()
        self.understanding.warm()
        if self.repair is not None and self.embedded.problem() is not None:
            self.repair.run()

    def warm_in_background(self) -> threading.Thread:
        """What the first searches would otherwise wait for, in a thread of its own once the
        server is up: the names queries are read with, then the postings of the index's most
        frequent terms, each only while no search is under way (so it delays no answer by
        more than one term's lookup). `stop_warming()` ends it."""
        thread = threading.Thread(target=self._warm_more, name="search-warm", daemon=True)
        thread.start()
        return thread

    def stop_warming(self) -> None:
        self._stop_warming.set()

    def _warm_more(self) -> None:
        try:
            self.understanding.warm_names()
            started = time.perf_counter()
            count = self.embedded.warm_terms(self.warm_terms, self._stop_warming, self._idle)
            log.info("warmed %d terms in %.1f s", count, time.perf_counter() - started)
        except (OSError, sqlite3.Error) as error:  # unreadable: the first search says why
            log.info("could not warm the search index: %s", error)

    def health(self) -> dict[str, dict[str, Any]]:
        report = {self.embedded.name: self._embedded_health()}
        if self.primary is not None:
            report[self.primary.name] = self.primary_health()
        return report

    def primary_health(self) -> dict[str, Any]:
        """The primary's state, asked now (at start-up, that is when Meilisearch's version
        and keys are checked); found down or refused, searches go to the fallback at once
        rather than wait on a timeout."""
        assert self.primary is not None
        state = self.primary.health()
        if state["status"] == "ok":
            self._recovered()
        else:
            self._failed(SearchUnavailable(self.primary.name, state.get("error", "down")))
        return state

    def _embedded_health(self) -> dict[str, Any]:
        state = self.embedded.health()
        if state["status"] == "ok" or self.repair is None:
            return state
        self.repair.start()
        if self.repair.running or self.repair.last_error is None:
            return {"status": "rebuilding", "error": state["error"]}
        return {"status": "down", "error": f"{state['error']}; {self.repair.last_error}"}

    @property
    def serving(self) -> str:
        """Which backend answers searches now."""
        if self.primary is not None and self._clock() >= self._down_until:
            return self.primary.name
        return self.embedded.name

    def _failed(self, error: SearchUnavailable) -> None:
        with self._lock:
            self._down_until = self._clock() + self.retry_after
            self._last_error = error.reason
        log.warning("search falling back to %s: %s", self.embedded.name, error)

    def _recovered(self) -> None:
        with self._lock:
            self._down_until = 0.0
            self._last_error = None
