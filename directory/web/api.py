"""The JSON API: the same searches and records the pages show."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from directory import catalogue
from directory.database import session_scope
from directory.web import presenters, searching
from directory.web.params import parse_listing


def search(request: Request) -> JSONResponse:
    searched = searching.run(request)
    parsed = searched.parsed
    if parsed.problems:
        return JSONResponse({"error": "invalid parameters", "fields": parsed.problems}, 400)
    return JSONResponse(
        presenters.search_json(parsed.query, searched.results, searched.place, parsed.radius_km)
    )


def organisations(request: Request) -> JSONResponse:
    parsed = parse_listing(request.query_params)
    if parsed.problems:
        return JSONResponse({"error": "invalid parameters", "fields": parsed.problems}, 400)
    with session_scope(request.state.engine) as session:
        rows, total = catalogue.page_of(
            session, parsed.filters, parsed.modified_after, parsed.page, parsed.per_page
        )
        items = [presenters.organisation_json(row) for row in rows]
    return JSONResponse(
        {"total": total, "page": parsed.page, "per_page": parsed.per_page, "organisations": items},
        headers={"X-Total-Count": str(total)},
    )


def organisation(request: Request) -> JSONResponse:
    with session_scope(request.state.engine) as session:
        found = catalogue.get(session, request.path_params["slug"])
        if found is None:
            raise HTTPException(404, "No organisation has that address.")
        return JSONResponse(presenters.organisation_json(found))
