"""Printable lists: the same search, every result, laid out to be posted to people inside."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from itertools import groupby
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from directory import catalogue, vocab
from directory.database import read_one, session_scope
from directory.models import Organisation
from directory.web.middleware.remembered import search_parameters
from directory.web.presenters import listing
from directory.web.presenters import search as presenters
from directory.web.state import app_state
from directory.web.templating import render
from directory.web.views import searching
from directory.web.views.heavy import heavy_page

_KIND_ORDER = {kind: index for index, kind in enumerate(vocab.KINDS)}


async def _what_is_printed(request: Request) -> Hashable | None:
    """The search, the index's state and the catalogue's version (the list shows each
    listing as the database has it), read before the list is made, and the day it prints."""
    state = app_state(request).search.state()
    shown = search_parameters(request.query_params)
    if state is None or shown is None:
        return None
    version = await read_one(app_state(request).engine, catalogue.version)
    return (request.url.path, state, version, shown, date.today())


@heavy_page(by=_what_is_printed)
def print_list(request: Request) -> Response:
    return _render(request, "print.html", "text/html")


@heavy_page(by=_what_is_printed)
def print_text(request: Request) -> Response:
    return _render(request, "print.txt", "text/plain")


def _render(request: Request, template: str, media_type: str) -> Response:
    searched, slugs = searching.run_all(request)
    with session_scope(app_state(request).engine) as session:
        organisations = catalogue.get_many(session, slugs)
        context = {
            "groups": groups(organisations),
            "count": len(organisations),
            "total": searched.results.total,
            "description": describe(searched),
            "base_url": app_state(request).settings.base_url,
            "search_url": presenters.SearchLinks(
                searched.parsed.query, searched.parsed.near, searched.parsed.radius_km
            ).url(),
        }
    return render(request, template, context, media_type=media_type)


def groups(organisations: list[Organisation]) -> list[dict[str, Any]]:
    """By country, then kind of group. Within each, addresses people inside may write to first."""

    def country_key(o: Organisation) -> tuple[bool, str]:
        return (o.country == vocab.INTERNATIONAL, vocab.country_name(o.country))

    ordered = sorted(organisations, key=country_key)
    result = []
    for (_, country), in_country in groupby(ordered, key=country_key):
        by_kind = sorted(in_country, key=lambda o: (_KIND_ORDER.get(o.kind, 99), o.kind))
        kinds = []
        for kind, members in groupby(by_kind, key=lambda o: o.kind):
            listed = sorted(
                members,
                key=lambda o: (not o.postal_address_accepts_prisoner_mail, o.name.casefold()),
            )
            kinds.append(
                {
                    "label": vocab.KINDS.get(kind, kind),
                    "organisations": [_entry(o) for o in listed],
                }
            )
        result.append({"country": country, "kinds": kinds})
    return result


def describe(searched: searching.Searched) -> str:
    """What the list is of, in words: "books, in United Kingdom, within 50 km of Glasgow"."""
    query = searched.parsed.query
    parts = [f"matching “{query.q}”"] if query.q else []
    for field, values in query.filters.items():
        labels = " or ".join(vocab.label(field, value) for value in values)
        parts.append(f"{presenters.FACET_TITLES[field].lower()}: {labels}")
    if searched.place is not None:
        parts.append(f"within {searched.parsed.radius_km} km of {searched.place.label}")
    return "; ".join(parts) if parts else "every group in the directory"


def _entry(organisation: Organisation) -> dict[str, Any]:
    page = listing.organisation_page(organisation)
    return {
        "name": page["name"],
        "place": page["place"],
        "description": page["description"],
        "services": ", ".join(page["service_labels"]),
        "website": page["website"],
        "email": page["email"],
        "postal_address": page["postal_address"],
        "accepts_prisoner_mail": page["postal_address_accepts_prisoner_mail"],
        "postal_address_note": page["postal_address_note"],
        "status": page["status_label"] if page["status"] != "active" else None,
        "verified_on": page["verified_on"],
    }
