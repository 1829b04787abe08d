"""Friendly error pages, and JSON errors under /api."""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from directory import database
from directory.database import Unavailable
from directory.search.errors import SearchUnavailable
from directory.web.middleware import security
from directory.web.middleware.access_log import loggable_path
from directory.web.state import app_state
from directory.web.templating import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: (
        "Not allowed",
        "You cannot do that here. If you are a moderator, sign in and try again.",
    ),
    404: (
        "Page not found",
        "We could not find that page. The listing may have moved or been removed.",
    ),
    405: ("Not allowed", "That page cannot be used this way."),
    413: (
        "That was too much to send",
        "What you sent is larger than we can accept. Go back (what you typed should still be "
        "there), shorten the longest parts, such as the description or notes, and send it again.",
    ),
    429: (
        "Please wait a few minutes",
        "A lot has been sent from your connection in a short time. Please wait a few minutes, "
        "then try again.",
    ),
    500: ("Something went wrong", "Sorry, something went wrong on our side. Please try again."),
    503: (
        "Please try again in a few minutes",
        "The directory cannot save anything right now, so nothing you sent was kept. Go back "
        "(what you typed should still be there) and send it again in a few minutes.",
    ),
}
SEARCH_UNAVAILABLE = (
    "Search is being rebuilt",
    "Search is not available for a moment: its index is being rebuilt from the directory's "
    "records, which takes a minute or two. Please try again shortly. Each group's own page "
    "still works.",
)
# Seconds a client should wait before asking again, while search is being rebuilt.
RETRY_AFTER_SECONDS = 30


def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    title, message = MESSAGES.get(status, ("Error", "The request could not be completed."))
    if status == 403 and isinstance(exc, HTTPException) and exc.detail != "Forbidden":
        message = exc.detail  # our own words on why, e.g. "Sign in to do that."
    detail = exc.detail if isinstance(exc, HTTPException) and status != 500 else message
    # The exception's headers are part of the answer: a 405's Allow names the methods that
    # would work (RFC 9110, section 15.5.6).
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else None
    return _error_page(request, status, title, message, detail, headers)


def database_unavailable(request: Request, exc: Exception) -> Response:
    """The database cannot serve right now (locked, read-only, down): 503, try again."""
    log.warning("database unavailable on %s: %s", loggable_path(request.scope), _said(exc))
    title, message = MESSAGES[503]
    return _error_page(request, 503, title, message, message)


def database_error(request: Request, exc: Exception) -> Response:
    """Any other database error: a 500 whose log line holds none of the values sent."""
    if database.unavailable(exc):
        return database_unavailable(request, exc)
    _log_database_error(request, exc, exc)
    title, message = MESSAGES[500]
    return _error_page(request, 500, title, message, message)


def server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Unavailable) or database.unavailable(exc):
        response = database_unavailable(request, exc)
    else:
        cause = _database_error_within(exc)
        if cause is None:
            log.exception("unhandled error on %s", loggable_path(request.scope), exc_info=exc)
        else:  # the database error's text, chained below, may quote what was sent
            _log_database_error(request, cause, exc)
        response = http_error(request, exc)
    # Starlette sends this page from its outermost layer, outside SecurityHeaders.
    response.raw_headers.extend(security.headers_for(app_state(request).settings.base_url))
    return response


def _log_database_error(request: Request, error: BaseException, raised: BaseException) -> None:
    log.error(
        "database error on %s: %s\n%s",
        loggable_path(request.scope),
        database.describe(error),
        "".join(traceback.format_tb(raised.__traceback__)),  # where, without the messages
    )


def _error_page(
    request: Request,
    status: int,
    title: str,
    message: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": detail}, status_code=status, headers=headers)
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
        headers=headers,
    )


def _said(exc: Exception) -> str:
    return str(exc) if isinstance(exc, Unavailable) else database.describe(exc)


def _database_error_within(exc: BaseException | None) -> DBAPIError | None:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, DBAPIError):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def search_unavailable(request: Request, exc: Exception) -> Response:
    """No index can answer (the embedded one is being rebuilt): say so, and when to retry."""
    if isinstance(exc, SearchUnavailable):
        log.info("search unavailable on %s: %s", loggable_path(request.scope), exc)
    title, message = SEARCH_UNAVAILABLE
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return _error_page(request, 503, title, message, message, headers)
