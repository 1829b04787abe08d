"""The OpenAPI document: valid 3.1, covering exactly the API routes the app serves."""

from __future__ import annotations

import jsonschema
from openapi_spec_validator import validate

from directory.web.routes import ROUTES
from tests import factories


def api_paths() -> set[str]:
    return {route.path for route in ROUTES if getattr(route, "path", "").startswith("/api/")}


def test_document_is_valid_openapi_3_1(client):
    spec = client.get("/api/openapi.json").json()
    validate(spec)
    assert spec["openapi"] == "3.1.0"


def test_document_covers_every_api_route_and_nothing_else(client):
    spec = client.get("/api/openapi.json").json()
    assert set(spec["paths"]) == api_paths()


def test_responses_match_their_schemas(client, seeded):
    factories.store_activity(seeded, "glasgow-prisoner-solidarity", exceptions=["2025-02-03T19:00"])
    factories.store_activity(seeded, "bent-bars-project", online="1", recurrence="", venue="")
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def check(body, name):
        # The components travel with the schema so that its "#/components/..." refs resolve.
        jsonschema.validate(body, {**schemas[name], "components": {"schemas": schemas}})

    check(client.get("/api/search", params={"q": "books"}).json(), "SearchResults")
    check(client.get("/api/organisations").json(), "OrganisationPage")
    check(client.get("/api/organisations/bent-bars-project").json(), "Organisation")
    check(client.get("/api/search", params={"per_page": 0}).json(), "Error")
    activities = client.get("/api/activities").json()
    check(activities, "ActivityList")
    assert len(activities["activities"]) >= 2
    check(
        client.get(
            activities["activities"][0]["url"].replace("/activities", "/api/activities", 1)
        ).json(),
        "Activity",
    )
    check(client.get("/api/activities", params={"access": "teleport"}).json(), "Error")


def test_human_readable_api_page(client):
    page = client.get("/api").text
    assert "GET /api/search" in page and "GET /api/organisations" in page
    assert "letter-writing" in page  # vocabulary values are listed
