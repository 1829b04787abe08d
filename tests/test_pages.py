"""Public pages as a visitor sees them: status codes, text, links and escaping."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import Session

from directory import catalogue
from directory.search import backends
from directory.search.indexing import reindex
from tests import factories


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/", 200, "text/html"),
        ("/search", 200, "text/html"),
        ("/search?q=books", 200, "text/html"),
        ("/organisations/bent-bars-project", 200, "text/html"),
        ("/organisations/no-such-group", 404, "text/html"),
        ("/no/such/page", 404, "text/html"),
        ("/healthz", 200, "application/json"),
        ("/api/search?q=books", 200, "application/json"),
        ("/api/organisations/bent-bars-project", 200, "application/json"),
        ("/api/organisations/no-such-group", 404, "application/json"),
        ("/static/site.css", 200, "text/css"),
    ],
)
def test_routes(client, path, status, content_type):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(content_type)


def test_home_offers_search_and_browsing_with_counts(client):
    page = text_of(client.get("/").text)
    assert "Search the directory" in page
    assert re.search(r"Anarchist Black Cross group \(\d+\)", page)
    assert re.search(r"United Kingdom \(\d+\)", page)
    assert re.search(r"LGBTQ\+ \(\d+\)", page)


def test_browse_links_lead_to_filtered_results(client):
    html = client.get("/").text
    link = re.search(r'href="(/search\?focus=lgbtq)"', html).group(1)
    page = text_of(client.get(link).text)
    assert "Bent Bars Project" in page
    assert "Vegan Prisoners Support Group" not in page


@pytest.mark.parametrize(
    ("q", "expected_in_top_three"),
    [
        ("vegan", "Vegan Prisoners Support Group"),
        ("dharma", "Prison Mindfulness Institute"),  # its former name
        ("glasgow", "Glasgow Prisoner Solidarity"),
        ("books through bars", "Books Through Bars"),
        ("barlinnie", "The Croft"),
        ("letter writing glasgow", "Glasgow Prisoner Solidarity"),
    ],
)
def test_search_puts_matching_groups_in_the_top_three(client, q, expected_in_top_three):
    hits = client.get("/api/search", params={"q": q, "per_page": 3}).json()["hits"]
    assert expected_in_top_three in [hit["name"] for hit in hits]


@pytest.mark.parametrize("q", ["anarchist black cross", "anarchsit black cross", "anarchsit"])
def test_abc_groups_come_first(client, q):
    hits = client.get("/api/search", params={"q": q, "per_page": 25}).json()["hits"]
    assert len(hits) >= 20
    # ABC groups, the federation and networks of them, and groups named anarchist first;
    # ABC groups fill the first page all but for a few other anarchist groups.
    assert all(hit["kind"] == "abc-group" or "Anarchist" in hit["name"] for hit in hits[:10]), [
        hit["name"] for hit in hits[:10]
    ]
    assert sum(hit["kind"] == "abc-group" for hit in hits) >= 20


def test_lgbtq_in_the_united_kingdom(client):
    body = client.get("/api/search", params={"focus": "lgbtq", "country": "GB"}).json()
    assert "bent-bars-project" in [hit["slug"] for hit in body["hits"]]
    assert all(hit["country"] == "GB" and "lgbtq" in hit["focus"] for hit in body["hits"])


def test_search_page_shows_count_highlights_and_filters(client):
    html = client.get("/search", params={"q": "solidarity"}).text
    page = text_of(html)
    body = client.get("/api/search", params={"q": "solidarity"}).json()
    total = body["total"]
    assert total >= 2 and f"{total} groups for “solidarity”" in page
    assert "<mark>Solidarity</mark>" in html
    assert "Kind of group" in page and "Country" in page
    # A filter link narrows the results without JavaScript, to the count it showed.
    kind, count = next(iter(body["facets"]["kind"].items()))
    link = re.search(rf'href="(/search\?q=solidarity&amp;kind={kind})"', html).group(1)
    narrowed = text_of(client.get(link.replace("&amp;", "&")).text)
    assert f"{count} {'group' if count == 1 else 'groups'} for “solidarity”" in narrowed
    assert "Remove" in narrowed or "remove" in narrowed


def test_a_town_typed_into_the_search_is_where_help_is_wanted(client):
    html = client.get("/search", params={"q": "glasgow"}).text
    page = text_of(html)
    # Not a word a description must hold: the groups near Glasgow, then across Scotland.
    assert "Groups within 50 km of Glasgow first, nearest first" in page
    assert page.index("Glasgow Prisoner Solidarity") < page.index("Families Outside")
    assert "Works across Scotland" in page


def test_search_pagination(client):
    page = text_of(client.get("/search", params={"per_page": 10, "page": 2}).text)
    assert "showing 11–20" in page
    assert "Page 2 of" in page and "Previous" in page and "Next" in page


def test_no_results_page_helps(client):
    page = text_of(client.get("/search", params={"q": "zzzqqqxxx"}).text)
    assert "No groups found for “zzzqqqxxx”" in page
    assert "Check the spelling" in page


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"per_page": "0"},
        {"per_page": "1000"},
        {"kind": "not-a-kind"},
        {"country": "XX"},
        {"q": "x" * 6000},
        {"q": '"'},
        {"q": "NEAR("},
        {"page": "٣"},
    ],
)
def test_odd_search_parameters_never_break_the_page(client, params):
    response = client.get("/search", params=params)
    assert response.status_code == 200
    api = client.get("/api/search", params=params)
    assert api.status_code in (200, 400)
    if api.status_code == 400:
        assert api.json()["error"] == "invalid parameters"


def test_organisation_page_shows_every_public_field(client):
    page = text_of(client.get("/organisations/glasgow-prisoner-solidarity").text)
    for expected in [
        "Glasgow Prisoner Solidarity",
        "Regional network",
        "Glasgow",
        "Scotland",
        "Who they support",
        "What they offer",
        "Pen pals",
        "Postal address",
        "People in prison can write to this address",
        "34 Allison St",
        "Sources",
        "https://glasgowprisonersolidarity.wordpress.com",
        "Sources checked on",
        "dated sign of activity",
    ]:
        assert expected in page, expected


def test_verified_organisation_says_when_and_by_whom(client):
    page = text_of(client.get("/organisations/bent-bars-project").text)
    assert "Sources checked on 2 December 2026 by directory editors" in page


def test_unverified_organisation_says_not_yet_verified(client):
    page = text_of(client.get("/organisations/nottingham-black-prisoner-support").text)
    assert "Not yet checked" in page
    assert "Sources checked on" not in page


def test_friendly_404(client):
    response = client.get("/organisations/no-such-group")
    assert "Page not found" in response.text
    assert 'action="/search"' in response.text


def test_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_pages_make_no_third_party_requests(client):
    for path in ("/", "/search?q=books", "/organisations/bent-bars-project"):
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//(?!)', html)
        # Scripts only from our own /static/, never inline (the CSP would refuse it anyway).
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert re.fullmatch(r' src="/static/[\w-]+\.js" defer', attributes) and not body
        assert not re.search(r'<link[^>]+href="https?://', html)


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_user_content_is_escaped_everywhere(engine, settings, empty_client):
    hostile = factories.record(
        slug="xss-group",
        name=f"Books {XSS}",
        description=f"Books and letters {XSS} inside.",
        alternate_names=[XSS],
        city=XSS,
        region=XSS,
        areas_served_note=XSS,
        prisons_served=[XSS],
        postal_address=XSS,
        letter_instructions=XSS,
        how_to_ask=XSS,
        opening_hours=XSS,
        phones=[{"number": "+442079460123", "kind": "helpline", "hours": XSS, "free_note": XSS}],
        postal_address_note=XSS,
        accessibility=XSS,
        website="https://example.org/?a=<b>",
        sources=['https://example.org/"><script>'],
    )
    with Session(engine) as session:
        catalogue.upsert(session, hostile)
        session.commit()
        reindex(session, backends.embedded(settings))
    for path in ("/organisations/xss-group", "/search?q=books", f"/search?q={XSS}", "/"):
        html = empty_client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
    assert "&lt;script&gt;" in empty_client.get("/organisations/xss-group").text
    api = empty_client.get("/api/search", params={"q": "books"}).json()["hits"][0]
    assert "<script>" not in api["highlight"]["name"]
    assert "<mark>Books</mark>" in api["highlight"]["name"]


def test_empty_directory_still_works(empty_client):
    assert empty_client.get("/").status_code == 200
    page = text_of(empty_client.get("/search?q=books").text)
    assert "No groups found" in page


@pytest.mark.parametrize(
    "params",
    [
        {"q": "books"},
        {"q": "zzzqqqxxx", "kind": "abc-group"},
        {"country": "GB", "per_page": 5, "page": 2},
        {"q": "prison", "page": 99},
        {"kind": "not-a-kind"},  # with a notice of what was ignored
    ],
)
def test_the_results_part_is_the_region_of_the_page_and_nothing_else(client, params):
    page = client.get("/search", params=params)
    part = client.get("/search", params={**params, "part": "results"})
    assert part.status_code == 200
    assert part.headers["content-type"] == "text/html; charset=utf-8"
    assert 'id="results-heading"' in part.text
    assert "<html" not in part.text and "<form" not in part.text
    assert f'<div id="search-results">{part.text}</div>' in page.text


def test_an_unknown_part_is_the_whole_page(client):
    page = client.get("/search", params={"q": "books"}).text
    assert client.get("/search", params={"q": "books", "part": "everything"}).text == page


def test_ways_to_reach_a_group_come_first_and_a_helpline_is_a_tel_link(client):
    html = client.get("/organisations/families-outside").text
    assert 'href="tel:+448002540088"' in html
    assert ">0800 254 0088</a>" in html  # shown as people in the UK write it
    assert html.index('id="contact"') < html.index('id="about"')
    page = text_of(html)
    assert "Free" in page and "Source: familiesoutside.org.uk" in page


def test_a_closed_group_says_so_differently_from_one_not_confirmed(client):
    closed = client.get("/organisations/abc-nijmegen").text
    assert 'class="status status-inactive"' in closed and "No longer active." in closed
    unknown = client.get("/organisations/abc-bialystok").text
    assert 'class="status status-unknown"' in unknown and "Not confirmed recently." in unknown
    assert "The latest dated sign of activity we found is from September 2002" in text_of(unknown)


def test_a_page_past_the_last_one_says_so_and_links_the_last(client):
    total = client.get("/api/search").json()["total"]
    pages = -(-total // 20)
    html = client.get("/search", params={"page": 99}).text
    page = text_of(html)
    assert f"{total} groups" in page and "showing 0" not in page and "1960" not in page
    assert f"Page 99 is past the last page of these results ({pages})" in page
    last = re.search(r'href="([^"]*)">Go to the last page', html).group(1).replace("&amp;", "&")
    assert f"showing {20 * (pages - 1) + 1}–{total}" in text_of(client.get(last).text)


def test_the_home_page_starts_with_the_situations_people_are_in(client):
    html = client.get("/").text
    assert html.index("Where to start") < html.index('id="browse-heading"')
    links = dict(re.findall(r'<li><a href="([^"]+)">([^<]+)</a><span class="hint">', html))
    by_title = {title: url.replace("&amp;", "&") for url, title in links.items()}
    families = client.get("/api" + by_title["Someone I love is in prison"]).json()
    assert families["total"] > 0 and all("families" in hit["focus"] for hit in families["hits"])
    books = client.get("/api" + by_title["I want to send books"]).json()
    assert books["total"] > 0
    assert all(hit["kind"] == "books-to-prisoners" for hit in books["hits"])
    inside = text_of(client.get(by_title["I am inside, or writing for someone inside"]).text)
    assert "Groups you can write to" in inside and "Ask someone outside" not in inside
    assert client.get(by_title["I am part of a group"]).status_code == 200


# A search that found nothing: links onward, and the helplines -----------------------------


def link_to(html: str, text: str) -> str:
    """The address of the link whose text starts with `text`, as a browser would follow it."""
    found = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(text), html)
    assert found, f"no link {text!r}"
    return unescape(found.group(1))


def no_results_part(html: str) -> str:
    return html[html.index('<div class="no-results">') : html.index('<aside class="facets"')]


def test_no_results_page_links_each_way_to_search_again(client):
    params = {"q": "zzzqqqxxx", "near": "Glasgow", "kind": "abc-group", "focus": "vegan"}
    html = client.get("/search", params=params).text
    page = text_of(html)
    assert "No groups found for “zzzqqqxxx” within 50 km of Glasgow" in page

    def followed(text: str) -> dict:
        return client.get("/api" + link_to(html, text)).json()["query"]

    assert followed("search without “near Glasgow”") == {
        "q": "zzzqqqxxx",
        "kind": ["abc-group"],
        "focus": ["vegan"],
    }
    assert "near" not in followed("search without “near Glasgow”")
    without_kind = followed("Search without “Anarchist Black Cross group”")
    assert without_kind["focus"] == ["vegan"] and "kind" not in without_kind
    assert without_kind["near"]["place"] == "Glasgow, United Kingdom"
    without_focus = followed("Search without “Vegans”")
    assert without_focus["kind"] == ["abc-group"] and "focus" not in without_focus
    assert followed("Search again without any of the filters") == {
        "q": "zzzqqqxxx",
        "near": without_kind["near"],
    }
    for word in ("books", "letters", "families", "legal"):
        assert link_to(html, word) == f"/search?q={word}"
    assert client.get("/api" + link_to(html, "families")).json()["total"] > 0


def test_no_results_page_offers_the_situations_of_the_home_page(client):
    home = client.get("/").text
    html = no_results_part(client.get("/search", params={"q": "zzzqqqxxx"}).text)
    for situation in (
        "Someone I love is in prison",
        "I want to send books",
        "I am part of a group",
    ):
        assert link_to(html, situation) == link_to(home, situation)


def test_a_search_that_found_something_has_no_helplines_or_situations(client):
    page = client.get("/search", params={"q": "books"}).text
    assert "no-results" not in page and "0800 254 0088" not in page


def test_no_results_page_gives_the_national_helplines_for_families(client):
    html = no_results_part(client.get("/search", params={"q": "zzzqqqxxx"}).text)
    page = unescape(text_of(html))
    assert "Helplines for prisoners' families" in page
    assert (
        "Families Outside , for Scotland: 0800 254 0088 · Free Monday to Friday, 9am to 5pm" in page
    )
    assert (
        "Prisoners' Families Helpline , for England and Wales: 0808 808 3444 · Free "
        "Monday to Friday, 10am to 5pm"
    ) in page
    assert 'href="tel:+448002540088"' in html and 'href="tel:+448088083444"' in html
    assert link_to(html, "Families Outside") == "/organisations/families-outside"
    assert page.count("0808 808 3444") == 1  # Pact's listing gives the same number
    assert "Pennsylvania" not in page and "0800 024 6205" not in page  # a state; not for families


@pytest.mark.parametrize(
    ("params", "first"),
    [
        ({"near": "Glasgow"}, "Families Outside"),
        ({"near": "London"}, "Prisoners' Families Helpline"),
        ({"near": "Cardiff"}, "Prisoners' Families Helpline"),
        ({"country": "IE"}, "Irish Families Line"),
        ({"near": "Dublin"}, "Irish Families Line"),
    ],
)
def test_the_helplines_of_the_place_searched_for_come_first(client, seeded, params, first):
    factories.store(
        seeded,
        slug="irish-families-line",
        name="Irish Families Line",
        focus=["families"],
        country="IE",
        areas_served=["IE"],
        phones=[{"number": "+353 1 555 0100", "kind": "helpline"}],
    )
    html = no_results_part(client.get("/search", params={"q": "zzzqqqxxx", **params}).text)
    shown = re.findall(r'<li><a href="/organisations/[^"]+">([^<]+)</a>, for', html)
    assert len(shown) == 3 and unescape(shown[0]) == first, shown


# A listing opened from search results leads back to them -----------------------------------


def result_links(html: str) -> list[str]:
    return [unescape(url) for url in re.findall(r'<h3><a href="(/organisations/[^"]+)"', html)]


def back_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)">Back to your results</a>', html)
    return unescape(found.group(1)) if found else None


@pytest.mark.parametrize(
    "params",
    [
        {"q": "books", "country": "US", "service": "books", "per_page": "5", "page": "2"},
        {"q": "prisoner support", "near": "Leeds", "radius_km": "250", "focus": "families"},
        {"kind": ["abc-group", "special-interest"], "page": "3"},
        {},  # everything: the back link is to the search of everything
        {"q": "Poznań & “solidarność”"},
    ],
)
def test_a_listing_opened_from_results_links_back_to_the_same_results(client, params):
    search = client.get("/search", params=params)
    links = result_links(search.text)
    assert links and all("?from=" in link for link in links)
    listing = client.get(links[-1])
    assert listing.status_code == 200
    back = back_link(listing.text)
    assert back is not None and back.startswith("/search")
    again = client.get(back)
    assert no_hits_region(again.text) == no_hits_region(search.text)
    assert (
        client.get("/api" + back).json()["query"]
        == client.get("/api/search", params=params).json()["query"]
    )


def no_hits_region(html: str) -> str:
    return html[html.index('<div id="hits">') : html.index('<aside class="facets"')]


def test_the_results_part_links_back_to_the_page_not_the_part(client):
    part = client.get("/search", params={"q": "books", "part": "results"}).text
    back = back_link(client.get(result_links(part)[0]).text)
    assert back == "/search?q=books"


def test_a_listing_opened_any_other_way_has_no_back_link(client):
    html = client.get("/organisations/families-outside").text
    assert back_link(html) is None and "Back to your results" not in html


@pytest.mark.parametrize(
    "came_from",
    [
        "https://evil.example/search?q=books",
        "//evil.example/search?q=books",
        "/search?q=books",  # a path, not a query string: every address is refused alike
        "javascript:alert(1)",
        "javascript:alert(1)//&q=books",
        "q=books&next=https://evil.example/",  # a parameter the search does not take
        "q=books&part=results",
        "q=" + "x" * 3000,
        "q=books&page=abc",  # a value the search refuses
        "kind=not-a-kind",
        "q=books&q=vegan",
        "",
    ],
)
def test_a_from_that_is_not_one_of_our_searches_gives_no_back_link(client, came_from):
    response = client.get("/organisations/families-outside", params={"from": came_from})
    assert response.status_code == 200
    assert back_link(response.text) is None
    assert "evil.example" not in response.text and "javascript:" not in response.text


def test_from_given_twice_gives_no_back_link(client):
    html = client.get("/organisations/families-outside?from=q%3Dbooks&from=q%3Dvegan").text
    assert back_link(html) is None


def test_the_search_named_by_from_is_made_afresh_and_escaped(client):
    came_from = 'q=<script>alert("x")</script>&near=" onmouseover="alert(1)'
    html = client.get("/organisations/families-outside", params={"from": came_from}).text
    assert "<script>alert" not in html and 'onmouseover="' not in html
    back = back_link(html)
    assert back == (
        "/search?q=%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E"
        "&near=%22+onmouseover%3D%22alert%281%29"
    )
    assert (
        client.get("/api" + back).json()["fields"]["near"].startswith("We could not find a place")
    )


def test_a_listing_with_a_back_link_names_the_plain_listing_as_its_page(client):
    plain = client.get("/organisations/families-outside").text
    books = client.get("/organisations/families-outside", params={"from": "q=books"}).text
    vegan = client.get("/organisations/families-outside", params={"from": "q=vegan"}).text
    canonical = '<link rel="canonical" href="/organisations/families-outside">'
    assert canonical in plain and canonical in books and canonical in vegan
    # Each address its own page, asked in any order: never someone else's back link.
    assert back_link(books) == "/search?q=books" and back_link(vegan) == "/search?q=vegan"
    assert back_link(client.get("/organisations/families-outside").text) is None
    assert back_link(client.get("/organisations/families-outside?from=q%3Dbooks").text) == (
        "/search?q=books"
    )


# Problems with a search's parameters, in words ---------------------------------------------


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        (
            {"radius_km": "0", "near": "Leeds"},
            "radius_km",
            "The distance must be a whole number of kilometres from 1 to 1000.",
        ),
        ({"page": "many"}, "page", "Page must be a whole number from 1 to 1000."),
        (
            {"per_page": "0"},
            "per_page",
            "The number of results per page must be a whole number from 1 to 100.",
        ),
        ({"kind": "nonsense"}, "kind", "Unknown kind of group ignored: nonsense."),
        ({"country": "XX"}, "country", "Unknown country ignored: XX."),
        ({"focus": "nonsense"}, "focus", "Unknown choice of who they support ignored: nonsense."),
        (
            {"service": "nonsense"},
            "service",
            "Unknown choice of what they offer ignored: nonsense.",
        ),
        ({"near": ["Leeds", "York"]}, "near", "Only one place can be used at a time, not 2."),
    ],
)
def test_problems_with_a_search_are_said_in_words(client, params, name, message):
    page = text_of(client.get("/search", params=params).text)
    assert message in page
    assert name not in page.split("Skip to main content")[1].split("Search the directory")[0]
    api = client.get("/api/search", params=params)
    assert api.status_code == 400 and api.json()["fields"] == {name: message}


def test_a_need_said_in_other_words_puts_its_groups_first_and_says_so(client):
    page = text_of(client.get("/search", params={"q": "my son is in prison"}).text)
    assert "Groups for families first." in page
    hits = client.get("/api/search", params={"q": "my son is in prison", "per_page": 5}).json()
    assert all(
        "families" in hit["focus"] or hit["kind"] == "family-support" for hit in hits["hits"]
    )
