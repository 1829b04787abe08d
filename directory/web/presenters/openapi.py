"""The OpenAPI 3.1 description of the JSON API, and the endpoint list /api shows from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import TypeAdapter

from directory import prisons, vocab
from directory.records import FIELDS, PUBLIC_FIELDS
from directory.search import DEFAULT_PER_PAGE, MAX_PER_PAGE
from directory.search.interface import HIT_FIELDS, OPTIONAL_HIT_FIELDS, Hit
from directory.web.params import DEFAULT_RADIUS_KM, MAX_PAGE, MAX_RADIUS_KM
from directory.web.presenters import openapi_activities

# Every parameter may be sent empty, as a form's empty field is, and is then as if left out:
# no filter, or the default. allowEmptyValue says so (OpenAPI 3.1, "Parameter Object").


def _enum_param(name: str, values: Iterable[str], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{description} Repeat, or separate with commas, for OR. Empty: no filter.",
        "allowEmptyValue": True,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": {"type": "string", "enum": list(values)}},
    }


def _int_param(
    name: str, description: str, minimum: int, maximum: int, default: int
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{description} Empty: {default}.",
        "allowEmptyValue": True,
        "schema": {"type": "integer", "minimum": minimum, "maximum": maximum, "default": default},
    }


FILTERS = [
    _enum_param("kind", vocab.KINDS, "Kind of group."),
    _enum_param(
        "country", vocab.COUNTRY_CODES, "ISO 3166-1 alpha-2 code (any case), or `international`."
    ),
    _enum_param("focus", vocab.FOCUS, "Who the group supports."),
    _enum_param("service", vocab.SERVICES, "What the group offers."),
]
# Listed on /api by the standard's name rather than value by value.
_STANDARD_CODES = {"country"}
MODIFIED_AFTER = {
    "name": "modified_after",
    "in": "query",
    "required": False,
    "description": "Only listings changed after this moment: an ISO 8601 date or date-time "
    "(UTC unless it says otherwise), in the years 1 to 9999 once in UTC. Empty: no filter.",
    "allowEmptyValue": True,
    "schema": {
        "type": "string",
        "anyOf": [{"format": "date-time"}, {"format": "date"}],
    },
}
PAGING = [
    _int_param("page", "Page number, from 1.", 1, MAX_PAGE, 1),
    _int_param("per_page", "Results per page.", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE),
]
ERROR = {
    "description": "Invalid parameters, each with a message.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def document(base_url: str) -> dict[str, Any]:
    """The API's OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Prisoner Support Directory API",
            "version": "1",
            "description": "Search and read the directory's public listings. No key needed.",
            "license": {"name": "Open data; see the site for terms", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search listings, ranked, with facet counts",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "description": "Words to search for; typos are forgiven.",
                            "schema": {"type": "string", "maxLength": 500},
                        },
                        *FILTERS,
                        {
                            "name": "near",
                            "in": "query",
                            "required": False,
                            "description": "A town or city, such as Glasgow, or lat,lng. "
                            "A place the directory does not know is refused (400).",
                            "schema": {"type": "string", "maxLength": 100},
                        },
                        _int_param(
                            "radius_km",
                            "Distance from `near`, in km.",
                            1,
                            MAX_RADIUS_KM,
                            DEFAULT_RADIUS_KM,
                        ),
                        *PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "Results",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SearchResults"}
                                }
                            },
                        },
                        "400": ERROR,
                    },
                }
            },
            "/api/organisations": {
                "get": {
                    "operationId": "listOrganisations",
                    "summary": "Every listing, page by page, in slug order",
                    "parameters": [
                        *FILTERS,
                        MODIFIED_AFTER,
                        *PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of listings; X-Total-Count gives the total.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/OrganisationPage"}
                                }
                            },
                        },
                        "400": ERROR,
                    },
                }
            },
            "/api/organisations/{slug}": {
                "get": {
                    "operationId": "getOrganisation",
                    "summary": "One listing",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The listing",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Organisation"}
                                }
                            },
                        },
                        "404": {
                            "description": "No such listing",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    },
                }
            },
            "/api/prisons": {
                "get": {
                    "operationId": "listPrisons",
                    "summary": "Prisons of the prison register, page by page; or those a search "
                    "finds",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "description": "A prison's name or its town (HMP Leeds, "
                            "Strangeways, London). Empty: every prison.",
                            "allowEmptyValue": True,
                            "schema": {"type": "string", "maxLength": 100},
                        },
                        _enum_param(
                            "jurisdiction",
                            _jurisdictions(),
                            "The prison system (any case): GB-EAW is England and Wales.",
                        ),
                        *PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of prisons; X-Total-Count gives the total.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/PrisonPage"}
                                }
                            },
                        },
                        "400": ERROR,
                    },
                }
            },
            "/api/prisons/{slug}": {
                "get": {
                    "operationId": "getPrison",
                    "summary": "One prison: its address for letters and where each fact comes from",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The prison",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Prison"}
                                }
                            },
                        },
                        "404": {
                            "description": "No such prison",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    },
                }
            },
            "/api/hsds/organizations": {
                "get": {
                    "operationId": "listHsdsOrganizations",
                    "summary": "Every listing as an Open Referral HSDS 3.0 organization, "
                    "page by page, in slug order",
                    "parameters": [*FILTERS, MODIFIED_AFTER, *PAGING],
                    "responses": {
                        "200": {
                            "description": "A page as HSDS 3.0 APIs give it, each organization "
                            "fully nested (services, locations, attributes).",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/HsdsOrganizationPage"}
                                }
                            },
                        },
                        "400": ERROR,
                    },
                }
            },
            "/api/hsds/organizations/{id}": {
                "get": {
                    "operationId": "getHsdsOrganization",
                    "summary": "One listing as an Open Referral HSDS 3.0 organization",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "description": "The organization's id (a uuid that never changes), "
                            "or the listing's slug.",
                            "schema": {"type": "string", "maxLength": 80},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The organization",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/HsdsOrganization"}
                                }
                            },
                        },
                        "404": {
                            "description": "No such organization",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    },
                }
            },
            **openapi_activities.PATHS,
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": {**SCHEMAS, **openapi_activities.SCHEMAS}},
    }


