"""Seed data: the real files load, bad records are reported precisely, seeding is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from directory import catalogue, freshness, reach, seed, vocab
from directory.models import Organisation

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
    assert any(r.name.startswith(name) or name in r.alternate_names for r in seed_records), name


def test_unverified_records_say_so(seed_records):
    by_slug = {r.slug: r for r in seed_records}
    # No source could be re-read for these when the catalogue was researched.
    for slug in ("nottingham-black-prisoner-support", "glasgow-abc"):
        assert by_slug[slug].verified_on is None, slug
    assert by_slug["bent-bars-project"].verified_on is not None


def test_every_contact_detail_names_its_source_and_the_source_is_listed(seed_records):
    for record in seed_records:
        assert all(source.startswith(("http://", "https://")) for source in record.sources)
        for field in ("email", "postal_address", "letter_instructions", "how_to_ask"):
            if getattr(record, field):
                assert record.citations[field].url in record.sources, (record.slug, field)
        for phone in record.phones:
            assert phone.source in record.sources, (record.slug, phone.number)
            assert phone.number.startswith("+"), (record.slug, phone.number)  # E.164


def test_every_listing_says_where_it_works_as_codes(seed_records):
    for record in seed_records:
        assert record.areas_served, record.slug
        assert all(vocab.is_area(code) for code in record.areas_served), record.slug


def test_the_status_follows_the_evidence(seed_records):
    for record in seed_records:
        if record.status == "inactive":
            assert "status" in record.citations, record.slug
        else:
            expected = freshness.status_from_evidence(
                record.last_activity, record.verified_on, closed=False
            )
            assert record.status == expected, record.slug
        if record.last_activity:
            assert "last_activity" in record.citations, record.slug


def _family_service(record) -> bool:
    return "families" in record.focus and (
        record.kind in ("family-support", "visiting") or "family-support" in record.services
    )


# What the catalogue covers, counted from the files. The floors are what the stored public
# sources supported when the catalogue was researched (issue 14): where a figure falls short
# of the issue's aim (a way to reach 80%, books projects' addresses 60%, 10 family services in
# Northern Ireland and Ireland), the note on the issue says so; no gap was filled by a guess.
COVERAGE = {
    "listings": (lambda r: True, 250),
    "US books-to-prisoners projects, with the states they serve": (
        lambda r: r.kind == "books-to-prisoners" and r.country == "US" and r.areas_served,
        35,
    ),
    "US books-to-prisoners projects people inside can write to": (
        lambda r: r.kind == "books-to-prisoners" and r.country == "US" and reach.can_write(r),
        15,
    ),
    "Scottish visitors' centres and family services, with their prisons": (
        lambda r: "GB-SCT" in r.areas_served and r.prisons_served and _family_service(r),
        11,
    ),
    "family services in Northern Ireland and Ireland": (
        lambda r: (r.country == "IE" or "GB-NIR" in r.areas_served) and _family_service(r),
        7,
    ),
    "family services in England and Wales": (
        lambda r: (
            r.country == "GB"
            and not {"GB-SCT", "GB-NIR"} & set(r.areas_served)
            and _family_service(r)
        ),
        15,
    ),
    "LGBTQ+ prisoner support groups": (lambda r: "lgbtq" in r.focus, 12),
    "ABC and anti-repression groups in North America": (
        lambda r: (
            r.country in ("US", "CA")
            and (r.kind == "abc-group" or "political-prisoners" in r.focus)
        ),
        15,
    ),
    "listings with a phone, an email or a postal address": (reach.has_way_to_reach, 85),
}


@pytest.mark.parametrize("what", COVERAGE)
def test_the_catalogue_covers_the_field(seed_records, what):
    belongs, floor = COVERAGE[what]
    assert sum(1 for record in seed_records if belongs(record)) >= floor, what


def test_the_national_helplines_for_families_have_their_numbers(seed_records):
    helplines = {
        record.slug: [phone.number for phone in record.phones if phone.kind == "helpline"]
        for record in seed_records
    }
    assert helplines["prisoners-families-helpline"] == ["+448088083444"]  # England and Wales
    assert helplines["families-outside"] == ["+448002540088"]  # Scotland


def test_the_discrepancies_the_research_found_are_fixed(seed_records):
    by_slug = {record.slug: record for record in seed_records}
    assert by_slug["legal-services-for-prisoners-with-children"].city == "Oakland"
    assert by_slug["prison-dharma-network"].name == "Prison Mindfulness Institute"
    assert "Prison Dharma Network" in by_slug["prison-dharma-network"].alternate_names
    assert by_slug["abc-bialystok"].last_activity == "2002-09"
    assert "PO Box 74" in (by_slug["brighton-abc"].postal_address or "")


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
        # Ways to reach a group: a number that is no number, an area that is no area, and a
        # contact detail nobody stated.
        (
            (
                "sources = ",
                'phones = [{ number = "0800 254", source = "https://example.org/" }]\nsources = ',
            ),
            "field 'phones': phone 1: '0800 254' is not a valid phone number in United Kingdom",
        ),
        (
            ("sources = ", 'areas_served = ["GB-XYZ"]\nsources = '),
            "field 'areas_served.0': 'GB-XYZ' is not an area code",
        ),
        (
            ("sources = ", 'email = "post@example.org"\nsources = '),
            "field 'email': needs a source",
        ),
        (
            ("sources = ", 'phones = [{ number = "0800 254 0088" }]\nsources = '),
            "field 'phones.0.source': a phone number needs a source",
        ),
        (
            (
                "sources = ",
                'postal_address = "PO Box 1"\n'
                'citations = { postal_address = { url = "https://elsewhere.example/" } }\n'
                "sources = ",
            ),
            "field 'citations.postal_address': https://elsewhere.example/ is not in sources",
        ),
        (
            ('country = "GB"', 'country = "GB"\nstatus = "active"'),
            "field 'status': give a status only as 'inactive'",
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
