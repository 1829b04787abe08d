"""Place names to coordinates, and searching near a place on the site and the API."""

from __future__ import annotations

import pytest

from directory import places


@pytest.mark.parametrize(
    ("text", "name", "country"),
    [
        ("Glasgow", "Glasgow", "GB"),
        ("glasgow", "Glasgow", "GB"),
        ("Poznan", "Poznań", "PL"),
        ("Wien", "Vienna", "AT"),
        ("Portland, US", "Portland", "US"),
        ("Portland, United States", "Portland", "US"),
        ("London, UK", "London", "GB"),
        ("Derry", "Derry", "GB"),
    ],
)
def test_place_names_resolve(gazetteer, text, name, country):
    place = places.resolve(gazetteer, text)
    assert place is not None
    assert (place.name, place.country) == (name, country)


def test_coordinates_are_accepted(gazetteer):
    place = places.resolve(gazetteer, "55.86, -4.25")
    assert (place.latitude, place.longitude) == (55.86, -4.25)
    assert places.resolve(gazetteer, "95, 10") is None


@pytest.mark.parametrize(
    "text", ["Qwxlorpville", "", "   ", "%", "'; DROP TABLE places; --", "x" * 100]
)
def test_unknown_places_resolve_to_nothing(gazetteer, text):
    assert places.resolve(gazetteer, text) is None


@pytest.mark.parametrize(
    ("city", "country", "near"),
    [
        ("Leeds", "GB", "Leeds"),
        ("London", "CA", "London, Canada"),  # Ontario's, not England's larger one
        ("Leeds, West Yorkshire", "GB", "Leeds"),
        ("Portland", "international", "Portland"),  # no country to narrow it: the largest
    ],
)
def test_a_listing_is_located_by_its_town_in_its_country(gazetteer, city, country, near):
    town = places.resolve(gazetteer, near)
    assert places.locate(gazetteer, city, country) == (town.latitude, town.longitude)


@pytest.mark.parametrize(
    ("city", "country"), [(None, "GB"), ("", "GB"), ("Leeds", "FR"), ("55.8, -4.2", "GB")]
)
def test_a_listing_without_a_known_town_is_not_located(gazetteer, city, country):
    assert places.locate(gazetteer, city, country) is None


def test_near_glasgow_on_the_search_page(client):
    page = client.get("/search", params={"near": "Glasgow", "radius_km": "50"})
    assert page.status_code == 200
    assert "near Glasgow, United Kingdom" in page.text
    assert "Groups within 50 km of Glasgow first, nearest first" in page.text
    assert "Glasgow Prisoner Solidarity" in page.text
    assert "less than 1 km away" in page.text or "km away" in page.text
    # Beyond 50 km but working across Scotland: offered after the local groups, labelled.
    assert "Families Outside" in page.text
    assert page.text.index("Glasgow Prisoner Solidarity") < page.text.index("Families Outside")
    assert "Works across Scotland" in page.text
    assert "Pact" not in page.text  # London, and serves England and Wales only


def test_near_glasgow_on_the_api(client):
    body = client.get(
        "/api/search", params={"near": "Glasgow", "radius_km": 50, "per_page": 100}
    ).json()
    hits = body["hits"]
    slugs = [hit["slug"] for hit in hits]
    assert {"glasgow-prisoner-solidarity", "glasgow-abc", "the-croft-barlinnie"} <= set(slugs)
    assert "pact" not in slugs and "prisoners-advice-service" not in slugs
    tiers = [hit["served_as"] for hit in hits]
    order = ["near", "region", "country", "international"]
    assert tiers == sorted(tiers, key=order.index), "local first, then Scotland, the UK, the world"
    near = [hit for hit in hits if hit["served_as"] == "near"]
    assert all(hit["distance_km"] < 50 for hit in near)
    assert [hit["distance_km"] for hit in near] == sorted(hit["distance_km"] for hit in near)
    assert next(hit for hit in hits if hit["slug"] == "families-outside")["served_as"] == "region"
    assert body["query"]["near"]["place"] == "Glasgow, United Kingdom"
    assert body["query"]["near"]["radius_km"] == 50
    assert body["understood"]["place"] == {
        "kind": "town",
        "label": "Glasgow",
        "area": "GB-SCT",
        "country": "GB",
        "prison": None,
    }


def test_near_bare_coordinates_gives_local_groups_only(client):
    body = client.get("/api/search", params={"near": "55.86,-4.25", "radius_km": 25}).json()
    assert body["total"] > 0
    assert all(hit["served_as"] == "near" and hit["distance_km"] <= 25 for hit in body["hits"])


def test_wider_radius_finds_more(client):
    near = client.get("/api/search", params={"near": "London", "radius_km": 10}).json()
    wide = client.get("/api/search", params={"near": "London", "radius_km": 250}).json()
    assert 0 < near["total"] < wide["total"]
    distances = [hit["distance_km"] for hit in wide["hits"] if hit["served_as"] == "near"]
    assert distances == sorted(distances)


def test_unknown_place_gets_a_clear_message(client):
    page = client.get("/search", params={"near": "Qwxlorpville", "q": "books"})
    assert page.status_code == 200
    assert "We could not find a place called “Qwxlorpville”" in page.text
    assert 'value="Qwxlorpville"' in page.text  # what they typed is kept
    api = client.get("/api/search", params={"near": "Qwxlorpville"})
    assert api.status_code == 400
    assert "Qwxlorpville" in api.json()["fields"]["near"]


def test_filter_links_keep_the_place(client):
    page = client.get("/search", params={"near": "Glasgow", "radius_km": "25"}).text
    assert "near=Glasgow&amp;radius_km=25" in page
