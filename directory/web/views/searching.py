"""The search step shared by the search page and the API: parameters, place, results."""

from __future__ import annotations

from dataclasses import dataclass, replace

from anyio import to_thread
from starlette.requests import Request

from directory import places
from directory.search import MAX_PER_PAGE, Hit, SearchQuery, SearchResults
from directory.search.understanding import near_place
from directory.web.params import ParsedSearch, parse_search
from directory.web.state import AppState, app_state


@dataclass
class Searched:
    parsed: ParsedSearch
    results: SearchResults
    place: places.Place | None


def run(request: Request) -> Searched:
    """Parse the query string, find the place if one is asked for, and search."""
    return _search(app_state(request), parse_search(request.query_params))


async def run_in_loop(request: Request) -> Searched:
    """As run(), for async endpoints: a query asked recently is answered from memory at once;
    any other is searched in a worker thread, since that may read the index from disk or ask
    Meilisearch over the network, and the event loop must not wait on either. A few threads
    at a time: a search is mostly work for the one interpreter, and each thread keeps its
    own connections to the index and the gazetteer, with their page caches."""
    parsed = parse_search(request.query_params)
    if not parsed.near:
        return Searched(parsed, await results(app_state(request), parsed.query), None)
    state = app_state(request)
    return await to_thread.run_sync(_search, state, parsed, limiter=state.searchers)


async def results(state: AppState, query: SearchQuery) -> SearchResults:
    """The results of a query, from memory if it was asked recently, else from a worker."""
    found = state.search.cached(query)
    if found is None:
        found = await to_thread.run_sync(state.search.search, query, limiter=state.searchers)
    return found


def _search(state: AppState, parsed: ParsedSearch) -> Searched:
    place = None
    if parsed.near:
        gazetteer = state.settings.gazetteer_path
        assert gazetteer is not None  # Settings fills it in from the data directory
        place = places.resolve(gazetteer, parsed.near)
        if place is None:
            parsed.problems["near"] = (
                f"We could not find a place called “{parsed.near}”. Try the name of a town or "
                "city, perhaps with its country (“Portland, US”), or search without a place."
            )
        else:
            radius = float(parsed.radius_km)
            near = (place.latitude, place.longitude, radius)
            parsed.query = replace(parsed.query, near=near, where=near_place(place, radius))
    return Searched(parsed, state.search.search(parsed.query), place)


PRINT_LIMIT = 1000


def run_all(request: Request, limit: int = PRINT_LIMIT) -> tuple[Searched, list[Hit]]:
    """The same search, every page of it up to `limit` results: for printed lists."""
    searched = run(request)
    query = replace(searched.parsed.query, page=1, per_page=MAX_PER_PAGE)
    hits: list[Hit] = []
    while len(hits) < limit:
        results = app_state(request).search.search(query)
        hits += results.hits
        if query.page >= results.pages:
            break
        query = replace(query, page=query.page + 1)
    return searched, hits[:limit]
