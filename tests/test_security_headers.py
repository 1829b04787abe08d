"""Security headers on every kind of response: pages, JSON, files, errors and redirects."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx2
import pytest
from starlette.testclient import TestClient

from directory.app import create_app
from directory.settings import Settings
from directory.web.middleware.body_limit import MAX_BODY_BYTES

HTTPS_SITE = "https://directory.example"
HTTP_SITE = "http://127.0.0.1:8000"
ONE_YEAR = 365 * 24 * 3600

# Every kind of response a browser can get: (method, path, body).
RESPONSES = {
    "page": ("GET", "/", None),
    "search page": ("GET", "/search?q=books", None),
    "organisation page": ("GET", "/organisations/bristol-abc", None),
    "JSON": ("GET", "/api/search?q=books", None),
    "static file": ("GET", "/static/site.css", None),
    "Atom feed": ("GET", "/feed.atom", None),
    "plain text": ("GET", "/robots.txt", None),
    "redirect": ("GET", "/moderate", None),
    "not found page": ("GET", "/organisations/no-such-group", None),
    "not found JSON": ("GET", "/api/organisations/no-such-group", None),
    "refused form": ("POST", "/submit", b"name=x"),
    "method not allowed": ("DELETE", "/", None),
    "too large": ("POST", "/submit", b"x" * (MAX_BODY_BYTES + 1)),
}


@pytest.fixture
def browser(seeded, settings: Settings) -> Iterator[Callable[[str], TestClient]]:
    """Opens the site as served at a base URL (DIRECTORY_BASE_URL)."""
    opened: list[TestClient] = []

    def open_site(base_url: str) -> TestClient:
        app = create_app(settings.model_copy(update={"base_url": base_url}))
        # Secure cookies only come back over https: browse the site as it is served.
        client = TestClient(
            app, base_url=base_url, raise_server_exceptions=False, follow_redirects=False
        )
        opened.append(client.__enter__())
        return client

    yield open_site
    for client in opened:
        client.__exit__(None, None, None)


def _responses(client: TestClient) -> Iterator[tuple[str, httpx2.Response]]:
    form = {"content-type": "application/x-www-form-urlencoded"}
    for kind, (method, path, body) in RESPONSES.items():
        yield kind, client.request(method, path, content=body, headers=form if body else None)


def _directives(policy: str) -> dict[str, list[str]]:
    pairs = (part.split() for part in policy.split(";") if part.strip())
    return {name.lower(): sources for name, *sources in pairs}


def test_every_kind_of_response_carries_the_headers(browser):
    client = browser(HTTP_SITE)
    for kind, response in _responses(client):
        headers = response.headers
        assert response.status_code < 500, kind
        assert headers.get("x-content-type-options") == "nosniff", kind
        assert headers.get("referrer-policy") == "no-referrer", kind
        assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), kind
        assert headers.get("x-frame-options") == "DENY", kind


def test_the_kinds_of_response_are_the_ones_named(browser):
    # So the test above really covers a redirect, an error, a file...: not five 200 pages.
    got = {kind: response.status_code for kind, response in _responses(browser(HTTP_SITE))}
    assert got["redirect"] == 303
    assert got["not found page"] == got["not found JSON"] == 404
    assert got["refused form"] == 403
    assert got["method not allowed"] == 405
    assert got["too large"] == 413
    assert {got[kind] for kind in ("page", "JSON", "static file", "Atom feed")} == {200}


@pytest.mark.parametrize("directive", ["script-src", "style-src"])
def test_the_policy_allows_no_inline_script_or_style(browser, directive):
    policy = browser(HTTP_SITE).get("/").headers["content-security-policy"]
    directives = _directives(policy)
    sources = directives.get(directive, directives["default-src"])
    assert sources == ["'self'"], policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_the_policy_forbids_framing_plugins_and_other_bases(browser):
    directives = _directives(browser(HTTP_SITE).get("/").headers["content-security-policy"])
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]


def test_over_https_every_response_asks_browsers_to_keep_to_https(browser):
    client = browser(HTTPS_SITE)
    for kind, response in _responses(client):
        value = response.headers.get("strict-transport-security", "")
        match = re.fullmatch(r"max-age=(\d+); includeSubDomains", value)
        assert match, (kind, value)
        assert int(match.group(1)) >= ONE_YEAR, kind


def test_over_plain_http_no_response_asks_for_https(browser):
    # A site on plain http (a local install) that sent HSTS would lock its visitors out.
    for kind, response in _responses(browser(HTTP_SITE)):
        assert "strict-transport-security" not in response.headers, kind


@pytest.mark.parametrize("base_url", [HTTP_SITE, HTTPS_SITE])
@pytest.mark.parametrize("path", ["/organisations/bristol-abc", "/api/organisations/bristol-abc"])
def test_server_errors_carry_the_headers_too(browser, monkeypatch, base_url, path):
    # Starlette sends its 500 page from outside every middleware of ours: these headers were
    # missing from it until the error handler added them.
    client = browser(base_url)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("directory.catalogue.get", broken)
    response = client.get(path)
    assert response.status_code == 500
    assert "went wrong" in response.text.lower()
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert ("strict-transport-security" in response.headers) == base_url.startswith("https")


_INLINE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "a <style> element": re.compile(r"<style[\s>]", re.I),
    "a style attribute": re.compile(r"<[a-z][^>]*\sstyle=", re.I),
    "an event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I),
}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=books",
        "/organisations/bristol-abc",
        "/organisations/bristol-abc/edit",
        "/organisations/bristol-abc/report",
        "/submit",
        "/print",
        "/api",
        "/moderate/login",
        "/no-such-page",
        "/moderate",
        "/moderate/moderators",
        "/moderate/organisations/bristol-abc/history",
    ],
)
def test_pages_need_no_inline_script_or_style(moderator_client, path):
    # The policy blocks them, so a page relying on any would be broken. (JSON data blocks,
    # <script type="application/json">, are not run and are allowed.)
    html = moderator_client.get(path).text
    html = re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", html, flags=re.S)
    for what, pattern in _INLINE.items():
        assert not pattern.search(html), (path, what, pattern.search(html))
