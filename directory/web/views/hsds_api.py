"""The Open Referral HSDS 3.0 API: organizations, paginated as HSDS APIs are."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from directory import catalogue
from directory.database import session_scope
from directory.opendata import hsds
from directory.web.params import parse_listing
from directory.web.state import app_state


def organizations(request: Request) -> JSONResponse:
    parsed = parse_listing(request.query_params)
    if parsed.problems:
        return JSONResponse({"error": "invalid parameters", "fields": parsed.problems}, 400)
    with session_scope(app_state(request).engine) as session:
        rows, total = catalogue.page_of(
            session, parsed.filters, parsed.modified_after, parsed.page, parsed.per_page
        )
        contents = [hsds.organization(row) for row in rows]
    return JSONResponse(hsds.page(contents, parsed.page, parsed.per_page, total))


def organization(request: Request) -> JSONResponse:
    with session_scope(app_state(request).engine) as session:
        slug = hsds.slug_for_id(catalogue.slugs(session), request.path_params["id"])
        found = catalogue.get(session, slug) if slug else None
        if found is None:
            raise HTTPException(404, "No organization has that id.")
        return JSONResponse(hsds.organization(found))
