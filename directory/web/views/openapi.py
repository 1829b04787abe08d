"""The JSON API's description: /api/openapi.json, and the /api page for people."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from directory.web.presenters.openapi import api_endpoints, document
from directory.web.state import app_state
from directory.web.templating import render


def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(app_state(request).settings.base_url))


def api_page(request: Request) -> Response:
    spec = document(app_state(request).settings.base_url)
    return render(request, "api.html", {"endpoints": api_endpoints(spec)})
