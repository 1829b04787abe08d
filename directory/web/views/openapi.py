"""The OpenAPI 3.1 description of the JSON API, and the human-readable page built from it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from directory import vocab
from directory.search import DEFAULT_PER_PAGE, MAX_PER_PAGE
from directory.web.params import DEFAULT_RADIUS_KM, MAX_PAGE, MAX_RADIUS_KM
from directory.web.state import app_state
from directory.web.templating import render

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
        "components": {"schemas": SCHEMAS},
    }


_strings = {"type": "array", "items": {"type": "string"}}
_nullable_string = {"type": ["string", "null"]}
SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Hit": {
        "type": "object",
        "required": [
            "slug",
            "name",
            "kind",
            "country",
            "city",
            "focus",
            "services",
            "url",
            "highlight",
        ],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string"},
            "country": {"type": "string"},
            "city": _nullable_string,
            "focus": _strings,
            "services": _strings,
            "url": _nullable_string,
            "highlight": {
                "type": "object",
                "description": "HTML from escaped text; matches in <mark>.",
                "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
            },
            "region": _nullable_string,
            "status": {"type": "string", "enum": list(vocab.STATUSES)},
            "distance_km": {"type": "number"},
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "hits", "facets"],
        "properties": {
            "query": {"type": "object"},
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
    "Organisation": {
        "type": "object",
        "required": ["slug", "name", "kind", "description", "country", "status", "sources"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "alternate_names": _strings,
            "kind": {"type": "string"},
            "description": {"type": "string"},
            "focus": _strings,
            "services": _strings,
            "country": {"type": "string"},
            "region": _nullable_string,
            "city": _nullable_string,
            "areas_served": _strings,
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "website": _nullable_string,
            "email": _nullable_string,
            "postal_address": _nullable_string,
            "postal_address_accepts_prisoner_mail": {"type": "boolean"},
            "postal_address_note": _nullable_string,
            "languages": _strings,
            "accessibility": _nullable_string,
            "founded_year": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": list(vocab.STATUSES)},
            "last_activity": _nullable_string,
            "verification": {
                "type": "object",
                "properties": {
                    "last_verified": _nullable_string,
                    "verified_by": {
                        **_nullable_string,
                        "description": "Who checked the listing: a public name the moderator "
                        "chose, 'a volunteer moderator', or a note on how it was checked; "
                        "never a moderator's username.",
                    },
                },
            },
            "sources": _strings,
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
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


def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(app_state(request).settings.base_url))


def api_page(request: Request) -> Response:
    spec = document(app_state(request).settings.base_url)
    endpoints = [
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
    return render(request, "api.html", {"endpoints": endpoints})


def _choices(parameter: dict[str, Any]) -> list[str]:
    """The values /api lists for a parameter: the directory's own vocabularies."""
    if parameter["name"] in _STANDARD_CODES:
        return []
    return list(parameter["schema"].get("items", {}).get("enum", []))
