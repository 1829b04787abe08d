"""The JSON API's shapes, as other tools rely on them (DESIGN.md)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from directory.models import Organisation
from tests.factories import SEED_COUNT

# DESIGN.md's stable shape, plus region and status (added so that pages updated as you type
# show the same as the server's).
HIT_KEYS = {
    "slug",
    "name",
    "kind",
    "country",
    "city",
    "focus",
    "services",
    "url",
    "highlight",
    "region",
    "status",
}


def test_search_shape(client):
    body = client.get("/api/search", params={"q": "books", "kind": "books-to-prisoners"}).json()
    assert set(body) == {"query", "total", "page", "per_page", "hits", "facets", "understood"}
    assert body["query"] == {"q": "books", "kind": ["books-to-prisoners"]}
    assert body["page"] == 1 and body["per_page"] == 20
    assert len(body["hits"]) == min(body["total"], 20) > 0
    for hit in body["hits"]:
        assert set(hit) == HIT_KEYS
        assert hit["kind"] == "books-to-prisoners"
        assert set(hit["highlight"]) == {"name", "description"}
    assert set(body["facets"]) == {"kind", "country", "focus", "service"}


def test_facet_counts_agree_with_the_database(client, seeded):
    facets = client.get("/api/search").json()["facets"]
    with Session(seeded) as session:
        organisations = session.exec(select(Organisation)).all()
    expected_countries: dict[str, int] = {}
    expected_focus: dict[str, int] = {}
    for organisation in organisations:
        expected_countries[organisation.country] = (
            expected_countries.get(organisation.country, 0) + 1
        )
        for tag in organisation.focus:
            expected_focus[tag] = expected_focus.get(tag, 0) + 1
    assert facets["country"] == expected_countries
    assert facets["focus"] == expected_focus
    assert sum(facets["kind"].values()) == len(organisations)


def test_facet_counts_follow_the_query(client, seeded):
    body = client.get("/api/search", params={"q": "books", "country": "GB"}).json()
    # Each listing has one country: the counts add up to the results, and the other
    # countries' counts are those of the same words without the country filter.
    everywhere = client.get("/api/search", params={"q": "books"}).json()
    assert body["facets"]["country"]["GB"] == body["total"]
    assert body["facets"]["country"] == everywhere["facets"]["country"]
    assert sum(everywhere["facets"]["country"].values()) == everywhere["total"]


def test_filters_accept_repeats_and_commas(client):
    repeated = client.get("/api/search?country=GB&country=US&per_page=100").json()
    commas = client.get("/api/search?country=GB,US&per_page=100").json()
    assert repeated["total"] == commas["total"]
    assert {hit["country"] for hit in repeated["hits"]} == {"GB", "US"}


def test_bad_parameters_get_a_clear_400(client):
    response = client.get("/api/search", params={"per_page": "500", "kind": "nope"})
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "per_page" in fields and "kind" in fields


def test_paging(client):
    first = client.get("/api/search", params={"per_page": 5}).json()
    second = client.get("/api/search", params={"per_page": 5, "page": 2}).json()
    assert first["total"] == second["total"] >= 60
    assert not {h["slug"] for h in first["hits"]} & {h["slug"] for h in second["hits"]}


def test_organisation_shape(client):
    body = client.get("/api/organisations/bent-bars-project").json()
    for key in (
        "slug",
        "name",
        "alternate_names",
        "kind",
        "description",
        "focus",
        "services",
        "country",
        "region",
        "city",
        "areas_served",
        "latitude",
        "longitude",
        "website",
        "postal_address",
        "postal_address_accepts_prisoner_mail",
        "languages",
        "founded_year",
        "status",
        "verification",
        "sources",
        "updated_at",
    ):
        assert key in body, key
    assert body["name"] == "Bent Bars Project"
    assert body["verification"]["last_verified"] == "2026-12-02"
    assert "id" not in body


def test_unknown_organisation_is_a_json_404(client):
    response = client.get("/api/organisations/../../etc/passwd")
    assert response.status_code == 404
    response = client.get("/api/organisations/nope")
    assert response.status_code == 404
    assert "error" in response.json()


def test_organisations_are_paged_in_slug_order(client):
    first = client.get("/api/organisations", params={"per_page": 10}).json()
    second = client.get("/api/organisations", params={"per_page": 10, "page": 2}).json()
    assert first["total"] == second["total"] == SEED_COUNT
    slugs = [o["slug"] for o in first["organisations"] + second["organisations"]]
    assert slugs == sorted(slugs) and len(set(slugs)) == 20
    pages = -(-SEED_COUNT // 10)
    last = client.get("/api/organisations", params={"per_page": 10, "page": pages}).json()
    assert len(last["organisations"]) == SEED_COUNT - 10 * (pages - 1)


def test_organisations_take_the_search_filters(client):
    body = client.get(
        "/api/organisations", params={"focus": ["lgbtq", "vegan"], "country": "GB"}
    ).json()
    assert {o["slug"] for o in body["organisations"]} == {
        "bent-bars-project",
        "books-beyond-bars-uk",
        "vegan-prisoners-support-group",
    }
    assert all(o["country"] == "GB" for o in body["organisations"])
    services = client.get("/api/organisations", params={"service": "books"}).json()
    assert services["total"] > 0
    assert all("books" in o["services"] for o in services["organisations"])


def test_organisations_modified_after(client, seeded):

    from tests import factories

    everything = client.get("/api/organisations", params={"modified_after": "2000-01-01"}).json()
    assert everything["total"] == SEED_COUNT
    with Session(seeded) as session:
        newest = max(o.updated_at for o in session.exec(select(Organisation))).isoformat()
    factories.store(seeded, slug="later-group", name="Later Group")
    since = client.get("/api/organisations", params={"modified_after": newest}).json()
    assert [o["slug"] for o in since["organisations"]] == ["later-group"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"modified_after": "yesterday"}, "modified_after"),
        ({"per_page": "0"}, "per_page"),
        ({"kind": "nope"}, "kind"),
    ],
)
def test_organisations_bad_parameters(client, params, field):
    response = client.get("/api/organisations", params=params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_search_says_what_it_read_and_what_it_left_out(client):
    corrected = client.get("/api/search", params={"q": "anarchsit"}).json()
    assert corrected["understood"] == {"place": None, "unmatched": [], "corrected": "anarchist"}
    left_out = client.get("/api/search", params={"q": "families qwxzyv"}).json()
    assert left_out["understood"]["unmatched"] == ["qwxzyv"]
    assert left_out["total"] > 0
    page = client.get("/search", params={"q": "families qwxzyv"}).text
    assert "No group mentions “qwxzyv” together with the rest of your search" in page
    page = client.get("/search", params={"q": "anarchsit"}).text
    assert "Showing results for “anarchist”." in page


def test_a_word_the_index_holds_is_not_also_matched_as_a_typo(client):
    # Some descriptions say "began": one typo from "vegan", and not about vegans.
    hits = client.get("/api/search", params={"q": "vegan", "per_page": 100}).json()["hits"]
    assert hits
    assert not any("<mark>began</mark>" in hit["highlight"]["description"].lower() for hit in hits)
