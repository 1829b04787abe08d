"""The public's and moderators' main journeys, in Chromium, with JavaScript on and off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import actions

pytestmark = pytest.mark.browser


def test_search_filter_and_open_a_listing(make_page, javascript: bool) -> None:
    page: Page = make_page(javascript=javascript)
    page.goto("/")
    page.get_by_label("Search the directory").fill("books")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q=books"))
    expect(page.locator("#results-heading")).to_contain_text("for “books”")

    page.locator(".facets").get_by_role("link", name=re.compile("^Books to prisoners")).click()
    expect(page.locator(".active-filters")).to_contain_text("Books to prisoners")
    expect(page).to_have_url(re.compile(r"kind=books-to-prisoners"))
    kinds = page.locator(".result .meta span:first-child").all_inner_texts()
    assert kinds and set(kinds) == {"Books to prisoners"}

    first = page.locator(".result h3 a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="How to reach them")).to_be_visible()

    page.get_by_role("link", name="Back to your results").click()
    expect(page).to_have_url(re.compile(r"/search\?q=books&kind=books-to-prisoners$"))
    expect(page.locator(".result h3 a").first).to_have_text(name)


def test_a_listing_found_by_typing_leads_back_to_that_search(make_page) -> None:
    page: Page = make_page(javascript=True)
    page.goto("/search?country=GB")
    page.get_by_label("Search for a group").fill("families")
    expect(page.locator("#results-heading")).to_contain_text("for “families”")
    page.locator(".result h3 a").first.click()
    page.get_by_role("link", name="Back to your results").click()
    expect(page).to_have_url(re.compile(r"/search\?q=families&country=GB$"))
    expect(page.get_by_label("Search for a group")).to_have_value("families")


def test_a_search_that_found_nothing_offers_a_helpline_to_call(make_page, javascript: bool) -> None:
    page: Page = make_page(javascript=javascript)
    page.goto("/search?near=Glasgow")
    page.get_by_label("Search for a group").fill("zzzzqqq")
    page.get_by_role("button", name="Search").click()
    helplines = page.get_by_role("region", name="Helplines for prisoners' families")
    expect(helplines.get_by_role("link", name="0800 254 0088")).to_have_attribute(
        "href", "tel:+448002540088"
    )
    expect(helplines.locator("li").first).to_contain_text("Families Outside, for Scotland")
    page.get_by_role("link", name="Someone I love is in prison").click()
    expect(page).to_have_url(re.compile(r"/search\?focus=families$"))


def test_a_new_search_keeps_the_chosen_filters(make_page, javascript: bool) -> None:
    page: Page = make_page(javascript=javascript)
    page.goto("/search?country=DE")
    page.get_by_label("Search for a group").fill("anarchist")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q=anarchist&.*country=DE"))
    expect(page.locator(".active-filters")).to_contain_text("Germany")
    places = page.locator(".result .meta span:nth-child(2)").all_inner_texts()
    assert places and all(place.endswith("Germany") for place in places)


def test_a_new_listing_is_submitted_approved_and_found(make_page, javascript: bool) -> None:
    name = f"Leeds Letters Circle {'Scripted' if javascript else 'Plain'}"
    public: Page = make_page(javascript=javascript)
    public.goto("/")
    public.get_by_role("link", name="Add a group").click()
    actions.fill_new_listing(public, name)
    public.get_by_role("button", name="Send for review").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Thank you: we have received it")
    status_page = public.url

    public.goto(f"/search?q={name}")
    expect(public.locator(".result", has_text=name)).to_have_count(0)  # not before approval

    moderator: Page = make_page(javascript=javascript)
    actions.sign_in(moderator)
    actions.approve(moderator, name)

    public.goto(status_page)
    expect(public.locator(".badge")).to_have_text("Approved")
    public.goto("/")
    public.get_by_label("Search the directory").fill(name)
    public.get_by_label("Search the directory").press("Enter")
    result = public.locator(".result", has_text=name)
    expect(result).to_have_count(1)
    result.get_by_role("link").click()
    expect(public.get_by_role("heading", level=1)).to_have_text(name)
    expect(public.get_by_text("Sources checked on")).to_be_visible()


def test_the_printed_list_s_print_button(make_page, javascript: bool) -> None:
    page: Page = make_page(javascript=javascript)
    if javascript:  # window.print() opens no dialog here; count the calls instead
        page.add_init_script(
            "window.print = () => { window.printed = (window.printed || 0) + 1; };"
        )
    page.goto("/search?q=books")
    page.get_by_role("link", name="Print this list").click()
    expect(page).to_have_url(re.compile(r"/print\?q=books"))
    button = page.get_by_role("button", name="Print this list")
    if not javascript:
        expect(button).to_have_count(0)  # hidden: without the script it would do nothing
        expect(page.get_by_text("Your browser's own Print command")).to_be_visible()
        return
    button.click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    expect(button).to_be_hidden()
    expect(page.get_by_role("link", name="large print (18 pt)")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="large print (18 pt)").click()
    expect(page).to_have_url(re.compile(r"/print\?q=books&size=large"))
    size = page.evaluate("getComputedStyle(document.body).fontSize")
    assert size == "24px"  # 18 pt
