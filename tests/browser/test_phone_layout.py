"""Tables of records on a phone: the moderation queues and a submitter's status table read
as one card per row, not as columns a word wide running off the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser import site
from tests.browser.page_types import PAGES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("kind", ["queue", "recheck queue", "submission received"])
def test_record_tables_are_cards_as_wide_as_a_phone(make_page, live_site: site.Site, kind: str):
    page: Page = make_page(width=375)
    PAGES[kind](page, live_site)
    cells = page.evaluate(
        """() => [...document.querySelectorAll("main table tbody th, main table tbody td")]
            .map(cell => Math.round(cell.getBoundingClientRect().width))"""
    )
    assert cells, "no table on the page"
    assert min(cells) >= 300, cells  # each cell the width of the screen, less its margins
    hidden = page.evaluate(
        """() => [...document.querySelectorAll(".table-scroll")]
            .filter(box => box.scrollWidth > box.clientWidth + 1).length"""
    )
    assert hidden == 0  # nothing to scroll sideways to find
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_cells_on_a_phone_say_which_column_they_are(make_page, live_site: site.Site):
    page: Page = make_page(width=375)
    PAGES["submission received"](page, live_site)
    labels = page.evaluate(
        """() => [...document.querySelectorAll("table.sent tbody tr:first-child td")]
            .map(cell => getComputedStyle(cell, "::before").content)"""
    )
    assert labels == ['"Was: "', '"You suggested: "']
