"""Keyboard only: Tab, Enter and Space (and typing) reach and work everything on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import actions

pytestmark = pytest.mark.browser


def focused(page: Page, expression: str = "el => el.id") -> str:
    return str(page.evaluate(f"({expression})(document.activeElement)"))


def test_the_skip_link_is_first_visible_and_skips_to_the_content(page: Page) -> None:
    page.goto("/search")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert actions.focus_is_visible(page)
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    page.keyboard.press("Tab")  # the next stop is the search box, not the site's navigation
    expect(page.get_by_label("Search for a group")).to_be_focused()


def test_search_filter_and_open_a_result_by_keyboard(make_page, javascript: bool) -> None:
    page: Page = make_page(javascript=javascript)
    page.goto("/search")
    actions.tab_to(page, "#q")
    assert actions.focus_is_visible(page)
    page.keyboard.type("letters")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=letters"))
    expect(page.locator("#results-heading")).to_contain_text("for “letters”")

    actions.tab_to(page, ".facets a")  # the first filter
    assert actions.focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator(".active-filters")).to_be_visible()

    actions.tab_to(page, ".result h3 a")
    name = focused(page, "el => el.textContent")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_near_a_place_opens_with_space(page: Page) -> None:
    page.goto("/search")
    actions.tab_to(page, ".near summary")
    assert actions.focus_is_visible(page)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Town or city")).to_be_focused()
    page.keyboard.type("Glasgow")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("near Glasgow")


def test_the_submit_form_by_keyboard_with_an_error_fixed_on_the_way(page: Page) -> None:
    page.goto("/submit")
    actions.tab_to(page, "#field-name")
    page.keyboard.type("Keyboard Prison Letters")
    actions.tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")  # sent unfinished: the errors are listed first

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    actions.tab_to(page, ".error-summary a[href='#field-description']")
    page.keyboard.press("Enter")
    expect(page.locator("#field-description")).to_be_focused()
    page.keyboard.type("Writes to people in prison in Yorkshire and sends them books.")

    for selector in ("#field-kind", "#field-focus", "#field-services", "#field-status"):
        actions.tab_to(page, selector)  # the first choice of each group; Space picks it
        assert actions.focus_is_visible(page)
        page.keyboard.press("Space")
        assert page.evaluate("s => document.querySelector(s).checked", selector)
    actions.tab_to(page, "#field-country")
    page.keyboard.type("United Kingdom")  # a closed select picks what is typed
    expect(page.locator("#field-country")).to_have_value("GB")
    actions.tab_to(page, "#field-website")
    page.keyboard.type("https://keyboard.example.org")
    actions.tab_to(page, "#field-contact")
    page.keyboard.type("keys@example.net")
    actions.tab_to(page, "button[type=submit]")
    assert actions.focus_is_visible(page)
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: we have received it")
