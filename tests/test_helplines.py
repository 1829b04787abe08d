"""The national helplines for prisoners' families, as the catalogue lists them."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from directory import catalogue, helplines
from directory.helplines import Helpline
from tests import factories

pytestmark = pytest.mark.databases

HELPLINE = {"number": "+353 1 555 0100", "kind": "helpline", "free": True, "hours": "Daily"}


def helpline_listing(**overrides):
    values = {
        "name": "Irish Families Line",
        "kind": "family-support",
        "focus": ["families"],
        "services": ["helpline"],
        "country": "IE",
        "areas_served": ["IE"],
        "phones": [HELPLINE],
    }
    return factories.record(**{**values, **overrides})


def names(session: Session) -> list[str]:
    return [helpline.name for helpline in helplines.national(session)]


def test_the_seed_data_has_the_uk_nations_helplines_once_each(seeded):
    with Session(seeded) as session:
        found = {helpline.name: helpline for helpline in helplines.national(session)}
    assert found["Families Outside"].areas == ("GB-SCT",)
    assert found["Families Outside"].phones[0]["number"] == "+448002540088"
    # Pact runs the Prisoners' Families Helpline and lists its number too: one line, named by
    # the listing that is about families alone.
    assert found["Prisoners' Families Helpline"].areas == ("GB-ENG", "GB-WLS")
    assert "Pact" not in found
    # A helpline that is not for families, and ones for a state or a province, are not these.
    assert "Prisoners' Advice Service" not in found
    assert "Pennsylvania Prison Society" not in found
    assert not any("Jail Accountability" in name for name in found)


def test_a_helpline_added_to_the_catalogue_is_found_at_once(session):
    assert names(session) == []
    catalogue.upsert(session, helpline_listing(slug="irish-families-line"))
    session.commit()
    [found] = helplines.national(session)
    assert (found.name, found.areas, found.slug) == (
        "Irish Families Line",
        ("IE",),
        "irish-families-line",
    )
    assert found.phones[0]["number"] == "+35315550100"
    catalogue.upsert(session, helpline_listing(slug="irish-families-line", status="inactive"))
    session.commit()
    assert names(session) == []  # closed: no longer offered


@pytest.mark.parametrize(
    ("overrides", "areas"),
    [
        ({"areas_served": ["nationwide"]}, ("IE",)),  # nationwide: its own country
        ({"areas_served": ["IE", "GB-NIR"], "country": "GB"}, ("IE", "GB-NIR")),
        ({"areas_served": ["international"], "country": "international"}, None),
        ({"areas_served": ["IE-D"]}, None),  # Dublin only: not national
        ({"areas_served": []}, None),
        ({"focus": ["all-prisoners"]}, None),  # not for families
        ({"phones": [{**HELPLINE, "kind": "office"}]}, None),
    ],
)
def test_what_counts_as_a_national_helpline_for_families(session, overrides, areas):
    catalogue.upsert(session, helpline_listing(**overrides))
    session.commit()
    found = helplines.national(session)
    assert [helpline.areas for helpline in found] == ([areas] if areas else [])


def helpline(name: str, *areas: str, at: tuple[float, float] | None = None) -> Helpline:
    latitude, longitude = at or (None, None)
    return Helpline(name.lower(), name, areas, (), latitude, longitude)


SCOTLAND = helpline("Scottish Line", "GB-SCT", at=(55.95, -3.19))  # Edinburgh
ENGLAND_WALES = helpline("English and Welsh Line", "GB-ENG", "GB-WLS", at=(51.51, -0.13))
IRELAND = helpline("Irish Line", "IE")
ALL = [ENGLAND_WALES, IRELAND, SCOTLAND]


def test_with_no_place_the_helplines_are_in_name_order():
    assert helplines.for_place(ALL) == ALL


def test_the_helplines_of_the_country_come_first():
    assert helplines.for_place(ALL, ["IE"])[0] == IRELAND
    assert helplines.for_place(ALL, ["GB"])[2] == IRELAND


def test_the_nation_when_known_comes_before_the_rest_of_its_country():
    assert helplines.for_place(ALL, ["GB", "GB-WLS"]) == [ENGLAND_WALES, SCOTLAND, IRELAND]
    assert helplines.for_place(ALL, ["GB", "GB-SCT"]) == [SCOTLAND, ENGLAND_WALES, IRELAND]


@pytest.mark.parametrize(
    ("near", "first"),
    [((55.86, -4.25), SCOTLAND), ((51.48, -3.18), ENGLAND_WALES)],  # Glasgow, Cardiff
)
def test_within_a_country_the_nearest_comes_first(near, first):
    assert helplines.for_place(ALL, ["GB"], near)[0] == first
