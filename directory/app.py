"""The application factory: routes, middleware and the lifespan that owns shared resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from directory.database import make_engine
from directory.search import backends
from directory.settings import Settings
from directory.web import api, errors, health, pages
from directory.web.security import SecurityHeaders
from directory.web.templating import make_templates

STATIC = Path(__file__).resolve().parent.parent / "static"

ROUTES = [
    Route("/", pages.home, name="home"),
    Route("/search", pages.search, name="search"),
    Route("/organisations/{slug}", pages.organisation, name="organisation"),
    Route("/healthz", health.healthz, name="healthz"),
    Route("/api/search", api.search, name="api_search"),
    Route("/api/organisations/{slug}", api.organisation, name="api_organisation"),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(settings)
        search = backends.service(settings)
        search_sync = backends.relay(engine, search)
        search_sync.wake()  # the embedded index catches up with what was committed meanwhile
        search_sync.start()  # and the rest, in the background, with retries
        try:
            yield {
                "settings": settings,
                "engine": engine,
                "search": search,
                "search_sync": search_sync,
                "templates": make_templates(),
            }
        finally:
            search_sync.stop()
            engine.dispose()

    return Starlette(
        debug=settings.debug,
        routes=ROUTES,
        middleware=[Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=800)],
        exception_handlers={
            404: errors.http_error,
            405: errors.http_error,
            500: errors.server_error,
        },
        lifespan=lifespan,
    )
