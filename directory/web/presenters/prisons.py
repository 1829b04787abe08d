"""Prisons as finished data: the browse list, one prison's page with the groups that serve
it, and their JSON. No I/O here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from directory import vocab
from directory.prison_groups import LOCAL_RADIUS_KM, Group, PrisonGroups
from directory.prisons import Prison, Register, RegisterFile
from directory.web.formatting import distance, partial_date
from directory.web.presenters.printing import summary
from directory.web.presenters.search import place

VISITORS_TITLE = "Visitors' centre and family service at this prison"


def source(url: str, dated: str | None = None) -> dict[str, Any]:
    """Where a fact is stated, as a page names it: the site's host (and the dataset's
    repository, when it is one on GitHub), and the source's date."""
    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    if host == "github.com" and parts.path.strip("/"):
        host = f"{host}/{parts.path.strip('/')}"
    return {"url": url, "host": host, "date": dated}


def register_json(file: RegisterFile) -> dict[str, Any]:
    return {
        "title": file.title,
        "licence": file.licence,
        "attribution": file.attribution,
        "source": file.source,
        "source_date": file.source_date,
    }


def prison_json(prison: Prison, files: Iterable[RegisterFile], url: str) -> dict[str, Any]:
    """A prison as GET /api/prisons/{slug} gives it, with the registers it comes from."""
    return {
        "slug": prison.slug,
        "name": prison.name,
        "other_names": list(prison.other_names),
        "status": prison.status,
        "opened": prison.opened,
        "closed": prison.closed,
        "operator": prison.operator,
        "jurisdiction": prison.jurisdiction,
        "country": prison.country,
        "area": prison.area,
        "town": prison.town,
        "latitude": prison.latitude,
        "longitude": prison.longitude,
        "population": prison.population,
        "address": prison.address,
        "letter_instructions": prison.letter_instructions,
        "visitors_centre": prison.visitors_centre,
        "notes": prison.notes,
        "sources": list(prison.sources),
        "registers": [register_json(file) for file in files],
        "url": url,
    }


def browse_page(register: Register, q: str) -> dict[str, Any]:
    """/prisons: every jurisdiction's prisons, or those a search finds."""
    titles = {j.code: j.title for j in register.jurisdictions()}
    found = register.search(q) if q else None
    return {
        "q": q,
        "results": None if found is None else [_row(p, register, titles) for p in found],
        "total": len(register.all()),
        "jurisdictions": [
            {
                "code": jurisdiction.code,
                "title": jurisdiction.title,
                "open": [_row(p, register, titles) for p in jurisdiction.prisons if p.is_open],
                "closed": [
                    _row(p, register, titles) for p in jurisdiction.prisons if not p.is_open
                ],
                "registers": [_register(file) for file in jurisdiction.files],
            }
            for jurisdiction in register.jurisdictions()
        ],
    }


def _row(prison: Prison, register: Register, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "slug": prison.slug,
        "name": prison.name,
        "town": prison.town,
        "jurisdiction": titles.get(prison.jurisdiction, prison.jurisdiction),
        "status": prison.status,
        "closed": partial_date(prison.closed),
        "source": _first_source(prison, register.files_for(prison)),
    }


def _register(file: RegisterFile) -> dict[str, Any]:
    return {
        "title": file.title,
        "licence": file.licence,
        "attribution": file.attribution,
        "source": source(file.source, partial_date(file.source_date)) if file.source else None,
        "checked_on": partial_date(file.checked_on),
    }


def _cited(prison: Prison, fact: str, files: Iterable[RegisterFile]) -> dict[str, Any]:
    """The source of one fact of a prison, with its date: as cited, else its first source."""
    citation = prison.cited(fact)
    if citation is None:
        return _first_source(prison, files)
    return source(citation[0], partial_date(citation[1]))


def _first_source(prison: Prison, files: Iterable[RegisterFile]) -> dict[str, Any]:
    """A prison's first source, dated when it is a dataset a register file was made from."""
    url = prison.sources[0]
    dated = next((f.source_date for f in files if f.source == url), None)
    return source(url, partial_date(dated))


