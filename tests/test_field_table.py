"""The field table and what follows from it stay in step: a listing field, once described in
records.py, is in the form, the moderation diff, the API and its document, CSV and HSDS."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import fields
from datetime import date
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError
from sqlmodel import Session

from directory import catalogue, moderation
from directory.opendata import hsds, tabular
from directory.records import (
    EDITABLE_FIELDS,
    FIELDS,
    PUBLIC_FIELDS,
    ListingField,
    ListingProposal,
    OrganisationRecord,
    Value,
)
from directory.search.interface import HIT_FIELDS, OPTIONAL_HIT_FIELDS, Hit
from directory.web.forms import FIELD_LABELS
from directory.web.presenters import moderation as present
from tests.test_opendata import full_record


def at(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def schema_at(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        schema = schema["properties"][key]
    return schema


# A value of each kind, for a field the full record of test_opendata does not fill in yet.
_EXAMPLES: dict[Value, Any] = {
    Value.TEXT: "An example",
    Value.PROSE: "An example,\non two lines.",
    Value.LINES: ["An example"],
    Value.YES_NO: True,
    Value.YEAR: 2001,
    Value.NUMBER: 1.5,
    Value.DATE: date(2026, 1, 2),
    Value.COUNTRY: "GB",
    Value.LANGUAGES: ["cy"],
    Value.AREAS: ["GB-WLS"],
    Value.PHONES: [{"number": "+442920000000", "kind": "office"}],
    Value.CITATIONS: {"email": {"url": "https://example.org/a"}},
}


def _example(field: ListingField) -> Any:
    if field.vocabulary is not None:
        code = next(iter(field.vocabulary))
        return [code] if field.many else code
    return _EXAMPLES[field.value]


def every_field_record(**overrides: Any) -> OrganisationRecord:
    """A listing with every field of the table filled in, those added later too."""
    values = full_record(**overrides).model_dump()
    for name, field in FIELDS.items():
        if values[name] in (None, [], False):
            values[name] = _example(field)
    return OrganisationRecord.model_validate(values)


@pytest.fixture
def full_listing(seeded):
    """A published listing with every field filled in."""
    with Session(seeded, expire_on_commit=False) as session:
        organisation, _ = catalogue.upsert(session, every_field_record(slug="full-listing"))
        session.commit()
    return organisation


def test_every_public_field_is_in_the_api_and_its_document(client, full_listing):
    one = client.get("/api/organisations/full-listing").json()
    page = client.get("/api/organisations", params={"per_page": 100}).json()["organisations"]
    listed = next(item for item in page if item["slug"] == "full-listing")
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["Organisation"]
    for name in PUBLIC_FIELDS:
        path = FIELDS[name].path
        assert at(one, path) is not None, name
        assert at(listed, path) == at(one, path), name
        assert schema_at(schema, path), name
    # Nothing sent that the document does not describe, nothing described that is not sent.
    strict = _closed(schema)
    jsonschema.validate(one, strict)
    assert set(one) == set(schema["required"]) == set(schema["properties"])


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with no properties beyond those it names, at every level."""
    if schema.get("type") != "object" or "properties" not in schema:
        return schema
    properties = {key: _closed(value) for key, value in schema["properties"].items()}
    return {**schema, "properties": properties, "additionalProperties": False}


def test_the_documented_limits_are_the_rules_that_enforce_them(client):
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["Organisation"]
    for name in PUBLIC_FIELDS:
        documented = schema_at(schema, FIELDS[name].path)
        limit = FIELDS[name].max_length
        if limit is None:
            continue
        longest = "a" * limit
        value: Any = [longest] if FIELDS[name].many else longest
        too_long: Any = [longest + "a"] if FIELDS[name].many else longest + "a"
        where = documented["items"] if FIELDS[name].many else documented
        assert where["maxLength"] == limit, name
        # The record takes that many characters and refuses one more (whatever else it
        # says about a value of a's).
        assert any(e["type"] in _TOO_LONG for e in _errors(name, too_long)), name
        assert not any(e["type"] in _TOO_LONG for e in _errors(name, value)), name


_TOO_LONG = ("string_too_long", "too_long")


def _errors(name: str, value: Any) -> list[dict[str, Any]]:
    try:
        OrganisationRecord.model_validate({**every_field_record().model_dump(), name: value})
    except ValidationError as error:
        return [dict(e) for e in error.errors() if e["loc"][:1] == (name,)]
    return []


def test_every_public_field_is_a_csv_column_and_an_hsds_value():
    record = every_field_record()
    out = io.StringIO(newline="")
    tabular.write([record], out)
    header, row = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert header == list(PUBLIC_FIELDS)
    assert all(row), dict(zip(header, row, strict=True))
    organization = hsds.organization(record)
    codes = {a["taxonomy_term"]["code"] for a in organization["attributes"]}
    for name in hsds.ORGANIZATION_FIELDS:
        assert name in codes, name
    # Everything else has a place of its own in HSDS, and so comes back as it went.
    assert hsds.listing_values(organization) == record.model_dump(mode="json")


def test_every_editable_field_has_a_label_and_is_in_the_form(client):
    form = client.get("/submit").text
    for name in EDITABLE_FIELDS:
        label = FIELDS[name].label
        assert FIELD_LABELS[name] == label
        # A phone is a row of fields, "phones-0-number" and so on.
        control = f"{name}-0-number" if FIELDS[name].value is Value.PHONES else name
        assert f'name="{control}"' in form, name
        assert re.search(rf"<(label|legend)[^>]*>\s*{re.escape(label)}[\s<]", form), name
    assert set(ListingProposal.model_fields) == set(EDITABLE_FIELDS)


def test_every_editable_field_is_in_the_moderation_diff(seeded, full_listing):
    changed = {name: _another(name, getattr(full_listing, name)) for name in EDITABLE_FIELDS}
    with Session(seeded, expire_on_commit=False) as session:
        submission = moderation.submit_edit(session, full_listing, changed, moderation.Submitter())
        rows = present.change_rows(moderation.diff(session, submission))
        session.rollback()
    assert [row.label for row in rows] == [FIELDS[name].label for name in EDITABLE_FIELDS]


def _another(name: str, value: Any) -> Any:
    """A different value (a diff compares values; it does not check them)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if FIELDS[name].value is Value.PHONES:
        return [*value, {"number": "+441632960000", "kind": "text"}]
    if isinstance(value, list):
        return [*value, f"another {name}"]
    return f"another {name}"


def test_one_hit_shape_for_both_backends_the_api_and_its_document(client):
    assert tuple(f.name for f in fields(Hit)) == HIT_FIELDS
    body = client.get("/api/search", params={"q": "books"}).json()
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["Hit"]
    assert list(schema["properties"]) == list(HIT_FIELDS)
    assert set(schema["required"]) == set(HIT_FIELDS) - OPTIONAL_HIT_FIELDS
    for hit in body["hits"]:
        assert list(hit) == [name for name in HIT_FIELDS if name not in OPTIONAL_HIT_FIELDS]
        jsonschema.validate(hit, _closed(schema))
