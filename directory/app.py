"""The application factory: routes, middleware and the lifespan that owns shared resources."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from directory.database import Unavailable, make_engine
from directory.ratelimits import Limiter
from directory.search import backends
from directory.search.errors import SearchUnavailable
from directory.settings import Settings
from directory.web import (
    api,
    compression,
    discovery,
    errors,
    health,
    hsds_api,
    moderation,
    openapi,
    pages,
    printing,
    ratelimit,
    submissions,
)
from directory.web.access_log import AccessLog
from directory.web.auth import SESSION_HOURS
from directory.web.body_limit import BodySizeLimit
from directory.web.heavy import HeavyPages
from directory.web.password_checks import PasswordChecks
from directory.web.remembered import KeptPages, Remembered
from directory.web.security import SecurityHeaders
from directory.web.slashes import SlashRedirect
from directory.web.templating import make_templates

STATIC = Path(__file__).resolve().parent.parent / "static"

# The router tries routes in this order, so the ones asked for most come first.
ROUTES = [
    Route("/api/search", api.search, name="api_search"),
    Route("/search", pages.search, name="search"),
    Route("/organisations/{slug}", pages.organisation, name="organisation"),
    Route("/", pages.home, name="home"),
    Route("/api/organisations/{slug}", api.organisation, name="api_organisation"),
    Route("/print", printing.print_list, name="print"),
    Route("/print.txt", printing.print_text, name="print_text"),
    Route("/feed.atom", discovery.feed, name="feed"),
    Route("/sitemap.xml", discovery.sitemap, name="sitemap"),
    Route("/robots.txt", discovery.robots, name="robots"),
    Route("/healthz", health.healthz, name="healthz"),
    Route("/api", openapi.api_page, name="api_page"),
    Route("/api/openapi.json", openapi.openapi_json, name="api_openapi"),
    Route("/api/organisations", api.organisations, name="api_organisations"),
    Route("/api/hsds/organizations", hsds_api.organizations, name="api_hsds_organizations"),
    Route("/api/hsds/organizations/{id}", hsds_api.organization, name="api_hsds_organization"),
    Route("/submit", submissions.submit, methods=["GET", "POST"], name="submit"),
    Route("/organisations/{slug}/edit", submissions.edit, methods=["GET", "POST"], name="edit"),
    Route(
        "/organisations/{slug}/report", submissions.report, methods=["GET", "POST"], name="report"
    ),
    Route("/submissions/{token}", submissions.status, name="submission_status"),
    Route(
        "/submissions/{token}/revise",
        submissions.revise,
        methods=["GET", "POST"],
        name="submission_revise",
    ),
    Route("/moderate/login", moderation.login, methods=["GET", "POST"], name="moderate_login"),
    Route("/moderate/logout", moderation.logout, methods=["POST"], name="moderate_logout"),
    Route("/moderate", moderation.queue, name="moderate_queue"),
    Route(
        "/moderate/submissions/{id:int}",
        moderation.submission,
        methods=["GET", "POST"],
        name="moderate_submission",
    ),
    Route(
        "/moderate/organisations/{slug}/history",
        moderation.history,
        name="moderate_history",
    ),
    Route(
        "/moderate/account", moderation.account, methods=["GET", "POST"], name="moderate_account"
    ),
    Route(
        "/moderate/moderators",
        moderation.moderators,
        methods=["GET", "POST"],
        name="moderate_moderators",
    ),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]
# Addresses whose pages may be kept finished (endpoints wrapped in `remembered`), with what
# each is kept by.
KEPT_PATHS = {
    route.path: route.endpoint.kept_by
    for route in ROUTES
    if isinstance(route, Route) and hasattr(route.endpoint, "kept_by")
}


def create_app(settings: Settings | None = None) -> Starlette:
    settings = (settings or Settings()).with_secret_key()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        engine = make_engine(settings)
        search = backends.service(settings, engine)
        search_sync = backends.relay(engine, search)
        search.warm()  # loaded, or rebuilt from the database if missing or unreadable
        search_sync.wake()  # the embedded index catches up with what was committed meanwhile
        search_sync.start()  # and the rest, in the background, with retries
        # What exists now lives as long as the server (code, templates, the loaded index):
        # the collector's full passes, which stop everything else, skip it from here on.
        gc.freeze()
        try:
            yield {
                "settings": settings,
                "engine": engine,
                "search": search,
                "search_sync": search_sync,
                "templates": make_templates(reload=settings.debug),
                "remembered": Remembered(),
                "heavy_pages": HeavyPages(),
                "rate_limits": ratelimit.default_limits(),
                "rate_limiter": Limiter(engine, settings.secret_key),
                "client_keys": ratelimit.ClientKeys(settings.secret_key),
                "password_checks": PasswordChecks(),
            }
        finally:
            gc.unfreeze()
            search_sync.stop()
            engine.dispose()

    app = Starlette(
        debug=settings.debug,
        routes=ROUTES,
        middleware=[
            Middleware(AccessLog),  # first, to time everything, kept pages included
            Middleware(KeptPages, paths=KEPT_PATHS, base_url=settings.base_url),
            Middleware(SecurityHeaders, base_url=settings.base_url),
            Middleware(BodySizeLimit),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="directory_session",
                max_age=SESSION_HOURS * 3600,
                same_site="lax",
                https_only=settings.base_url.startswith("https://"),
            ),
            Middleware(
                GZipMiddleware,
                minimum_size=compression.MINIMUM_SIZE,
                compresslevel=compression.LEVEL,
            ),
        ],
        exception_handlers={
            400: errors.http_error,
            403: errors.http_error,
            404: errors.http_error,
            405: errors.http_error,
            413: errors.http_error,
            429: errors.http_error,
            500: errors.server_error,
            Unavailable: errors.database_unavailable,
            DBAPIError: errors.database_error,
            SearchUnavailable: errors.search_unavailable,
        },
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # its redirect names the Host the request claimed
    app.router.default = SlashRedirect(app.router)
    return app
