"""The JSON API: the same searches and records the pages show."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from directory import catalogue
from directory.database import read_one, session_scope
from directory.web.middleware.remembered import remembered, search_parameters
from directory.web.params import parse_listing
from directory.web.presenters import listing
from directory.web.presenters import search as presenters
from directory.web.state import app_state
from directory.web.views import searching


@remembered(by=search_parameters)
async def search(request: Request) -> Response:
    searched = await searching.run_in_loop(request)
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
    with session_scope(app_state(request).engine) as session:
        rows, total = catalogue.page_of(
            session, parsed.filters, parsed.modified_after, parsed.page, parsed.per_page
        )
        items = [listing.organisation_json(row) for row in rows]
    return JSONResponse(
        {"total": total, "page": parsed.page, "per_page": parsed.per_page, "organisations": items},
        headers={"X-Total-Count": str(total)},
    )


async def organisation(request: Request) -> JSONResponse:
    slug = request.path_params["slug"]
    found = await read_one(
        app_state(request).engine, lambda session: _organisation_json(session, slug)
    )
    return JSONResponse(found)


def _organisation_json(session: Session, slug: str) -> dict[str, Any]:
    found = catalogue.get(session, slug)
    if found is None:
        raise HTTPException(404, "No organisation has that address.")
    return listing.organisation_json(found)
