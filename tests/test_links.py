"""Every link a page shows leads to a page of this site, and templates name real routes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session
from starlette.routing import Match, Route

from directory import catalogue, linkcheck
from directory.web.routes import ROUTES
from tests import factories
from tests.web import post_form, review_url, sign_in, submit_new, token_of

TEMPLATES = Path(__file__).resolve().parent.parent / "directory" / "templates"
_NAMED = re.compile(r"""path_for\(\s*["'](\w+)["']""")


def test_every_route_a_template_names_exists():
    names = {route.name for route in ROUTES}
    used = {
        (template.name, name)
        for template in TEMPLATES.rglob("*")
        if template.is_file()
        for name in _NAMED.findall(template.read_text(encoding="utf-8"))
    }
    assert used  # the templates do name their links
    assert {(template, name) for template, name in used if name not in names} == set()


class _Links(HTMLParser):
    """The site's own addresses a page links to (href, src) and posts forms to."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.links: set[str] = set()
        self.posts: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src"):
            if address := self._ours(found.get(name)):
                self.links.add(address)
        if tag == "form" and (address := self._ours(found.get("action"))):
            is_post = (found.get("method") or "get").lower() == "post"
            (self.posts if is_post else self.links).add(address)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        # Feeds and sitemaps write their addresses as text (<id>, <loc>), whole.
        if address := self._ours(data.strip()):
            self.links.add(address)

    def _ours(self, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith(self.base_url):
            value = value[len(self.base_url) :] or "/"
        return value if value.startswith("/") and not value.startswith("//") else None


def _accepts_post(path: str) -> bool:
    scope = {"type": "http", "path": urlsplit(path).path, "method": "POST"}
    return any(
        isinstance(route, Route) and route.matches(scope)[0] == Match.FULL for route in ROUTES
    )


def test_every_link_on_every_kind_of_page_leads_somewhere(
    client, public_client, moderators, seeded, settings
):
    slug = "bent-bars-project"
    token = token_of(submit_new(public_client, name="Numbat Support"))
    edited = {**factories.listing_form(), "description": "Changed words in the description."}
    assert post_form(public_client, f"/organisations/{slug}/edit", edited).status_code == 303
    report = {"reason": "group-closed", "details": "It closed."}
    assert post_form(public_client, f"/organisations/{slug}/report", report).status_code == 303
    with Session(seeded) as session:
        website = catalogue.get(session, slug).website
        linkcheck.record(session, [linkcheck.Result(slug, website, False, 404, None, "HTTP 404")])
        session.commit()
    public_pages = [
        "/",
        "/search?q=books",
        "/search?q=nothing-is-called-this",
        f"/organisations/{slug}",
        f"/organisations/{slug}/edit",
        f"/organisations/{slug}/report",
        "/submit",
        "/api",
        "/feed.atom",
        "/sitemap.xml",
        "/print?q=books",
        "/no/such/page",
        "/moderate/login",
    ]
    sign_in(client, "alice", moderators["alice"])
    queue = client.get("/moderate?status=all").text
    reviews = sorted(set(re.findall(r'href="(/moderate/submissions/\d+)"', queue)))
    assert len(reviews) == 3  # a new listing, an edit and a report
    asked = {"decision": "request_changes", "decision_reason": "Please add the address."}
    assert post_form(client, review_url(client, "Numbat Support"), asked).status_code == 303
    public_pages += [f"/submissions/{token}", f"/submissions/{token}/revise"]
    moderator_pages = [
        "/moderate",
        "/moderate?status=all",
        "/moderate?links=down",
        *reviews,
        f"/moderate/organisations/{slug}/history",
        "/moderate/account",
        "/moderate/moderators",
    ]
    for browser, pages in ((public_client, public_pages), (client, moderator_pages)):
        links, posts = set(), set()
        for page in pages:
            response = browser.get(page)
            assert response.status_code in (200, 404), page
            found = _Links(settings.base_url)
            found.feed(response.text)
            links |= found.links
            posts |= found.posts
        assert "/static/site.css" in links and posts
        broken = {link for link in links if browser.get(link).status_code >= 400}
        assert broken == set()
        assert {path for path in posts if not _accepts_post(path)} == set()
