"""The search page stays light: HTML, CSS and JS under 50 KB together, all from our host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request

from tests.browser import site

pytestmark = pytest.mark.browser

BUDGET_BYTES = 50 * 1024


def test_the_search_page_and_its_css_and_js_weigh_under_50_kb(page: Page) -> None:
    finished: list[Request] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto("/search?q=prison", wait_until="networkidle")  # a full page of 20 results

    types = {request.resource_type for request in finished}
    assert {"document", "stylesheet", "script"} <= types, types
    # What crossed the wire: headers and (compressed) bodies.
    transferred = {
        request.url: request.sizes()["responseHeadersSize"] + request.sizes()["responseBodySize"]
        for request in finished
        if request.resource_type in ("document", "stylesheet", "script")
    }
    total = sum(transferred.values())
    assert total < BUDGET_BYTES, transferred
    assert {urlsplit(url).hostname for url in [r.url for r in finished]} == {site.HOST}
