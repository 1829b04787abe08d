"""Pages that take seconds to make (the sitemap: every listing; a printed list: up to 1,000
groups): kept finished while nothing they show has changed, and only a few made at once.

Made afresh for every request, sixteen sitemaps at once at 10,000 listings took 16 s each and
held up everything else the server did, kept searches too, since they share one interpreter.
So a finished page is kept under the state of what it shows (the catalogue's version, the
index's state, its parameters, the day) and sent again until that changes; a page being made
is waited for, not made twice; at most MAKING_AT_ONCE different pages are made at once, and
a request that finds no turn free within TURN_WAIT_SECONDS is asked to come back (503 with
Retry-After) rather than queue behind them.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from directory.caches import Shelf
from directory.web.middleware.remembered import Finished, Remembered
from directory.web.state import app_state
from directory.web.templating import render

MAKING_AT_ONCE = 2
TURN_WAIT_SECONDS = 5.0
# Waiting for a page someone else is making costs nothing but the open connection.
SAME_PAGE_WAIT_SECONDS = 30.0
RETRY_AFTER_SECONDS = 10
KEPT_BYTES = 32 * 1024 * 1024  # keys included
LARGEST_KEPT = 16 * 1024 * 1024  # a sitemap of 50,000 listings is about 6 MB

SyncEndpoint = Callable[[Request], Response]
Endpoint = Callable[[Request], Awaitable[Response]]
# What a heavy page shows, from its request (read from the database and the index, not made);
# None when that cannot be told, and the page is made for every request (in turn).
HeavyKey = Callable[[Request], Awaitable[Hashable | None]]
Make = Callable[[], Awaitable[Finished | Response]]


class Busy(Exception):
    """No turn to make a page came free in time."""


class HeavyPages:
    """Finished heavy pages by key, and the turns to make them. One per process, made in the
    application's lifespan (its turns belong to the event loop)."""

    def __init__(
        self,
        at_once: int = MAKING_AT_ONCE,
        turn_wait: float = TURN_WAIT_SECONDS,
        same_page_wait: float = SAME_PAGE_WAIT_SECONDS,
        limit: int = KEPT_BYTES,
        largest: int = LARGEST_KEPT,
        shelf: Shelf[tuple[object, ...]] | None = None,
    ) -> None:
        """Pages are kept on `shelf` (of the process's caches), or else in `limit` bytes."""
        self.turn_wait = turn_wait
        self.same_page_wait = same_page_wait
        self.kept = Remembered(limit, largest, shelf)
        self._turns = asyncio.Semaphore(at_once)
        self._underway: dict[Hashable, asyncio.Future[Finished | None]] = {}

    async def page(self, key: Hashable | None, make: Make) -> Finished | Response:
        """The page kept under key, or being made under it, or else made now, in turn (and
        kept if it is a 200). Raises Busy when no turn came free in time."""
        if key is None:
            async with self._turn():
                return await make()
        kept = self.kept.get(key)
        if kept is not None:
            return kept
        underway = self._underway.get(key)
        if underway is not None:
            try:
                made = await asyncio.wait_for(asyncio.shield(underway), self.same_page_wait)
            except TimeoutError:
                raise Busy from None
            if made is not None:
                return made
        return await self._make_and_keep(key, make)

    async def _make_and_keep(self, key: Hashable, make: Make) -> Finished | Response:
        mine: asyncio.Future[Finished | None] = asyncio.get_running_loop().create_future()
        owner = self._underway.setdefault(key, mine) is mine
        made: Finished | None = None
        try:
            async with self._turn():
                kept = self.kept.get(key)  # made by another while this one waited its turn
                if kept is not None:
                    made = kept
                    return kept
                response = await make()
                if isinstance(response, Finished):
                    self.kept.put(key, response)
                    made = response
                return response
        finally:
            if owner:
                del self._underway[key]
                # A result, never an exception: those waiting without it make their own.
                mine.set_result(made)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self._turns.locked():
            try:
                await asyncio.wait_for(self._turns.acquire(), self.turn_wait)
            except TimeoutError:
                raise Busy from None
        else:
            await self._turns.acquire()  # free: taken at once, whatever turn_wait is
        try:
            yield
        finally:
            self._turns.release()


def heavy_page(by: HeavyKey) -> Callable[[SyncEndpoint], Endpoint]:
    """Serves a heavy endpoint's pages through the application's HeavyPages: kept `by` what
    they show, made in a worker thread, a few at once. For GET endpoints whose page depends on
    nothing but what `by` reads (no session, no form, nobody's own data)."""

    def wrap(endpoint: SyncEndpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def respond(request: Request) -> Response:
            pages = app_state(request).heavy_pages

            async def make() -> Finished | Response:
                return await run_in_threadpool(_finished, endpoint, request)

            try:
                found = await pages.page(await by(request), make)
            except Busy:
                return _busy(request)
            return found.response_to(request) if isinstance(found, Finished) else found

        return respond

    return wrap


def _finished(endpoint: SyncEndpoint, request: Request) -> Finished | Response:
    # Compressed here too, in the worker thread: a megabyte takes the event loop ~10 ms.
    response = endpoint(request)
    if response.status_code != 200 or "content-encoding" in response.headers:
        return response
    return Finished.of(response)


def _busy(request: Request) -> Response:
    return render(
        request,
        "error.html",
        {
            "status": 503,
            "title": "Busy: please try again in a few seconds",
            "message": "Many long lists are being made just now. Please try again shortly.",
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )
