"""Friendly error pages, and JSON errors under /api."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from directory.search.errors import SearchUnavailable
from directory.web import security
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
    if request.url.path.startswith("/api/"):
        detail = exc.detail if isinstance(exc, HTTPException) and status != 500 else message
        return JSONResponse({"error": detail}, status_code=status)
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
    )


def search_unavailable(request: Request, exc: Exception) -> Response:
    """No index can answer (the embedded one is being rebuilt): say so, and when to retry."""
    if isinstance(exc, SearchUnavailable):
        log.info("search unavailable on %s: %s", request.url.path, exc)
    title, message = SEARCH_UNAVAILABLE
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=503, headers=headers)
    context = {"status": 503, "title": title, "message": message}
    return render(request, "error.html", context, status_code=503, headers=headers)


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    response = http_error(request, exc)
    # Starlette sends this page from its outermost layer, outside SecurityHeaders.
    response.raw_headers.extend(security.headers_for(request.state.settings.base_url))
    return response
