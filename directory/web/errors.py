"""Friendly error pages, and JSON errors under /api."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)

MESSAGES = {
    404: (
        "Page not found",
        "We could not find that page. The listing may have moved or been removed.",
    ),
    405: ("Not allowed", "That page cannot be used this way."),
    500: ("Something went wrong", "Sorry, something went wrong on our side. Please try again."),
}


def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    title, message = MESSAGES.get(status, ("Error", "The request could not be completed."))
    if request.url.path.startswith("/api/"):
        detail = exc.detail if isinstance(exc, HTTPException) and status != 500 else message
        return JSONResponse({"error": detail}, status_code=status)
    return request.state.templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
    )


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return http_error(request, exc)
