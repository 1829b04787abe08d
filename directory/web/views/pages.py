"""HTML pages: parse the request, call a service, render a template."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from directory import activities, catalogue, helplines
from directory.database import read_one
from directory.search import SearchQuery
from directory.search.understanding import Where
from directory.web import auth
from directory.web.middleware.remembered import (
    no_parameters,
    remembered,
    search_page_parameters,
)
from directory.web.params import RADIUS_CHOICES_KM, results_only
from directory.web.presenters import activities as activity_presenters
from directory.web.presenters import geography, listing
from directory.web.presenters import prisons as prison_presenters
from directory.web.presenters import search as presenters
from directory.web.state import app_state
from directory.web.templating import render, route_path
from directory.web.views import prisons as prison_views
from directory.web.views import searching
from directory.web.views.endpoints import NO_STORE

# National helplines a search that found nothing shows, at most.
HELPLINES_SHOWN = 8


@remembered(by=no_parameters)
async def home(request: Request) -> Response:
    results = await searching.results(app_state(request), SearchQuery(per_page=1))
    browse = presenters.browse_groups(results, route_path(request, "search"))
    context = {"total": results.total, "browse": browse, "ways_in": _ways_in(request)}
    return render(request, "index.html", context)


def _ways_in(request: Request) -> list[presenters.WayIn]:
    return presenters.ways_in(
        route_path(request, "search"), route_path(request, "print"), route_path(request, "submit")
    )


@remembered(by=search_page_parameters)
async def search(request: Request) -> Response:
    """The search page, or only its results region when static/search.js asks for that.

    One that found nothing shows the national helplines for families, read from the
    database: it is kept like any other (under the index's state), and since every change to
    the catalogue reaches the index, a change to a helpline makes it afresh as it does the
    results."""
    searched = await searching.run_in_loop(request)
    template = "_results.html" if results_only(request.query_params) else "search.html"
    context = _search_page(request, searched)
    if not searched.results.total:
        found = await read_one(app_state(request).engine, helplines.national)
        context["helplines"] = listing.helpline_cards(_for_place(searched, found))
        context["ways_in"] = _ways_in(request)
        context["need_words"] = presenters.needs(route_path(request, "search"))
    return render(request, template, context)


def _for_place(
    searched: searching.Searched, found: list[helplines.Helpline]
) -> list[helplines.Helpline]:
    """The helplines of the place searched near (or the countries filtered on) first."""
    place = searched.place
    if place is not None:
        near = (place.latitude, place.longitude)
        ordered = helplines.for_place(found, [place.country] if place.country else [], near)
    else:
        ordered = helplines.for_place(found, searched.parsed.query.filters.get("country", ()))
    return ordered[:HELPLINES_SHOWN]


def _prison_named(request: Request, where: Where | None) -> dict[str, Any] | None:
    """The prison a search names, to show first: how to write to someone there."""
    if where is None or where.prison is None:
        return None
    register = prison_views.register(request)
    prison = register.get(where.prison)
    if prison is None:
        return None
    return prison_presenters.search_box(prison, register.files_for(prison))


def _search_page(request: Request, searched: searching.Searched) -> dict[str, Any]:
    parsed, results = searched.parsed, searched.results
    query = parsed.query
    links = presenters.SearchLinks(
        query, parsed.near, parsed.radius_km, route_path(request, "search")
    )
    came_from = presenters.results_address(links)
    return {
        "query": query,
        "problems": parsed.problems,
        "near": parsed.near,
        "radius_km": parsed.radius_km,
        "radius_choices": RADIUS_CHOICES_KM,
        "place": searched.place.label if searched.place else None,
        "total": results.total,
        "hits": [presenters.hit_card(hit, came_from, results.where) for hit in results.hits],
        "where_sentence": geography.where_sentence(results.where),
        "word_notes": geography.word_notes(results, query.q),
        "prison": _prison_named(request, results.where),
        "facets": presenters.facet_groups(links, results),
        "active_filters": presenters.active_filters(links),
        "pagination": presenters.pagination(links, results),
        "clear_url": presenters.SearchLinks(SearchQuery(q=query.q), path=links.path).url(),
        "without_place_url": presenters.SearchLinks(query, path=links.path).url(),
        "without_filters_url": links.url(**{field: [] for field in query.filters}),
        "print_url": links.url(route_path(request, "print")),
        "print_text_url": links.url(route_path(request, "print_text")),
    }


async def organisation(request: Request) -> Response:
    slug = request.path_params["slug"]
    page = await read_one(
        app_state(request).engine, lambda session: _organisation_page(session, slug)
    )
    # A moderator is offered their page for the listing: this version is for them alone.
    signed_in = auth.may_be_signed_in(request)
    context = {
        "organisation": page,
        "signed_in": signed_in,
        # Opened from search results (`from`), it leads back to them. Such an address is
        # another page than the listing's own, which the canonical link names.
        "back_to_results": presenters.back_to_results(
            request.query_params, route_path(request, "search")
        ),
        "canonical_path": route_path(request, "organisation", slug=slug),
    }
    return render(request, "organisation.html", context, headers=NO_STORE if signed_in else None)


def _organisation_page(session: Session, slug: str) -> dict[str, Any]:
    found = catalogue.get(session, slug)
    if found is None:
        raise HTTPException(404)
    held = activities.arrange(activities.for_listing(session, slug), datetime.now(UTC))
    return listing.organisation_page(found, activity_presenters.cards(held, {slug: found.name}))
