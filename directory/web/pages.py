"""HTML pages: parse the request, call a service, render a template."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from directory import catalogue
from directory.database import session_scope
from directory.search import SearchQuery
from directory.web import presenters
from directory.web.params import parse_search


def home(request: Request) -> Response:
    results = request.state.search.search(SearchQuery(per_page=1))
    return request.state.templates.TemplateResponse(
        request,
        "index.html",
        {"total": results.total, "browse": presenters.browse_groups(results)},
    )


def search(request: Request) -> Response:
    parsed = parse_search(request.query_params)
    query = parsed.query
    results = request.state.search.search(query)
    return request.state.templates.TemplateResponse(
        request,
        "search.html",
        {
            "query": query,
            "problems": parsed.problems,
            "total": results.total,
            "hits": [presenters.hit_card(hit) for hit in results.hits],
            "facets": presenters.facet_groups(query, results),
            "active_filters": presenters.active_filters(query),
            "pagination": presenters.pagination(query, results),
            "clear_url": presenters.search_url(SearchQuery(q=query.q)),
        },
    )


def organisation(request: Request) -> Response:
    with session_scope(request.state.engine) as session:
        found = catalogue.get(session, request.path_params["slug"])
        if found is None:
            raise HTTPException(404)
        page = presenters.organisation_page(found)
    return request.state.templates.TemplateResponse(
        request, "organisation.html", {"organisation": page}
    )
