"""The prison pages and API as people and programs see them, and the groups that serve a
prison: the visitors' centre, local groups, groups across the region, national groups."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import jsonschema
import pytest
from sqlmodel import Session

from directory import prison_groups, prisons
from tests import factories
from tests.web import text_of

ENGLAND_WALES = prisons.read([prisons.PACKAGED_DIR / "england-wales.toml"])


def leeds(gazetteer, **changes):
    found = prisons.load(gazetteer).get("hmp-leeds")
    return dataclasses.replace(found, **changes)


def names(groups):
    return [group.organisation.name for group in groups]


# Which groups serve a prison ---------------------------------------------------------------


@pytest.mark.databases
def test_groups_for_a_prison_come_in_sections_each_listing_once(engine, gazetteer):
    def store(name, **fields):
        factories.store(engine, name=name, slug=name.lower().replace(" ", "-"), **fields)

    store("Jigsaw", prisons_served=["HMP Leeds"], latitude=53.796, longitude=-1.548)
    store("The Croft", alternate_names=["Croft Centre"], country="GB")
    store("Bradford Letters", latitude=53.7939, longitude=-1.7521, areas_served=["GB"])
    store("York Books", latitude=53.9576, longitude=-1.0827)
    store("Manchester Group", latitude=53.4809, longitude=-2.2374)  # 60 km: not local
    store("England Wide", kind="family-support", areas_served=["GB-ENG"])
    store("Scotland Wide", areas_served=["GB-SCT"])
    store("UK Books", kind="books-to-prisoners", areas_served=["GB"])
    store("UK Families", kind="family-support", areas_served=["nationwide"])
    store("Irish Families", country="IE", areas_served=["nationwide"])
    store("Closed Near", status="inactive", latitude=53.80, longitude=-1.55, areas_served=["GB"])
    store("Wakefield Centre", prisons_served=["HMP Wakefield"], latitude=53.68, longitude=-1.50)

    with Session(engine) as session:
        found = prison_groups.groups_for(session, leeds(gazetteer, visitors_centre="The Croft"))
    assert names(found.visitors) == ["Jigsaw", "The Croft"]
    assert names(found.local) == ["Bradford Letters", "York Books"]  # nearest first
    assert 10 < found.local[0].distance_km < 20 and 30 < found.local[1].distance_km < 45
    assert names(found.area) == ["England Wide"]
    assert [(kind, names(groups)) for kind, groups in found.national] == [
        ("books-to-prisoners", ["UK Books"]),
        ("family-support", ["UK Families"]),
    ]
    assert found.total == 7


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ("HMP Leeds", True),
        ("HMP/YOI Leeds", True),
        ("Leeds prison", True),
        ("leeds", True),
        ("HMP Wakefield", False),
        ("HMP Leeds Road", False),
    ],
)
def test_a_listing_serves_the_prison_its_prisons_served_name_in_any_form(
    engine, gazetteer, served, expected
):
    factories.store(engine, slug="centre", name="A Centre", prisons_served=[served])
    with Session(engine) as session:
        found = prison_groups.groups_for(session, leeds(gazetteer))
    assert (names(found.visitors) == ["A Centre"]) is expected


@pytest.mark.parametrize(
    ("centre", "listing", "expected"),
    [
        ("The Croft", "The Croft", True),
        ("The Croft", "The Croft Barlinnie Visitors Centre", True),
        ("Early Years Scotland", "Early Years Scotland", True),
        ("Crossreach", "CrossReach", True),
        ("Stirling Interfaith Community Justice Group", "Stirling Interfaith", True),
        ("The Croft", "Croftwood Books", False),
        ("Pact", "Pact Leeds Support", False),  # one short word says too little
    ],
)
def test_the_visitors_centre_the_register_names_is_found_by_its_name(
    engine, gazetteer, centre, listing, expected
):
    factories.store(engine, slug="centre", name=listing)
    with Session(engine) as session:
        found = prison_groups.groups_for(session, leeds(gazetteer, visitors_centre=centre))
    assert (names(found.visitors) == [listing]) is expected


# The pages ---------------------------------------------------------------------------------


def test_prisons_lists_every_prison_with_its_source_and_licence(client):
    response = client.get("/prisons")
    assert response.status_code == 200
    html = response.text
    listed = set(re.findall(r'href="/prisons/([a-z0-9-]+)"', html))
    assert {p.slug for p in prisons.load(None).all()} == listed
    page = text_of(html)
    assert "England and Wales" in page and "Closed prisons in England and Wales" in page
    assert "Source: github.com/symroe/prison-estate-data , 12 May 2017" in page
    assert "Open Government Licence v3.0" in page
    assert "Contains public sector information licensed under the Open Government Licence" in page
    holloway = page.index("HMP Holloway")
    assert page.index("Closed prisons in England and Wales") < holloway
    assert "Closed May 2016" in page[holloway : holloway + 100]


def test_every_page_links_to_the_prisons(client):
    assert '<a href="/prisons">Prisons</a>' in client.get("/").text


@pytest.mark.parametrize(
    ("q", "found", "not_found"),
    [
        ("leeds", "HMP Leeds", "HMP Wakefield"),
        ("Strangeways", "HMP/YOI Manchester", "HMP Leeds"),
        ("HMP Holloway", "HMP Holloway", "HMP Leeds"),
    ],
)
def test_the_prison_search_works_without_javascript(client, q, found, not_found):
    html = client.get("/prisons", params={"q": q}).text
    assert '<form class="search-form" role="search" action="/prisons" method="get">' in html
    assert f'value="{q}"' in html
    results = text_of(html).partition(f"for “{q}”")[2]
    assert found in results and not_found not in results


def test_what_was_typed_is_escaped(client):
    typed = '<script>alert("x")</script>'
    html = client.get("/prisons", params={"q": typed}).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "No prison found for" in text_of(html)


def test_a_prison_page_gives_the_address_for_letters_then_the_groups(client):
    response = client.get("/prisons/hmp-leeds")
    assert response.status_code == 200
    page = unescape(text_of(response.text))
    address = "HMP Leeds 2 Gloucester Terrace Stanningley Road Leeds West Yorkshire LS12 2TJ"
    assert address in page
    assert "Source: github.com/symroe/prison-estate-data , 12 May 2017" in page
    order = [
        "Writing to someone here",
        address,
        "Visitors' centre and family service at this prison",
        "Jigsaw Visitors' Centre",
        "Local groups",
        "Leeds ABC",
        "Groups across England",
        "National groups in United Kingdom",
        "Contains public sector information licensed under the Open Government Licence v3.0.",
    ]
    places = [page.find(text) for text in order]
    assert places == sorted(places), list(zip(order, places, strict=True))
    assert 'href="/organisations/jigsaw-visitors-centre"' in response.text
    assert "less than 1 km away" in page  # Leeds ABC, in the town
    assert page.count("Jigsaw Visitors' Centre") == 1


def test_a_closed_prison_says_so_first_with_its_date(client):
    page = text_of(client.get("/prisons/hmp-holloway").text)
    assert "This prison has closed (May 2016)." in page
    assert page.index("This prison has closed") < page.index("Sources")
    assert "Writing to someone here" not in page and "Local groups" not in page


def test_a_prison_with_no_address_says_so(client):
    page = text_of(client.get("/prisons/hmp-yoi-berwyn").text)
    assert "We do not have a postal address for this prison" in page


@pytest.mark.parametrize("path", ["/prisons/no-such-prison", "/prisons/HMP%20Leeds"])
def test_an_unknown_prison_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


# The API -----------------------------------------------------------------------------------


def schema(client, name):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    return {**schemas[name], "components": {"schemas": schemas}}


def test_api_prisons_finds_by_name_and_matches_its_schema(client):
    response = client.get("/api/prisons", params={"q": "leeds"})
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, schema(client, "PrisonPage"))
    first = body["prisons"][0]
    assert first["slug"] == "hmp-leeds" and first["url"] == "/prisons/hmp-leeds"
    assert first["address"].endswith("LS12 2TJ")
    assert first["registers"][0]["licence"] == "Open Government Licence v3.0"


def test_api_prisons_pages_and_filters_by_jurisdiction(client):
    count = len([p for p in prisons.load(None).all() if p.jurisdiction == "GB-EAW"])
    response = client.get(
        "/api/prisons", params={"jurisdiction": "gb-eaw", "per_page": 10, "page": 2}
    )
    body = response.json()
    assert (body["total"], body["page"], body["per_page"]) == (count, 2, 10)
    assert response.headers["x-total-count"] == str(count)
    assert len(body["prisons"]) == 10
    everything = client.get("/api/prisons", params={"per_page": 100}).json()
    assert everything["total"] == len(prisons.load(None).all())
    assert client.get("/api/prisons?jurisdiction=").json()["total"] == everything["total"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"jurisdiction": "XX"}, "jurisdiction", "Unknown jurisdiction ignored: XX."),
        ({"page": "0"}, "page", "Page must be a whole number from 1 to 1000."),
        (
            {"per_page": "many"},
            "per_page",
            "The number of results per page must be a whole number from 1 to 100.",
        ),
        ({"q": "x" * 101}, "q", "A search for a prison is at most 100 characters."),
    ],
)
def test_api_prisons_refuses_bad_parameters_saying_why(client, params, field, message):
    response = client.get("/api/prisons", params=params)
    assert response.status_code == 400
    assert response.json()["fields"][field] == message


def test_api_prison_gives_one_prison_or_a_json_404(client):
    response = client.get("/api/prisons/hmp-yoi-manchester")
    jsonschema.validate(response.json(), schema(client, "Prison"))
    assert "Strangeways" in response.json()["other_names"]
    missing = client.get("/api/prisons/no-such-prison")
    assert missing.status_code == 404
    assert missing.json() == {"error": "No prison has that address."}


def test_the_sitemap_lists_the_prison_pages(client):
    sitemap = client.get("/sitemap.xml").text
    assert "<loc>http://127.0.0.1:8000/prisons</loc>" in sitemap
    assert "<loc>http://127.0.0.1:8000/prisons/hmp-leeds</loc>" in sitemap


def test_a_search_naming_a_prison_shows_it_first_then_the_groups_that_serve_it(client):
    html = client.get("/search", params={"q": "HMP Barlinnie"}).text
    page = text_of(html)
    assert "To write to someone held here" in page
    assert "81 Lee Avenue" in page and "G33 2QX" in page
    assert "Visitors’ centre or family service: The Croft" in page
    assert 'href="/prisons/hmp-barlinnie"' in html
    # Then the groups: the Croft (it names the prison) before the rest.
    assert page.index("81 Lee Avenue") < page.index("Works with HMP Barlinnie")
    api = client.get("/api/search", params={"q": "barlinnie"}).json()
    assert api["understood"]["place"]["prison"] == "hmp-barlinnie"
    assert api["hits"][0]["served_as"] == "prison"
    assert "the-croft-barlinnie" in [hit["slug"] for hit in api["hits"][:2]]