def search_box(prison: Prison, files: Iterable[RegisterFile]) -> dict[str, Any]:
    """A prison named in a search, shown before the groups: how to write to someone there."""
    files = tuple(files)
    return {
        "slug": prison.slug,
        "name": prison.name,
        "is_open": prison.is_open,
        "closed": partial_date(prison.closed),
        "town": prison.town,
        "address": prison.address,
        "letter_instructions": prison.letter_instructions,
        "letter_source": _cited(prison, "address", files),
        "instructions_source": _cited(prison, "letter_instructions", files),
        "visitors_centre": prison.visitors_centre,
    }


def prison_page(
    prison: Prison, files: Iterable[RegisterFile], groups: PrisonGroups | None
) -> dict[str, Any]:
    """One prison's page: how to write to someone there, then the groups that serve it."""
    files = tuple(files)
    area = vocab.area_name(prison.area)
    return {
        "slug": prison.slug,
        "name": prison.name,
        "other_names": list(prison.other_names),
        "is_open": prison.is_open,
        "closed": partial_date(prison.closed),
        "facts": _facts(prison, files),
        "address": prison.address,
        "letter_instructions": prison.letter_instructions,
        "letter_source": _cited(prison, "address", files),
        "instructions_source": _cited(prison, "letter_instructions", files),
        "visitors_centre": prison.visitors_centre,
        "visitors_source": _cited(prison, "visitors_centre", files)
        if prison.visitors_centre
        else None,
        "notes": prison.notes,
        "sections": _sections(prison, groups) if groups is not None else [],
        "town": prison.town,
        # For a search near the prison: its coordinates, as a town's name may be another's.
        "near": f"{prison.latitude},{prison.longitude}" if prison.latitude is not None else None,
        "area": area,
        "sources": [source(url)["url"] for url in prison.sources],
        "registers": [_register(file) for file in files],
    }


def _facts(prison: Prison, files: tuple[RegisterFile, ...]) -> list[tuple[str, str]]:
    parts = (prison.town, vocab.area_name(prison.area), vocab.country_name(prison.country))
    facts = [
        ("Where", ", ".join(dict.fromkeys(part for part in parts if part))),
        ("Prison system", files[0].title if files else prison.jurisdiction),
        ("Run by", prison.operator),
        ("Who is held", prison.population),
        ("Opened", partial_date(prison.opened)),
        ("Closed", partial_date(prison.closed)),
    ]
    return [(label, value) for label, value in facts if value]


def _sections(prison: Prison, groups: PrisonGroups) -> list[dict[str, Any]]:
    """The sections of groups, each with what it holds; the visitors' centre always, to say
    so when we know of none."""
    sections = [
        {
            "id": "visitors",
            "title": VISITORS_TITLE,
            "intro": None,
            "empty": "We do not know of a visitors' centre or family service listed for this "
            "prison.",
            "groups": [_card(group) for group in groups.visitors],
            "kinds": [],
        }
    ]
    if prison.latitude is not None:
        sections.append(
            {
                "id": "local",
                "title": "Local groups",
                "intro": f"Within {LOCAL_RADIUS_KM} km of "
                f"{prison.town or 'the prison'}, nearest first.",
                "empty": f"No group within {LOCAL_RADIUS_KM} km is listed.",
                "groups": [_card(group, with_distance=True) for group in groups.local],
                "kinds": [],
            }
        )
    if groups.area:
        area = vocab.area_name(prison.area)
        sections.append(
            {
                "id": "area",
                "title": f"Groups across {area}",
                "intro": f"Groups that work across {area}.",
                "empty": None,
                "groups": [_card(group) for group in groups.area],
                "kinds": [],
            }
        )
    if groups.national:
        country = vocab.country_name(prison.country)
        sections.append(
            {
                "id": "national",
                "title": f"National groups in {country}",
                "intro": f"Groups that work across {country}, by kind.",
                "empty": None,
                "groups": [],
                "kinds": [
                    {
                        "id": f"national-{kind}",
                        "title": vocab.KINDS.get(kind, kind),
                        "groups": [_card(group) for group in found],
                    }
                    for kind, found in groups.national
                ],
            }
        )
    return sections


def _card(group: Group, *, with_distance: bool = False) -> dict[str, Any]:
    organisation = group.organisation
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "kind_label": vocab.KINDS.get(organisation.kind, organisation.kind),
        "place": place(organisation.city, organisation.region, organisation.country),
        "distance": distance(group.distance_km) if with_distance else None,
        "status": organisation.status,
        "status_label": vocab.STATUSES.get(organisation.status, organisation.status),
        "summary": summary(organisation.description),
    }
