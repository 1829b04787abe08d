"""The application factory: routes, middleware and the lifespan that owns shared resources."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from directory.caches import Caches
from directory.database import Unavailable, make_engine
from directory.mail import smtp
from directory.mail.compose import Composer
from directory.mail.sender import Sender
from directory.ratelimits import Limiter
from directory.search import backends
from directory.search.errors import SearchUnavailable
from directory.settings import Settings
from directory.web import errors
from directory.web.auth import SESSION_HOURS
from directory.web.guards import ratelimit
from directory.web.guards.password_checks import PasswordChecks
from directory.web.middleware import compression
from directory.web.middleware.access_log import AccessLog
from directory.web.middleware.body_limit import BodySizeLimit
from directory.web.middleware.remembered import KeptPages, Remembered
from directory.web.middleware.security import SecurityHeaders
from directory.web.middleware.slashes import SlashRedirect
from directory.web.routes import KEPT_PATHS, ROUTES
from directory.web.state import STATE_KEY, AppState
from directory.web.templating import make_templates, path_finder
from directory.web.views.heavy import HeavyPages


def create_app(settings: Settings | None = None) -> Starlette:
    settings = (settings or Settings()).with_secret_key()

    @asynccontextmanager
    async def lifespan(started: Starlette) -> AsyncIterator[dict[str, AppState]]:
        engine = make_engine(settings)
        caches = Caches(settings.cache_bytes)  # one budget for all this process keeps
        search = backends.service(settings, engine, caches)
        search_sync = backends.relay(engine, search)
        search.warm()  # loaded, or rebuilt from the database if missing or unreadable
        search_sync.wake()  # the embedded index catches up with what was committed meanwhile
        search_sync.start()  # and the rest, in the background, with retries
        search.warm_in_background()  # the most frequent terms, while serving
        mail_sender = _mail_sender(settings, engine, started)
        if search.primary is not None:
            # Meilisearch's version and keys, checked without delaying the start.
            threading.Thread(target=search.primary_health, name="search-check", daemon=True).start()
        # What exists now lives as long as the server (code, templates, the loaded index):
        # the collector's full passes, which stop everything else, skip it from here on.
        gc.freeze()
        try:
            yield {
                STATE_KEY: AppState(
                    settings=settings,
                    engine=engine,
                    search=search,
                    search_sync=search_sync,
                    templates=make_templates(started.router, reload=settings.debug),
                    remembered=Remembered(shelf=caches.shelf("pages")),
                    heavy_pages=HeavyPages(shelf=caches.shelf("heavy pages")),
                    rate_limits=ratelimit.default_limits(),
                    rate_limiter=Limiter(engine, settings.secret_key),
                    client_keys=ratelimit.ClientKeys(settings.secret_key),
                    password_checks=PasswordChecks(),
                    searchers=anyio.CapacityLimiter(settings.search_threads),
                )
            }
        finally:
            gc.unfreeze()
            search.stop_warming()
            if mail_sender is not None:
                mail_sender.stop()
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


def _mail_sender(settings: Settings, engine: Engine, app: Starlette) -> Sender | None:
    """The background sender, when there is a mail server to send to; without one, mail
    waits in the database, shown to administrators (/moderate/mail)."""
    if not settings.smtp_url:
        return None
    composer = Composer(settings, path_finder(app.router))
    sender = Sender(
        engine,
        smtp.Server.from_url(settings.smtp_url),
        composer,
        digest_queue_size=settings.digest_queue_size,
        base_delay=settings.mail_retry_seconds,
    )
    sender.start()
    return sender
