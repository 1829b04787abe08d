"""The activities part of the OpenAPI document: /api/activities and /api/activities/{id}."""

from __future__ import annotations

from typing import Any

from directory import vocab
from directory.activities import PUBLIC_ID_LENGTH
from directory.web.params import DEFAULT_RADIUS_KM, MAX_PLACE_CHARS, MAX_RADIUS_KM

_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_NUMBER: dict[str, Any] = {"type": ["number", "null"]}
_ERROR = {
    "description": "Invalid parameters, each with a message.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _one(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{description} Empty: no filter.",
        "allowEmptyValue": True,
        "schema": schema,
    }


FILTERS = [
    _one(
        "near",
        "A town or city (add the country if the name is shared: Portland, US), or "
        "coordinates (55.86,-4.25): activities within radius_km of it. A place the gazetteer "
        "does not know is refused: We could not find a place called ...",
        {"type": "string", "maxLength": MAX_PLACE_CHARS},
    ),
    {
        "name": "radius_km",
        "in": "query",
        "required": False,
        "description": f"With near: how far from it. Empty: {DEFAULT_RADIUS_KM}.",
        "allowEmptyValue": True,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_RADIUS_KM,
            "default": DEFAULT_RADIUS_KM,
        },
    },
    _one("online", "1: only activities held online.", {"type": "string", "enum": ["1"]}),
    _one("kind", "Kind of activity.", {"type": "string", "enum": list(vocab.ACTIVITY_KINDS)}),
    _one(
        "organisation",
        "Only the activities of this listing (its slug).",
        {"type": "string", "maxLength": 80, "pattern": "^[a-z0-9-]*$"},
    ),
    {
        "name": "access",
        "in": "query",
        "required": False,
        "description": "An access provision the activity must state. Repeat for several: "
        "every one must be stated (AND). Empty: no filter.",
        "allowEmptyValue": True,
        "style": "form",
        "explode": True,
        "schema": {
            "type": "array",
            "items": {"type": "string", "enum": list(vocab.ACCESS_PROVISIONS)},
        },
    },
]

_OCCURRENCE: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "ISO 8601 times in the activity's zone, with its UTC offset on that date.",
    "required": ["starts", "ends"],
    "properties": {
        "starts": {"type": "string", "format": "date-time"},
        "ends": {"type": ["string", "null"], "format": "date-time"},
    },
}


def _activity_schema() -> dict[str, Any]:
    local = "Local wall-clock time in time_zone, YYYY-MM-DDTHH:MM"
    properties: dict[str, Any] = {
        "id": {"type": "string", "description": "The activity's key: /activities/{id}"},
        "url": {"type": "string", "description": "The activity's page on this site"},
        "organisation": {
            "type": "object",
            "required": ["slug", "name", "url"],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "url": {"type": "string"},
            },
        },
        "title": {"type": "string"},
        "description": {"type": "string"},
        "kind": {"type": "string", "enum": list(vocab.ACTIVITY_KINDS)},
        "status": {"type": "string", "enum": list(vocab.ACTIVITY_STATUSES)},
        "starts_at": {"type": "string", "description": f"{local}; the first occurrence"},
        "ends_at": {**_TEXT, "description": local},
        "time_zone": {"type": "string", "description": "IANA time zone, such as Europe/London"},
        "recurrence": {**_TEXT, "description": "RFC 5545 RRULE value, without RRULE:"},
        "recurrence_words": {"type": "string"},
        "exceptions": {
            "type": "array",
            "description": "Local start times of occurrences that do not happen (EXDATE)",
            "items": {"type": "string"},
        },
        "next_occurrence": {
            **_OCCURRENCE,
            "description": "The next time it happens, or the one under way; null when over",
        },
        "last_occurrence": {
            **_OCCURRENCE,
            "description": "When it is over: the latest time it happened",
        },
        "online": {"type": "boolean"},
        "online_how": _TEXT,
        "venue": _TEXT,
        "address": _TEXT,
        "city": _TEXT,
        "country": {**_TEXT, "description": "ISO 3166-1 alpha-2"},
        "latitude": {**_NUMBER, "description": "City level"},
        "longitude": {**_NUMBER, "description": "City level"},
        "cost": {**_TEXT, "description": "As stated"},
        "how_to_join": _TEXT,
        "access": {
            "type": "array",
            "description": "Access provisions the source states; any other was not stated",
            "items": {"type": "string", "enum": list(vocab.ACCESS_PROVISIONS)},
        },
        "access_notes": _TEXT,
        "access_contact": _TEXT,
        "by_post": {"type": "boolean", "description": "People inside can take part by post"},
        "source_url": {"type": "string"},
        "stated_on": {
            "type": "string",
            "format": "date",
            "description": "When the source stated all this: check with the group first",
        },
    }
    return {"type": "object", "required": list(properties), "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Activity": _activity_schema(),
    "ActivityList": {
        "type": "object",
        "required": ["total", "near", "activities"],
        "properties": {
            "total": {"type": "integer"},
            "near": {**_TEXT, "description": "The place near was read as"},
            "activities": {
                "type": "array",
                "description": "Upcoming first, soonest first; then past ones, latest first",
                "items": {"$ref": "#/components/schemas/Activity"},
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/activities": {
        "get": {
            "operationId": "listActivities",
            "summary": "Activities groups hold (letter writing, workshops, meetings), with the "
            "access provisions each states; every filter given must hold",
            "parameters": FILTERS,
            "responses": {
                "200": {
                    "description": "The activities; X-Total-Count gives how many.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ActivityList"}
                        }
                    },
                },
                "400": _ERROR,
            },
        }
    },
    "/api/activities/{public_id}": {
        "get": {
            "operationId": "getActivity",
            "summary": "One activity",
            "parameters": [
                {
                    "name": "public_id",
                    "in": "path",
                    "required": True,
                    "schema": {
                        "type": "string",
                        "maxLength": PUBLIC_ID_LENGTH,
                        "pattern": "^[a-z0-9-]+$",
                    },
                }
            ],
            "responses": {
                "200": {
                    "description": "The activity",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Activity"}}
                    },
                },
                "404": {
                    "description": "No such activity",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    },
}
