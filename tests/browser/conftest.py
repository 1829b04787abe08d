"""Browser fixtures: the real app on loopback, Debian's Chromium driven by Playwright, axe-core.

What the browser needs is installed by `make test` (see the Makefile's browser-deps). When
it is missing these tests fail in CI and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.browser import site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

if importlib.util.find_spec("playwright") is None:  # `make install-test` installs it
    if os.environ.get("CI"):
        raise ImportError("the playwright package is missing; `make test` installs it")
    collect_ignore_glob = ["test_*.py"]  # the test modules import it


def unavailable(reason: str) -> None:
    """No browser here: a failure in CI, where `make test` should have installed it."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; `make test` installs it (make browser-deps)", pytrace=False)
    pytest.skip(f"{reason}: run `make browser-deps`")


# Package scope: the server and the browser stop when this folder's tests are done, so
# Playwright's event loop is gone before other tests call asyncio.run().
@pytest.fixture(scope="package")
def live_site(tmp_path_factory: pytest.TempPathFactory, gazetteer: Path) -> Iterator[site.Site]:
    with site.running(tmp_path_factory.mktemp("site"), gazetteer) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not site.CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {site.CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = site.launch_chromium(playwright)
        yield browser
        browser.close()


class Requests:
    """Every address a browser context asked for; all must be on the test server's host."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def record(self, request: Any) -> None:
        self.urls.append(request.url)

    def elsewhere(self) -> list[str]:
        return [url for url in self.urls if urlsplit(url).hostname != site.HOST]


@pytest.fixture
def make_page(browser: Browser, live_site: site.Site) -> Iterator[Callable[..., Page]]:
    """Opens pages in fresh browser contexts (own cookies), JavaScript on or off.

    After the test, no context may have sent a request to any host but the test server's.
    """
    contexts: list[tuple[BrowserContext, Requests]] = []

    def open_page(javascript: bool = True, width: int = 1280) -> Page:
        context = browser.new_context(
            base_url=live_site.url,
            java_script_enabled=javascript,
            viewport={"width": width, "height": 900},
        )
        context.set_default_timeout(10_000)
        requests = Requests()
        context.on("request", requests.record)
        contexts.append((context, requests))
        return context.new_page()

    yield open_page
    for context, _ in contexts:
        context.close()
    elsewhere = [url for _, requests in contexts for url in requests.elsewhere()]
    assert not elsewhere, f"requests left the test server: {elsewhere}"


@pytest.fixture
def page(make_page: Callable[..., Page]) -> Page:
    return make_page(javascript=True)


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        unavailable(f"axe-core is not installed at {AXE}")
    return AXE.read_text()