def _jurisdictions() -> list[str]:
    """The prison register's jurisdictions, as shipped (coordinates play no part here)."""
    return [jurisdiction.code for jurisdiction in prisons.load(None).jurisdictions()]


def _prison_schema() -> dict[str, Any]:
    text: dict[str, Any] = {"type": ["string", "null"]}
    number: dict[str, Any] = {"type": ["number", "null"]}
    properties: dict[str, Any] = {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "other_names": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": list(prisons.STATUSES)},
        "opened": {**text, "description": "YYYY, YYYY-MM or YYYY-MM-DD"},
        "closed": {**text, "description": "YYYY, YYYY-MM or YYYY-MM-DD"},
        "operator": text,
        "jurisdiction": {"type": "string"},
        "country": {"type": "string", "description": "ISO 3166-1 alpha-2"},
        "area": {"type": "string", "description": "ISO 3166-2 subdivision, or the country"},
        "town": text,
        "latitude": {**number, "description": "City level"},
        "longitude": {**number, "description": "City level"},
        "population": {**text, "description": "Who is held, as the source says"},
        "address": {**text, "description": "For letters to people held there"},
        "letter_instructions": text,
        "visitors_centre": text,
        "notes": text,
        "sources": {"type": "array", "items": {"type": "string"}},
        "registers": {
            "type": "array",
            "description": "The register files this record comes from, with their licences.",
            "items": {
                "type": "object",
                "required": ["title", "licence", "attribution", "source", "source_date"],
                "properties": {
                    "title": {"type": "string"},
                    "licence": {"type": "string"},
                    "attribution": {"type": "string"},
                    "source": text,
                    "source_date": text,
                },
            },
        },
        "url": {"type": "string", "description": "The prison's page on this site"},
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def _in_our_style(schema: Mapping[str, Any], *, nullable: bool = True) -> dict[str, Any]:
    """A JSON Schema from pydantic as this document writes one: the type first, a nullable
    value's type listing "null" (or, for a key only sent when set, not), no titles."""
    values = {key: value for key, value in schema.items() if key not in ("title", "default")}
    options = values.pop("anyOf", None)
    if options is not None:
        (value,) = [option for option in options if option != {"type": "null"}]
        kind = [value["type"], "null"] if nullable else value["type"]
        values = {**value, **values, "type": kind}
    if "items" in values:
        values["items"] = _in_our_style(values["items"])
    return {"type": values.pop("type"), **values}


def _organisation_schema() -> dict[str, Any]:
    """Every public field of the field table, where our JSON puts it, with the limits its
    rules enforce; then when the listing last changed."""
    properties: dict[str, Any] = {}
    for name in PUBLIC_FIELDS:
        field = FIELDS[name]
        *groups, key = field.path
        place = properties
        for group in groups:
            place = place.setdefault(group, {"type": "object", "properties": {}})["properties"]
        place[key] = _in_our_style(field.schema)
        if field.description:
            place[key]["description"] = field.description
    for name in {FIELDS[name].path[0] for name in PUBLIC_FIELDS if len(FIELDS[name].path) > 1}:
        group = properties[name]  # a group: its fields are always sent, null or not
        group["required"] = list(group["properties"])
    properties["updated_at"] = {"type": "string", "format": "date-time"}
    return {"type": "object", "required": list(properties), "properties": properties}


def _hit_schema() -> dict[str, Any]:
    """A search result's fields (search.interface.Hit), in the order the API sends them. A
    field named like a listing's holds that field's value, and has its limits."""
    by_type = TypeAdapter(Hit).json_schema()["properties"]
    properties = {
        name: _in_our_style(FIELDS[name].schema)
        if name in FIELDS
        else _in_our_style(by_type[name], nullable=name not in OPTIONAL_HIT_FIELDS)
        for name in HIT_FIELDS
    }
    properties["highlight"] = {
        "type": "object",
        "description": "HTML from escaped text; matches in <mark>.",
        "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
    }
    required = [name for name in HIT_FIELDS if name not in OPTIONAL_HIT_FIELDS]
    return {"type": "object", "required": required, "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Hit": _hit_schema(),
    "SearchResults": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "hits", "facets", "understood"],
        "properties": {
            "query": {"type": "object"},
            "understood": {
                "type": "object",
                "description": "What the search read from q: a place or prison (then the "
                "groups that can help there come first: near it, then serving its region or "
                "country), words no group holds with the rest (left out), and a correction "
                "when every word was found only as a typo of another.",
                "required": ["place", "unmatched", "corrected"],
                "properties": {
                    "place": {
                        "type": ["object", "null"],
                        "properties": {
                            "kind": {"enum": ["prison", "town", "area", "country"]},
                            "label": {"type": "string"},
                            "area": {"type": ["string", "null"]},
                            "country": {"type": ["string", "null"]},
                            "prison": {"type": ["string", "null"]},
                        },
                    },
                    "unmatched": {"type": "array", "items": {"type": "string"}},
                    "corrected": {"type": ["string", "null"]},
                },
            },
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                },
            },
        },
    },
    "Organisation": _organisation_schema(),
    "HsdsOrganization": {
        "type": "object",
        "description": "An Open Referral HSDS 3.0 organization. Only the outline is given here; "
        "every organization validates against HSDS's compiled organization schema.",
        "externalDocs": {
            "description": "HSDS 3.0 compiled organization schema",
            "url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
            "compiled/organization.json",
        },
        "required": ["id", "name", "description"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string"},
            "alternate_name": {"type": "string"},
            "description": {"type": "string"},
            "email": {"type": "string"},
            "website": {"type": "string"},
            "year_incorporated": {"type": "number"},
            "organization_identifiers": {"type": "array", "items": {"type": "object"}},
            "locations": {"type": "array", "items": {"type": "object"}},
            "services": {"type": "array", "items": {"type": "object"}},
            "attributes": {"type": "array", "items": {"type": "object"}},
        },
    },
    "HsdsOrganizationPage": {
        "type": "object",
        "description": "HSDS 3.0's Page (page_number, size...), with page and per_page too.",
        "required": [
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "page",
            "per_page",
            "first_page",
            "last_page",
            "empty",
            "contents",
        ],
        "properties": {
            "total_items": {"type": "integer"},
            "total_pages": {"type": "integer"},
            "page_number": {"type": "integer"},
            "size": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "first_page": {"type": "boolean"},
            "last_page": {"type": "boolean"},
            "empty": {"type": "boolean"},
            "contents": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/HsdsOrganization"},
            },
        },
    },
    "Prison": _prison_schema(),
    "PrisonPage": {
        "type": "object",
        "required": ["total", "page", "per_page", "prisons"],
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "prisons": {"type": "array", "items": {"$ref": "#/components/schemas/Prison"}},
        },
    },
    "OrganisationPage": {
        "type": "object",
        "required": ["total", "page", "per_page", "organisations"],
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "organisations": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Organisation"},
            },
        },
    },
}


def api_endpoints(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each operation of `spec`, with its parameters and the values each takes, for /api."""
    return [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation["summary"],
            "parameters": [
                {
                    "name": p["name"],
                    "description": p.get("description", "").replace("`", ""),
                    "choices": _choices(p),
                }
                for p in operation.get("parameters", [])
            ],
        }
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def _choices(parameter: dict[str, Any]) -> list[str]:
    """The values /api lists for a parameter: the directory's own vocabularies."""
    if parameter["name"] in _STANDARD_CODES:
        return []
    return list(parameter["schema"].get("items", {}).get("enum", []))
