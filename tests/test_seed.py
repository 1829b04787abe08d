"""Seed data: the real files load, bad records are reported precisely, seeding is idempotent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import select

from directory import catalogue, seed
from directory.models import Organisation
from tests.reference import reference_file

SECTION_A = [
    "Nottingham Black Prisoner Support",
    "National Body of Black Prisoner Support Groups",
    "Partners of Prisoners and Families Support Group",
    "Alston Wilkes Society",
    "Out of Control",
    "Break the Chains",
    "California Libertarian Party Political Prisoner",
    "Anarchist Black Cross",
    "Anarchist Black Cross Federation",
    "Anarchist Black Cross Network",
    "Earth Liberation Prisoners Support Network",
    "Vegan Prisoners Support Group",
    "Prisoner Visitation and Support",
    "Prison Dharma Network",
    "Citizens United for Rehabilitation of Errants",
    "Glasgow Prisoner Solidarity",
    "Prisoner Solidarity Network",
]


def test_real_seed_data_loads(seed_records):
    assert len(seed_records) >= 60
    assert len({r.slug for r in seed_records}) == len(seed_records)
    assert all(r.sources for r in seed_records)


@pytest.mark.parametrize("name", SECTION_A)
def test_every_founding_organisation_is_present(seed_records, name):
    assert any(r.name.startswith(name) for r in seed_records), name


def test_unverified_records_say_so(seed_records):
    by_slug = {r.slug: r for r in seed_records}
    # The reference marks these websites or statuses unverified.
    for slug in (
        "nottingham-black-prisoner-support",
        "anarchist-black-cross-network",
        "glasgow-abc",
    ):
        assert by_slug[slug].verified_on is None, slug
    assert by_slug["bent-bars-project"].verified_on is not None


def test_only_postal_addresses_the_reference_states(seed_records):
    with_address = {r.slug for r in seed_records if r.postal_address}
    assert with_address == {
        "prison-book-program",
        "bent-bars-project",
        "glasgow-prisoner-solidarity",
    }
    assert not any(r.email for r in seed_records)


def test_every_website_appears_in_the_reference(seed_records):
    reference = reference_file("organisations.md").read_text(encoding="utf-8")
    for record in seed_records:
        if record.website:
            host = re.sub(r"^https?://(www\.)?", "", record.website).rstrip("/")
            assert host in reference, record.slug


def _write(tmp_path: Path, body: str, name: str = "groups.toml") -> Path:
    (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


GOOD = """
[[organisation]]
slug = "good-group"
name = "Good Group"
kind = "books-to-prisoners"
description = "Sends second-hand books to people in prison."
focus = ["all-prisoners"]
services = ["books"]
country = "GB"
verification = "unverified"
sources = ["https://example.org/"]
"""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('kind = "books-to-prisoners"', 'kind = "book-club"'),
            "groups.toml: organisation #1 (good-group): field 'kind': 'book-club' is not a known",
        ),
        (
            ('country = "GB"', 'country = "UK"'),
            "field 'country': 'UK' is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            ('focus = ["all-prisoners"]', 'focus = ["all-prisoners", "aliens"]'),
            "field 'focus.1': 'aliens' is not a known focus",
        ),
        (
            ('services = ["books"]', "services = []"),
            "field 'services': List should have at least 1",
        ),
        (('slug = "good-group"', 'slug = "Good Group!"'), "field 'slug': String should match"),
        (
            ('sources = ["https://example.org/"]', 'sources = ["javascript:alert(1)"]'),
            "field 'sources.0': must be a web address starting with http:// or https://",
        ),
        (
            ('verification = "unverified"', 'verification = "trust me"'),
            "field 'verification': must be one of unverified, sources-checked",
        ),
        (
            ('verification = "unverified"', 'verification = "sources-checked"'),
            "needs the file's top-level checked_on",
        ),
        (('name = "Good Group"\n', ""), "field 'name': Field required"),
        (
            ('name = "Good Group"', 'name = "Good Group"\nwebsite = "not a url"'),
            "field 'website': must be a web address",
        ),
        (
            ('name = "Good Group"', 'name = "Good Group"\nphone = "123"'),
            "field 'phone': Extra inputs are not permitted",
        ),
        (
            ('name = "Good Group"', 'name = "Good\\u0007 Group"'),
            "field 'name': must not contain a control character (U+0007)",
        ),
        (
            ('name = "Good Group"', 'name = "Good Group"\nlatitude = 55.8'),
            "latitude and longitude go together",
        ),
    ],
)
def test_validation_errors_name_file_record_and_field(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(seed.SeedError) as raised:
        seed.load(tmp_path)
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems
    assert all(problem.startswith("groups.toml") for problem in raised.value.problems)


def test_every_problem_is_reported_at_once(tmp_path):
    _write(
        tmp_path,
        GOOD.replace('kind = "books-to-prisoners"', 'kind = "x"')
        + GOOD.replace("good-group", "second").replace('country = "GB"', 'country = "ZZ"'),
    )
    with pytest.raises(seed.SeedError) as raised:
        seed.load(tmp_path)
    problems = raised.value.problems
    assert len(problems) == 2
    assert "organisation #1 (good-group)" in problems[0]
    assert "organisation #2 (second)" in problems[1]


def test_duplicate_slugs_across_files_are_refused(tmp_path):
    _write(tmp_path, GOOD, "a.toml")
    _write(tmp_path, GOOD, "b.toml")
    with pytest.raises(
        seed.SeedError,
        match=r"b\.toml: organisation #1 \(good-group\): field "
        r"'slug': 'good-group' is already used by a\.toml",
    ):
        seed.load(tmp_path)


def test_broken_toml_names_the_file(tmp_path):
    _write(tmp_path, "[[organisation]\nname = ", "broken.toml")
    with pytest.raises(seed.SeedError, match=r"broken\.toml: not valid TOML"):
        seed.load(tmp_path)


@pytest.mark.databases
def test_seeding_twice_updates_and_never_duplicates(session, seed_records, tmp_path):
    first = catalogue.upsert_many(session, seed_records)
    session.commit()
    assert first == {"created": len(seed_records), "updated": 0, "unchanged": 0}
    again = catalogue.upsert_many(session, seed_records)
    session.commit()
    assert again == {"created": 0, "updated": 0, "unchanged": len(seed_records)}
    assert catalogue.count(session) == len(seed_records)

    _write(tmp_path, GOOD)
    catalogue.upsert_many(session, seed.load(tmp_path))
    _write(tmp_path, GOOD.replace("Good Group", "Better Group"))
    tally = catalogue.upsert_many(session, seed.load(tmp_path))
    session.commit()
    assert tally == {"created": 0, "updated": 1, "unchanged": 0}
    rows = session.exec(select(Organisation).where(Organisation.slug == "good-group")).all()
    assert [row.name for row in rows] == ["Better Group"]
