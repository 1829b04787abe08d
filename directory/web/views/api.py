"""The JSON API: the same searches and records the pages show."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from directory import catalogue
from directory.database import read_one
from directory.web.middleware.remembered import remembered, search_parameters
from directory.web.presenters import listing
from directory.web.presenters import search as presenters
from directory.web.state import app_state
from directory.web.views import searching
from directory.web.views.paging import organisations_page


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
    found = organisations_page(request, listing.organisation_json)
    if isinstance(found, JSONResponse):
        return found
    return JSONResponse(
        {
            "total": found.total,
            "page": found.page,
            "per_page": found.per_page,
            "organisations": found.items,
        },
        headers={"X-Total-Count": str(found.total)},
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
