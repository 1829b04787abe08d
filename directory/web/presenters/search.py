"""Turn service results into finished data for templates and JSON. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from directory import vocab
from directory.places import Place
from directory.search import DEFAULT_PER_PAGE, SearchQuery, SearchResults
from directory.search.interface import HIT_FIELDS, OPTIONAL_HIT_FIELDS, Hit
from directory.search.understanding import Where
from directory.web.formatting import distance
from directory.web.params import DEFAULT_RADIUS_KM, FROM, came_from
from directory.web.presenters import geography

FACET_TITLES = {
    "kind": "Kind of group",
    "country": "Country",
    "focus": "Who they support",
    "service": "What they offer",
}


@dataclass(frozen=True)
class SearchLinks:
    """Builds /search URLs for the current search with some parameters changed."""

    query: SearchQuery
    near: str = ""
    radius_km: int = DEFAULT_RADIUS_KM
    # The search page's path, from the route table where a request is at hand.
    path: str = "/search"

    def url(self, path: str = "", /, **changes: Any) -> str:
        """This search at `path` (the search page's by default). The page number resets to 1
        unless given."""
        params: dict[str, Any] = {
            "q": self.query.q,
            **{k: list(v) for k, v in self.query.filters.items()},
            "near": self.near,
        }
        if self.near and self.radius_km != DEFAULT_RADIUS_KM:
            params["radius_km"] = self.radius_km
        if self.query.per_page != DEFAULT_PER_PAGE:
            params["per_page"] = self.query.per_page
        params["page"] = 1
        params.update(changes)
        pairs = [
            (key, value)
            for key, values in params.items()
            for value in (values if isinstance(values, list) else [values])
            if value not in ("", None) and not (key == "page" and value == 1)
        ]
        return (path or self.path) + ("?" + urlencode(pairs) if pairs else "")


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet: a link that adds it to the filters, or takes it out."""

    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass(frozen=True, slots=True)
class FacetGroup:
    field: str
    title: str
    values: list[FacetValue]
    active: bool  # some value of it is among the filters


def facet_groups(links: SearchLinks, results: SearchResults) -> list[FacetGroup]:
    """Facets as toggle links: each value's link adds it to, or removes it from, the filters."""
    groups = []
    for field in vocab.FACET_FIELDS:
        selected = list(links.query.filters.get(field, ()))
        counts = results.facets.get(field, {})
        values = []
        for value in dict.fromkeys(selected + list(counts)):
            chosen = value in selected
            toggled = [v for v in selected if v != value] if chosen else selected + [value]
            values.append(
                FacetValue(
                    value=value,
                    label=vocab.label(field, value),
                    count=counts.get(value, 0),
                    selected=chosen,
                    url=links.url(**{field: toggled}),
                )
            )
        groups.append(FacetGroup(field, FACET_TITLES[field], values, active=bool(selected)))
    return groups


@dataclass(frozen=True, slots=True)
class FilterChip:
    """A filter in use, as a link that removes it."""

    label: str
    field_title: str
    url: str


def active_filters(links: SearchLinks) -> list[FilterChip]:
    chips = []
    for field, values in links.query.filters.items():
        for value in values:
            rest = [v for v in values if v != value]
            chips.append(
                FilterChip(
                    vocab.label(field, value), FACET_TITLES[field], links.url(**{field: rest})
                )
            )
    return chips


@dataclass(frozen=True, slots=True)
class Pagination:
    page: int
    pages: int
    previous: str | None  # the previous page's URL, on every page but the first
    next: str | None  # the next page's URL, on every page but the last
    first_shown: int  # the number of the first result on this page (0 when it has none)
    last_shown: int
    last: str  # the last page's URL: where a page past the end sends people


def pagination(links: SearchLinks, results: SearchResults) -> Pagination:
    query = links.query
    return Pagination(
        page=query.page,
        pages=results.pages,
        previous=links.url(page=query.page - 1) if query.page > 1 else None,
        next=links.url(page=query.page + 1) if query.page < results.pages else None,
        first_shown=query.offset + 1 if results.hits else 0,
        last_shown=query.offset + len(results.hits),
        last=links.url(page=max(results.pages, 1)),
    )


@dataclass(frozen=True, slots=True)
class HitCard:
    """What a result card shows of one hit."""

    slug: str
    # HTML built from escaped text, with <mark> around matched words: safe to render as is.
    highlight: dict[str, str]
    kind_label: str
    place: str
    distance: str | None
    status: str
    status_label: str
    focus_labels: list[str]
    # Why a group is offered for the place searched ("Works across Scotland"), if one was.
    serves: str | None = None
    # Added to the listing's link, so that its page links back to these results: "?from=...".
    from_query: str = ""


def hit_card(hit: Hit, came_from: str = "", where: Where | None = None) -> HitCard:
    """A hit as its card shows it; with `came_from` (the search's query string, as
    results_address gives it), its link lets the listing's page lead back to the results;
    with `where` (a place searched), why the group is offered for it."""
    return HitCard(
        slug=hit.slug,
        highlight=hit.highlight,
        kind_label=vocab.KINDS.get(hit.kind, hit.kind),
        place=place(hit.city, hit.region, hit.country),
        distance=distance(hit.distance_km),
        status=hit.status,
        status_label=vocab.STATUSES.get(hit.status, hit.status),
        focus_labels=[vocab.FOCUS.get(tag, tag) for tag in hit.focus],
        serves=geography.served_label(hit, where),
        from_query="?" + urlencode({FROM: came_from}) if came_from else "",
    )


def results_address(links: SearchLinks) -> str:
    """This search's query string, its page included: what result links carry in `from`.
    The search of everything has none, so it says its page."""
    return links.url(page=links.query.page).partition("?")[2] or f"page={links.query.page}"


def back_to_results(params: QueryParams, search_path: str = "/search") -> str | None:
    """The address of the results a listing was opened from, made afresh from the search
    its `from` parameter names (never the text sent); None if it names none."""
    parsed = came_from(params)
    if parsed is None:
        return None
    links = SearchLinks(parsed.query, parsed.near, parsed.radius_km, search_path)
    return links.url(page=parsed.query.page)


def place(city: str | None, region: str | None, country: str) -> str:
    return ", ".join(part for part in (city, region, vocab.country_name(country)) if part)


class SearchJson(TypedDict):
    """What GET /api/search answers."""

    query: dict[str, Any]
    total: int
    page: int
    per_page: int
    hits: list[dict[str, Any]]
    facets: dict[str, dict[str, int]]
    understood: dict[str, Any]


def hit_json(hit: Hit) -> dict[str, Any]:
    """The hit's fields in the Hit's order; an optional one only when it is set."""
    data = {
        name: getattr(hit, name)
        for name in HIT_FIELDS
        if name not in OPTIONAL_HIT_FIELDS or getattr(hit, name) is not None
    }
    if hit.distance_km is not None:
        data["distance_km"] = round(hit.distance_km, 1)
    return data


def search_json(
    query: SearchQuery, results: SearchResults, place: Place | None = None, radius_km: int = 0
) -> SearchJson:
    echoed: dict[str, Any] = {"q": query.q, **{k: list(v) for k, v in query.filters.items()}}
    if place is not None:
        echoed["near"] = {
            "place": place.label,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "radius_km": radius_km,
        }
    return {
        "query": echoed,
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "hits": [hit_json(hit) for hit in results.hits],
        "facets": results.facets,
        "understood": geography.understood_json(results),
    }


@dataclass(frozen=True, slots=True)
class BrowseLink:
    label: str
    count: int
    url: str


@dataclass(frozen=True, slots=True)
class BrowseGroup:
    field: str
    title: str
    values: list[BrowseLink]


def browse_groups(results: SearchResults, search_path: str = "/search") -> list[BrowseGroup]:
    """The home page's browse lists: each facet's values with counts, linking to a search."""
    empty = SearchLinks(SearchQuery(), path=search_path)
    return [
        BrowseGroup(
            field=field,
            title=FACET_TITLES[field],
            values=[
                BrowseLink(vocab.label(field, value), count, empty.url(**{field: [value]}))
                for value, count in sorted(
                    results.facets.get(field, {}).items(),
                    key=lambda item: vocab.label(field, item[0]),
                )
            ],
        )
        for field in ("kind", "country", "focus")
    ]


@dataclass(frozen=True, slots=True)
class WayIn:
    """A situation someone may be in, and the search (or page) that helps with it."""

    title: str
    text: str
    url: str


def ways_in(search_path: str, print_path: str, submit_path: str) -> list[WayIn]:
    """The home page's ways in, for people who do not know what to search for."""
    empty = SearchLinks(SearchQuery(), path=search_path)
    return [
        WayIn(
            "Someone I love is in prison",
            "Help for families: helplines, visitors' centres, advice and support.",
            empty.url(focus=["families"]),
        ),
        WayIn(
            "I want to write to a prisoner",
            "Letter-writing nights and pen-pal projects.",
            empty.url(service=["letter-writing", "pen-pals"]),
        ),
        WayIn(
            "I want to send books",
            "Books-to-prisoners projects, and the prisons they send to.",
            empty.url(kind=["books-to-prisoners"]),
        ),
        WayIn(
            "I am inside, or writing for someone inside",
            "A list to print and post: the groups people in prison can write to, with their "
            "addresses.",
            f"{print_path}?only=write",
        ),
        WayIn(
            "I am part of a group",
            "Add your group to the directory, or correct its listing.",
            submit_path,
        ),
    ]


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    url: str


# What a search that found nothing suggests typing instead of a name.
NEEDS = ("books", "letters", "families", "legal")


def needs(search_path: str = "/search") -> list[Suggestion]:
    """Searches for what people need, for a search that found nothing to suggest."""
    return [
        Suggestion(word, SearchLinks(SearchQuery(q=word), path=search_path).url()) for word in NEEDS
    ]
