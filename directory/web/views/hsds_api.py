"""The Open Referral HSDS 3.0 API: organizations, paginated as HSDS APIs are."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from directory import activities, catalogue
from directory.database import session_scope
from directory.opendata import hsds
from directory.web.state import app_state
from directory.web.views.paging import organisations_page


def organizations(request: Request) -> JSONResponse:
    with session_scope(app_state(request).engine) as session:
        held = activities.by_listing(session)
    found = organisations_page(request, lambda row: hsds.organization(row, held.get(row.slug, [])))
    if isinstance(found, JSONResponse):
        return found
    return JSONResponse(hsds.page(found.items, found.page, found.per_page, found.total))


def organization(request: Request) -> JSONResponse:
    with session_scope(app_state(request).engine) as session:
        slug = hsds.slug_for_id(catalogue.slugs(session), request.path_params["id"])
        found = catalogue.get(session, slug) if slug else None
        if found is None:
            raise HTTPException(404, "No organization has that id.")
        return JSONResponse(hsds.organization(found, activities.for_listing(session, found.slug)))
