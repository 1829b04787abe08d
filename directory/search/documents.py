"""Turn an organisation into the document every search index stores."""

from __future__ import annotations

from directory import vocab
from directory.models import Organisation
from directory.search import text
from directory.search.interface import Document


def build(organisation: Organisation) -> Document:
    """The searchable, filterable and displayable fields of one organisation."""
    country_name = vocab.country_name(organisation.country)
    place_text = " ".join(
        part
        for part in [organisation.city, organisation.region, country_name]
        + [vocab.area_name(code) for code in organisation.areas_served]
        + [organisation.areas_served_note]
        + list(organisation.prisons_served)
        if part
    )
    tags_text = " ".join(
        [vocab.KINDS.get(organisation.kind, organisation.kind)]
        + [vocab.FOCUS.get(tag, tag) for tag in organisation.focus]
        + [vocab.SERVICES.get(tag, tag) for tag in organisation.services]
    )
    other_names = " ".join(organisation.alternate_names)
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "alternate_names": list(organisation.alternate_names),
        "kind": organisation.kind,
        "description": organisation.description,
        "focus": list(organisation.focus),
        "services": list(organisation.services),
        "country": organisation.country,
        "region": organisation.region,
        "city": organisation.city,
        "areas_served": list(organisation.areas_served),
        "url": organisation.website,
        "status": organisation.status,
        "latitude": organisation.latitude,
        "longitude": organisation.longitude,
        # Labels make the vocabulary searchable in words people type ("books", "LGBTQ+").
        "place_text": place_text,
        "tags_text": tags_text,
        # Where the group helps, as codes a search near a place or a prison is answered
        # from: the areas it serves ("nationwide" as its own country), where it is based,
        # and the prisons it names, normalised as queries are.
        "serves": served_codes(organisation.areas_served, organisation.country),
        "located": located_codes(organisation.country, organisation.region),
        "prisons": sorted({text.normalised(name) for name in organisation.prisons_served} - {""}),
        # Stems, so "sends" finds "send" and "visit" finds "visiting" (English first).
        "stems_name": text.stems(organisation.name),
        "stems_meta": text.stems(f"{other_names} {place_text} {tags_text}"),
        "stems_text": text.stems(organisation.description),
    }


def served_codes(areas_served: list[str], country: str) -> list[str]:
    """The areas a group serves, with "nationwide" read as its own country."""
    codes = {
        country if code == vocab.NATIONWIDE and vocab.is_country(country) else code
        for code in areas_served
    }
    return sorted(codes - {vocab.NATIONWIDE})


def located_codes(country: str, region: str | None) -> list[str]:
    """Where a group is based: its country, and its nation, state or province when its region
    names one ("Scotland", "Texas")."""
    codes = [country]
    area = vocab.area_code(region) if region else None
    if area and "-" in area and area.startswith(country + "-"):
        codes.append(area)
    return codes


def facet_values(document: Document) -> list[tuple[str, str]]:
    """(field, value) pairs a document is counted and filtered under."""
    pairs = [("kind", document["kind"]), ("country", document["country"])]
    pairs += [("focus", value) for value in document["focus"]]
    pairs += [("service", value) for value in document["services"]]
    # Not offered as facets: what geography and ranking select by.
    pairs += [("serves", value) for value in document["serves"]]
    pairs += [("located", value) for value in document["located"]]
    pairs += [("prison", value) for value in document["prisons"]]
    pairs.append(("status", document["status"]))
    return pairs
