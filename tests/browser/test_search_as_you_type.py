"""static/search.js: results follow the typing without a page load, and the page stays whole."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def loads_since_marked(page: Page) -> bool:
    """Whether the page was loaded again since mark_page (a navigation drops the mark)."""
    return not page.evaluate("window.notReloaded === true")


def mark_page(page: Page) -> None:
    page.evaluate("window.notReloaded = true")


def facet_values(page: Page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(".facets .facet a").all_inner_texts()]


def what_the_page_shows(page: Page) -> dict[str, object]:
    return {
        "title": page.title(),
        "heading": page.locator("#results-heading").inner_text(),
        "names": page.locator(".result h3").all_inner_texts(),
        "kinds": page.locator(".result .meta span:first-child").all_inner_texts(),
        "facets": facet_values(page),
        "filters": page.locator(".active-filters a").evaluate_all("as => as.map(a => a.href)"),
        "print": page.locator(".print-links a").evaluate_all("as => as.map(a => a.href)"),
        "pages": page.locator(".pagination").all_inner_texts(),
    }


def region_html(page: Page) -> str:
    return str(page.locator("#search-results").evaluate("region => region.innerHTML"))


def type_near(page: Page, place: str) -> None:
    page.get_by_text("Near a town or city").click()
    page.get_by_label("Town or city").fill(place)


# Where a search starts, what is typed, and the address the results are then for.
TYPINGS = {
    "words": (
        "/search",
        lambda page: page.get_by_label("Search for a group").fill("books"),
        r"/search\?q=books$",
    ),
    "no results, with a filter": (
        "/search?kind=abc-group",
        lambda page: page.get_by_label("Search for a group").fill("zzzz"),
        r"/search\?q=zzzz&kind=abc-group$",
    ),
    "pages of results": (
        "/search?q=books",
        lambda page: page.get_by_label("Search for a group").fill(""),
        r"/search$",
    ),
    "a place": (
        "/search?q=prison",
        lambda page: type_near(page, "Glasgow"),
        r"q=prison&near=Glasgow&radius_km=50$",
    ),
    "an unknown place": (
        "/search",
        lambda page: type_near(page, "Nowhereville"),
        r"near=Nowhereville",
    ),
}


@pytest.mark.parametrize("typing", TYPINGS.values(), ids=TYPINGS.keys())
def test_the_results_after_typing_are_what_a_fresh_page_load_shows(
    page: Page, typing: tuple[str, Callable[[Page], None], str]
) -> None:
    start, type_it, address = typing
    page.goto(start)
    before = region_html(page)
    mark_page(page)
    type_it(page)
    expect(page).to_have_url(re.compile(address))  # set once the new results are in place
    assert not loads_since_marked(page)
    typed, title = region_html(page), page.title()
    assert typed != before

    page.goto(page.url)  # the same address, loaded afresh
    assert region_html(page) == typed  # the same markup, byte for byte: nothing normalised
    assert page.title() == title


def test_results_follow_the_typing_without_a_page_load(page: Page) -> None:
    page.goto("/search")
    mark_page(page)
    page.get_by_label("Search for a group").press_sequentially("glasg", delay=40)

    total = page.request.get("/api/search?q=glasg").json()["total"]
    assert total >= 2  # the Glasgow groups, found from a word half typed
    expect(page.locator("#results-heading")).to_have_text(f"{total} groups for “glasg”")
    expect(page).to_have_url(re.compile(r"/search\?q=glasg$"))
    expect(page).to_have_title("glasg: Search · Prisoner Support Directory")
    expect(page.locator(".result h3 mark").first).to_have_text("Glasgow")
    assert not loads_since_marked(page)


def test_what_the_script_draws_matches_the_server_page(page: Page) -> None:
    page.goto("/search?country=GB")
    page.get_by_label("Search for a group").fill("prison")
    expect(page).to_have_url(re.compile(r"q=prison"), timeout=5000)
    drawn = what_the_page_shows(page)
    page.reload()
    assert drawn["facets"] and drawn == what_the_page_shows(page)


def test_every_country_is_named_as_the_server_names_it(page: Page) -> None:
    page.goto("/search")  # every country in the directory, named by the server
    server_names = set(page.locator("#facet-country + ul a").all_inner_texts())
    page.get_by_label("Search for a group").fill("zzzz")
    expect(page.locator("#results-heading")).to_have_text("No groups found for “zzzz”")
    page.get_by_label("Search for a group").fill("")  # all of them again, named by the script
    expect(page.locator("#results-heading")).to_have_text(re.compile(r"^\s*\d+ groups"))
    assert set(page.locator("#facet-country + ul a").all_inner_texts()) == server_names


def test_the_count_is_announced_politely(page: Page) -> None:
    page.goto("/search")
    heading = page.locator("#results-heading")
    expect(heading).to_have_attribute("aria-live", "polite")
    heading.evaluate("live => { live.onThePageSinceLoad = true; }")
    page.get_by_label("Search for a group").fill("zzzzqqq")
    expect(heading).to_have_text("No groups found for “zzzzqqq”")
    # The same element, its words changed: a live region put in anew is not reliably read out.
    assert heading.evaluate("live => live.onThePageSinceLoad === true")
    expect(page.locator(".no-results")).to_be_visible()
    expect(page.locator(".print-links")).to_be_hidden()
    expect(page.locator(".facets")).to_be_hidden()


def test_filters_stay_while_typing_and_facet_links_still_navigate(page: Page) -> None:
    page.goto("/search?kind=abc-group")
    page.get_by_label("Search for a group").fill("london")
    expect(page).to_have_url(re.compile(r"/search\?q=london&kind=abc-group$"))
    expect(page.locator(".active-filters")).to_contain_text("Anarchist Black Cross group")
    page.locator(".facets a.selected").first.click()  # a plain link: a real page load
    expect(page).to_have_url(re.compile(r"/search\?q=london$"))
    expect(page.locator(".active-filters")).to_have_count(0)


def test_a_failed_request_leaves_the_page_and_the_form_working(page: Page) -> None:
    page.goto("/search?q=books")
    heading = page.locator("#results-heading").inner_text()
    page.route("**/search?*part=results*", lambda route: route.abort())
    with page.expect_event("requestfailed", lambda request: "part=results" in request.url):
        page.get_by_label("Search for a group").fill("glasgow")
    assert page.locator("#results-heading").inner_text() == heading
    assert page.url.endswith("/search?q=books")
    page.get_by_label("Search for a group").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=glasgow"))
    expect(page.locator("#results-heading")).to_contain_text("for “glasgow”")


def test_typing_a_word_sends_one_request(page: Page) -> None:
    # The page's clock stands still while typing, so how fast this machine types does not
    # matter: only the pause after the last key, 250 ms, sends the search.
    page.clock.install()
    page.goto("/search")
    page.clock.pause_at(datetime.now() + timedelta(seconds=1))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def searches() -> list[str]:
        return [url.split("?", 1)[1] for url in requests if "part=results" in url]

    box = page.get_by_label("Search for a group")
    for letter in "books":
        box.press(letter)
        page.clock.run_for(200)  # a slow typist: each key comes before the pause is over
    assert searches() == []
    page.clock.run_for(49)
    assert searches() == []
    page.clock.run_for(2)
    expect(page.locator("#results-heading")).to_contain_text("for “books”")
    assert searches() == ["q=books&part=results"]
