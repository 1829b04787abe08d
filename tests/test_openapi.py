"""The OpenAPI document: valid 3.1, covering exactly the API routes the app serves."""

from __future__ import annotations

import jsonschema
from openapi_spec_validator import validate

from directory.web.routes import ROUTES


def api_paths() -> set[str]:
    return {route.path for route in ROUTES if getattr(route, "path", "").startswith("/api/")}


def test_document_is_valid_openapi_3_1(client):
    spec = client.get("/api/openapi.json").json()
    validate(spec)
    assert spec["openapi"] == "3.1.0"


def test_document_covers_every_api_route_and_nothing_else(client):
    spec = client.get("/api/openapi.json").json()
    assert set(spec["paths"]) == api_paths()


def test_responses_match_their_schemas(client):
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def check(body, name):
        # The components travel with the schema so that its "#/components/..." refs resolve.
        jsonschema.validate(body, {**schemas[name], "components": {"schemas": schemas}})

    check(client.get("/api/search", params={"q": "books"}).json(), "SearchResults")
    check(client.get("/api/organisations").json(), "OrganisationPage")
    check(client.get("/api/organisations/bent-bars-project").json(), "Organisation")
    check(client.get("/api/search", params={"per_page": 0}).json(), "Error")


def test_human_readable_api_page(client):
    page = client.get("/api").text
    assert "GET /api/search" in page and "GET /api/organisations" in page
    assert "letter-writing" in page  # vocabulary values are listed
