"""The JSON API: the same searches and records the pages show."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from directory import catalogue
from directory.database import session_scope
from directory.web import presenters
from directory.web.params import parse_search


def search(request: Request) -> JSONResponse:
    parsed = parse_search(request.query_params)
    if parsed.problems:
        return JSONResponse({"error": "invalid parameters", "fields": parsed.problems}, 400)
    results = request.state.search.search(parsed.query)
    return JSONResponse(presenters.search_json(parsed.query, results))


def organisation(request: Request) -> JSONResponse:
    with session_scope(request.state.engine) as session:
        found = catalogue.get(session, request.path_params["slug"])
        if found is None:
            raise HTTPException(404, "No organisation has that address.")
        return JSONResponse(presenters.organisation_json(found))
