"""axe-core on every kind of page: no WCAG 2.0, 2.1 or 2.2 A or AA violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser import actions, site
from tests.browser.page_types import PAGES

pytestmark = pytest.mark.browser


def report(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in violations
    )


@pytest.mark.parametrize("kind", PAGES)
def test_no_wcag_violations(page: Page, live_site: site.Site, axe_source: str, kind: str) -> None:
    PAGES[kind](page, live_site)
    violations = actions.axe_violations(page, axe_source)
    assert violations == [], report(violations)


PHONE_PAGES = [
    "search with filters",
    "organisation",
    "prison",
    "submit with errors",
    "submission received",
    "queue",
    "recheck queue",
    "listing check",
]


@pytest.mark.parametrize("kind", PHONE_PAGES)
def test_no_wcag_violations_on_a_phone(
    make_page, live_site: site.Site, axe_source: str, kind: str
) -> None:
    page: Page = make_page(width=375)
    PAGES[kind](page, live_site)
    violations = actions.axe_violations(page, axe_source)
    assert violations == [], report(violations)


@pytest.mark.parametrize("kind", PAGES)
def test_pages_reflow_at_320_px_without_scrolling_sideways(
    make_page, live_site: site.Site, kind: str
) -> None:
    """WCAG 1.4.10: nothing but a data table's own scroll box may be wider than the screen."""
    page: Page = make_page(width=320)
    PAGES[kind](page, live_site)
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5)
            .filter(el => !el.closest(".table-scroll"))
            .map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, too_wide
