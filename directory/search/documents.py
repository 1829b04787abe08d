"""Turn an organisation into the document every search index stores."""

from __future__ import annotations

from directory import vocab
from directory.models import Organisation
from directory.search.interface import Document


def build(organisation: Organisation) -> Document:
    """The searchable, filterable and displayable fields of one organisation."""
    country_name = vocab.country_name(organisation.country)
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
        "place_text": " ".join(
            part
            for part in [organisation.city, organisation.region, country_name]
            + [vocab.area_name(code) for code in organisation.areas_served]
            + [organisation.areas_served_note]
            + list(organisation.prisons_served)
            if part
        ),
        "tags_text": " ".join(
            [vocab.KINDS.get(organisation.kind, organisation.kind)]
            + [vocab.FOCUS.get(tag, tag) for tag in organisation.focus]
            + [vocab.SERVICES.get(tag, tag) for tag in organisation.services]
        ),
    }


def facet_values(document: Document) -> list[tuple[str, str]]:
    """(field, value) pairs a document is counted and filtered under."""
    pairs = [("kind", document["kind"]), ("country", document["country"])]
    pairs += [("focus", value) for value in document["focus"]]
    pairs += [("service", value) for value in document["services"]]
    return pairs
