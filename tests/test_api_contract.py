"""The JSON API keeps the promise its OpenAPI document makes, as schemathesis checks it.

Every operation in /api/openapi.json gets a bounded number of generated requests, valid and
invalid, through all of schemathesis's checks, against the app over the real seed data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.python import asgi
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from directory import catalogue
from directory.app import create_app
from directory.database import make_engine
from directory.migrate import upgrade
from directory.records import OrganisationRecord
from directory.search import backends
from directory.search.indexing import reindex
from directory.web.presenters import openapi
from tests import factories

# Per operation, and a fixed sequence of them, so that a run in CI repeats the one before.
EXAMPLES_PER_OPERATION = 100
BASE_URL = "http://testserver"
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",  # nothing written into the checkout
        }
    }
)
# The document the app serves (test_document_is_the_one_served checks that it is this one).
schema = schemathesis.openapi.from_dict(openapi.document(BASE_URL), config=CONFIG)

# Refusals that hang on data no schema can hold, each said in the parameter's description:
# whether the gazetteer knows a place, and whether a moment stays in the years 1 to 9999 once
# moved to UTC. A 400 whose every complaint is one of these is not a broken promise.
DATA_DEPENDENT_REFUSALS = {
    "near": "We could not find a place called",
    "modified_after": "The date to list changes after must be in the years 1 to 9999",
}


def _refused_only_for_data(response: schemathesis.Response) -> bool:
    if response.status_code != 400:
        return False
    fields: dict[str, Any] = response.json().get("fields", {})
    return bool(fields) and all(
        str(message).startswith(DATA_DEPENDENT_REFUSALS.get(name, "\0"))
        for name, message in fields.items()
    )


def schema_valid_requests_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """schemathesis's positive_data_acceptance, but for the refusals above."""
    if _refused_only_for_data(response):
        return None
    return schemathesis.checks.positive_data_acceptance(ctx, response, case)


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory,
    gazetteer: Path,
    seed_records: list[OrganisationRecord],
) -> Iterator[Starlette]:
    site = factories.site_settings(tmp_path_factory.mktemp("contract"), gazetteer)
    settings = site.model_copy(update={"base_url": BASE_URL})
    engine = make_engine(settings)
    upgrade(engine)
    with Session(engine) as session:
        catalogue.upsert_many(session, seed_records)
        session.commit()
        reindex(session, backends.embedded(settings))
    engine.dispose()
    yield create_app(settings)
    asgi.shutdown_lifespans()  # schemathesis started the app's lifespan; end it


def test_document_is_the_one_served(app: Starlette) -> None:
    with TestClient(app) as client:
        served = client.get("/api/openapi.json").json()
    assert served == json.loads(json.dumps(openapi.document(BASE_URL)))


@schema.parametrize()
def test_api_keeps_its_openapi_promise(case: schemathesis.Case[Any], app: Starlette) -> None:
    case.call_and_validate(
        app=app,
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
        additional_checks=[schema_valid_requests_accepted],
    )


# What schemathesis found, pinned down one by one ----------------------------------------


def _filter(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = spec["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)


@pytest.mark.parametrize("path", ["/api/search", "/api/organisations", "/api/hsds/organizations"])
def test_the_country_codes_documented_are_the_ones_accepted(client: TestClient, path: str) -> None:
    spec = client.get("/api/openapi.json").json()
    documented = _filter(spec, path, "country")["schema"]["items"]["enum"]
    assert "GB" in documented and "international" in documented and "AA" not in documented
    assert client.get(path, params={"country": "AA"}).status_code == 400
    for code in ("GB", "gb", "international"):
        assert client.get(path, params={"country": code}).status_code == 200, code


@pytest.mark.parametrize("name", ["kind", "country", "focus", "service", "page", "per_page"])
def test_an_empty_parameter_is_documented_as_left_out_and_is(client: TestClient, name: str) -> None:
    spec = client.get("/api/openapi.json").json()
    assert _filter(spec, "/api/organisations", name)["allowEmptyValue"] is True
    everything = client.get("/api/organisations").json()
    assert client.get(f"/api/organisations?{name}=").json() == everything


@pytest.mark.parametrize("value", [" ", "\t", ","])
def test_a_blank_filter_value_is_refused(client: TestClient, value: str) -> None:
    response = client.get("/api/organisations", params={"kind": value})
    assert response.status_code == 400
    assert response.json()["fields"]["kind"].startswith("Unknown kind of group ignored: (blank)")


@pytest.mark.parametrize("value", [" 2", "2 ", "\t"])
def test_a_page_number_with_spaces_is_refused(client: TestClient, value: str) -> None:
    response = client.get("/api/search", params={"page": value})
    assert response.status_code == 400
    assert response.json()["fields"]["page"] == "Page must be a whole number from 1 to 1000."


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("q", "search"),
        ("near", "place"),
        ("page", "page number"),
        ("per_page", "number of results per page"),
        ("radius_km", "distance"),
    ],
)
def test_a_parameter_that_takes_one_value_given_twice_is_refused(
    client: TestClient, name: str, what: str
) -> None:
    response = client.get(f"/api/search?{name}=2&{name}=3")
    assert response.status_code == 400
    assert response.json()["fields"][name] == f"Only one {what} can be used at a time, not 2."


def test_modified_after_takes_rfc_3339_lower_case_letters(client: TestClient) -> None:
    upper = client.get("/api/organisations", params={"modified_after": "2000-01-01T00:00:00Z"})
    lower = client.get("/api/organisations", params={"modified_after": "2000-01-01t00:00:00z"})
    assert lower.status_code == 200
    assert lower.json() == upper.json()


@pytest.mark.parametrize("path", ["/api/search", "/api/organisations/bent-bars-project", "/search"])
def test_a_method_not_allowed_answer_names_the_methods_that_are(
    client: TestClient, path: str
) -> None:
    response = client.request("TRACE", path)
    assert response.status_code == 405
    # RFC 9110, section 15.5.6: a 405 says which methods the resource has.
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}


def test_the_api_page_lists_the_vocabularies_but_not_every_country_code(client: TestClient) -> None:
    page = client.get("/api").text
    assert "<code>letter-writing</code>" in page
    assert "<code>ZW</code>" not in page
