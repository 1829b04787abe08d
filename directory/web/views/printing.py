"""Printable lists: the same search, every result, laid out to be posted to people inside."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from directory import activities, catalogue, vocab
from directory.database import read_one, session_scope
from directory.web.middleware.remembered import search_parameters
from directory.web.presenters import activities as activity_presenters
from directory.web.presenters import geography, printing
from directory.web.presenters import search as presenters
from directory.web.state import app_state
from directory.web.templating import render, route_path
from directory.web.views import searching
from directory.web.views.heavy import heavy_page

# The choices a printed list offers, as query parameters alongside the search's own.
ONLY = "only"
ONLY_WRITE = "write"  # only the groups people inside can write to
SIZE = "size"
LARGE = "large"  # large print: 18 pt body text


@dataclass(frozen=True)
class PrintChoices:
    only_write: bool = False
    large: bool = False

    @classmethod
    def of(cls, params: QueryParams) -> PrintChoices:
        """The choices asked for; any other value is the default, as a form would send."""
        return cls(only_write=params.get(ONLY) == ONLY_WRITE, large=params.get(SIZE) == LARGE)

    def params(self) -> dict[str, str]:
        """These choices as query parameters, leaving out the defaults."""
        return {
            **({ONLY: ONLY_WRITE} if self.only_write else {}),
            **({SIZE: LARGE} if self.large else {}),
        }


async def _what_is_printed(request: Request) -> Hashable | None:
    """The search, the choices, the index's state and the catalogue's version (the list
    shows each listing as the database has it), read before the list is made, and the day
    it prints."""
    state = app_state(request).search.state()
    shown = search_parameters(request.query_params)
    if state is None or shown is None:
        return None
    version = await read_one(app_state(request).engine, catalogue.version)
    held = await read_one(app_state(request).engine, activities.version)
    choices = PrintChoices.of(request.query_params)
    return (request.url.path, state, version, held, shown, choices, date.today())


@heavy_page(by=_what_is_printed)
def print_list(request: Request) -> Response:
    return _render(request, "print.html", "text/html")


@heavy_page(by=_what_is_printed)
def print_text(request: Request) -> Response:
    return _render(request, "print.txt", "text/plain")


def _render(request: Request, template: str, media_type: str) -> Response:
    searched, hits = searching.run_all(request)
    choices = PrintChoices.of(request.query_params)
    where = searched.results.where
    sections = (
        {hit.slug: geography.section_title(hit.served_as, where) for hit in hits}
        if where is not None
        else None
    )
    with session_scope(app_state(request).engine) as session:
        organisations = catalogue.get_many(session, [hit.slug for hit in hits])
        joined = activities.by_post_upcoming(session, [hit.slug for hit in hits])
        printed = printing.printed_list(
            organisations,
            only_write=choices.only_write,
            sections=sections,
            home_country=where.country if where is not None else None,
            by_post={
                slug: [activity_presenters.by_post_line(dated) for dated in held]
                for slug, held in joined.items()
            },
        )
    parsed = searched.parsed
    links = presenters.SearchLinks(parsed.query, parsed.near, parsed.radius_km)
    base_url = app_state(request).settings.base_url

    def this_list(path_name: str, changed: PrintChoices) -> str:
        return links.url(route_path(request, path_name), **changed.params())

    context = {
        "printed": printed,
        "large": choices.large,
        "only_write": choices.only_write,
        "truncated": len(organisations) < searched.results.total,
        "fetched": len(organisations),
        "total": searched.results.total,
        "description": describe(searched),
        "base_url": base_url,
        "search_url": links.url(),
        "online_url": base_url.rstrip("/") + links.url(),
        "standard_url": this_list("print", replace(choices, large=False)),
        "large_url": this_list("print", replace(choices, large=True)),
        "with_look_up_url": this_list("print", replace(choices, only_write=False)),
        "only_write_url": this_list("print", replace(choices, only_write=True)),
        "text_url": this_list("print_text", replace(choices, large=False)),
    }
    return render(request, template, context, media_type=media_type)


def describe(searched: searching.Searched) -> str:
    """What the list is of, in words: "books, in United Kingdom, within 50 km of Glasgow"."""
    query = searched.parsed.query
    parts = [f"matching “{query.q}”"] if query.q else []
    for field, values in query.filters.items():
        labels = " or ".join(vocab.label(field, value) for value in values)
        parts.append(f"{presenters.FACET_TITLES[field].lower()}: {labels}")
    where = searched.results.where
    if where is not None:
        parts.append(geography.list_scope(where))
    return "; ".join(parts) if parts else "every group in the directory"
