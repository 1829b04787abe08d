"""Pages kept finished while the search index is unchanged, and conditional requests for them."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from starlette.datastructures import QueryParams

from directory.search import backends
from directory.search.embedded import EmbeddedSearch
from directory.search.service import SearchService
from directory.web.middleware.remembered import Finished, KeptPages, Remembered, search_parameters
from directory.web.middleware.security import STRICT_TRANSPORT_SECURITY
from directory.web.state import STATE_KEY
from tests import factories
from tests.factories import document, listing_form
from tests.web import approve, post_form, review_url, state_of, text_of

KEPT_PAGES = ["/", "/search?q=books", "/api/search?q=books&country=GB"]


@pytest.mark.parametrize("path", KEPT_PAGES)
def test_a_page_carries_an_etag_and_asks_to_be_revalidated(client, path):
    first = client.get(path)
    again = client.get(path)
    assert first.status_code == again.status_code == 200
    assert first.headers["etag"].startswith('W/"')
    assert again.headers["etag"] == first.headers["etag"]
    assert again.content == first.content
    assert first.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", KEPT_PAGES)
def test_a_browser_that_has_the_page_gets_304_and_no_body(client, path):
    etag = client.get(path).headers["etag"]
    for if_none_match in (etag, etag.removeprefix("W/"), f'"other", {etag}', "*"):
        response = client.get(path, headers={"If-None-Match": if_none_match})
        assert response.status_code == 304, if_none_match
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-security-policy" in response.headers  # still a response of ours
    changed = client.get(path, headers={"If-None-Match": 'W/"something older"'})
    assert changed.status_code == 200 and changed.content


def test_the_same_page_is_sent_compressed_or_not_as_the_browser_asks(client):
    path = "/search?q=prisoner"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for _ in range(2):  # made afresh, then kept
        raw = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert raw.headers["content-encoding"] == "gzip"
        assert raw.headers["vary"] == "Accept-Encoding"
        assert raw.content == plain.content  # the client undid the compression
        assert raw.headers["etag"] == plain.headers["etag"]
        assert raw.num_bytes_downloaded == int(raw.headers["content-length"])
        assert raw.num_bytes_downloaded < len(plain.content) / 2


def test_a_new_listing_is_searchable_at_once_even_at_a_kept_address(
    moderator_client, public_client
):
    path = "/api/search?q=wombat"
    before = public_client.get(path)
    assert before.json()["total"] == 0
    assert public_client.get("/search?q=wombat").status_code == 200  # kept too

    post_form(public_client, "/submit", listing_form(name="Wombat Letters Collective"))
    assert (
        approve(moderator_client, review_url(moderator_client, "Wombat Letters")).status_code == 303
    )

    after = public_client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert [hit["name"] for hit in after.json()["hits"]] == ["Wombat Letters Collective"]
    assert after.headers["etag"] != before.headers["etag"]
    assert "Wombat Letters Collective" in text_of(public_client.get("/search?q=wombat").text)


def test_a_change_to_the_index_from_elsewhere_is_seen_too(client, settings):
    path = "/api/search?q=quokka"
    assert client.get(path).json()["total"] == 0
    # Another process (a CLI import, another worker) writes to the same index file.
    backends.embedded(settings).upsert([document(slug="quokka-aid", name="Quokka Aid")])
    assert [hit["slug"] for hit in client.get(path).json()["hits"]] == ["quokka-aid"]


def test_a_kept_page_is_made_afresh_on_a_new_day(client, monkeypatch):
    from directory.web.middleware import remembered

    first = client.get("/search?q=books")
    monkeypatch.setattr(remembered, "date", _Tomorrow)
    state_of(client).templates.env.globals["today"] = _Tomorrow.today
    second = client.get("/search?q=books")
    assert second.headers["etag"] != first.headers["etag"]
    assert "Printed 1 January 2099" in second.text


class _Tomorrow(date):
    @classmethod
    def today(cls) -> _Tomorrow:
        return cls(2099, 1, 1)


def test_refused_searches_are_not_kept_and_carry_no_etag(client):
    for _ in range(2):
        response = client.get("/api/search", params={"page": "many"})
        assert response.status_code == 400
        assert "etag" not in response.headers
        assert "page" in response.json()["fields"]


def test_each_address_is_its_own_page(client):
    books = client.get("/api/search?q=books").json()
    vegan = client.get("/api/search?q=vegan").json()
    assert books["query"] != vegan["query"]
    assert client.get("/api/search?q=books").json() == books


def test_with_meilisearch_configured_nothing_is_kept(settings):
    """Meilisearch may change from another process unseen: answers built on it are not kept."""
    embedded = EmbeddedSearch(settings.search_index_path)
    assert SearchService(embedded).state() is not None
    assert SearchService(embedded, primary=embedded).state() is None


def test_kept_pages_stay_within_their_bytes():
    def page(size: int) -> Finished:
        return Finished(b"x" * size, None, 'W/"x"', (), (), ())

    # Keys and the store's own bookkeeping count too: about 500 bytes a page.
    memory = Remembered(limit=11_500, largest=5_000)
    for n in range(3):
        memory.put(("state", str(n)), page(4_000))
    assert memory.get(("state", "0")) is None  # over 13,000 bytes: the oldest went
    assert memory.get(("state", "1")) is not None and memory.get(("state", "2")) is not None
    memory.put(("state", "1"), page(1_000))  # replaced, not counted twice
    memory.put(("state", "3"), page(4_400))
    assert all(memory.get(("state", n)) is not None for n in "123")
    memory.put(("state", "large"), page(5_001))  # too large to keep: made afresh each time
    assert memory.get(("state", "large")) is None
    assert all(memory.get(("state", n)) is not None for n in "123")
    assert memory.total <= 11_500


# The front door (KeptPages) on its own, in front of an application that records what reaches it.


class _Index:
    def __init__(self) -> None:
        self.version = 1

    def state(self) -> int:
        return self.version


class _Application:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        self.asked.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"made afresh"})


def _ask(front, state, path="/search", method="GET", headers=()):
    import asyncio

    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [(name.encode(), value.encode()) for name, value in headers],
        "state": state,
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(front(scope, receive, send))
    start, body = sent
    return start["status"], dict(start["headers"]), body["body"]


@pytest.fixture
def front_door():
    """KeptPages over a recording application, with one page kept: /search?q=books."""
    from starlette.responses import HTMLResponse

    application, index, memory = _Application(), _Index(), Remembered()
    # Only what the front door reads of the AppState.
    state = {STATE_KEY: SimpleNamespace(search=index, remembered=memory)}
    page = Finished.of(HTMLResponse("<p>" + "books " * 400 + "</p>"))
    memory.put((1, "/search", search_parameters(QueryParams("q=books")), date.today()), page)
    front = KeptPages(application, {"/search": search_parameters}, base_url="https://example.org")
    return front, state, application, index, page


def test_the_front_door_answers_a_kept_page_without_the_application(front_door):
    front, state, application, _, page = front_door
    status, headers, body = _ask(front, state, "/search?q=books")
    assert (status, body) == (200, page.body)
    assert headers[b"etag"] == page.etag.encode()
    assert headers[b"content-security-policy"].startswith(b"default-src 'self'")
    assert headers[b"strict-transport-security"] == STRICT_TRANSPORT_SECURITY[1]
    gzip = _ask(front, state, "/search?q=books", headers=[("accept-encoding", "gzip, br")])
    assert gzip[1][b"content-encoding"] == b"gzip" and gzip[2] == page.gzipped
    status, headers, body = _ask(
        front,
        state,
        "/search?q=books",
        # A signed-in moderator gets the same page: nothing on it depends on the session.
        headers=[("cookie", "directory_session=x"), ("if-none-match", page.etag)],
    )
    assert (status, body) == (304, b"")
    assert b"x-content-type-options" in headers
    assert application.asked == []


def test_the_front_door_answers_for_the_search_whatever_else_the_address_holds(front_door):
    front, state, application, _, page = front_door
    for path in ("/search?q=books&n=1&pad=" + "x" * 60_000, "/search?q=+books&page=1"):
        assert _ask(front, state, path)[2] == page.body
    assert application.asked == []


@pytest.mark.parametrize(
    ("path", "method", "headers"),
    [
        ("/search?q=vegan", "GET", ()),  # nothing kept at this address
        ("/search?q=books", "HEAD", ()),
        ("/search?q=books", "POST", ()),
        ("/submit?q=books", "GET", ()),  # not a page that may be kept
    ],
)
def test_everything_else_goes_through_the_application(front_door, path, method, headers):
    front, state, application, _, _ = front_door
    assert _ask(front, state, path, method, headers)[2] == b"made afresh"
    assert application.asked == [path.partition("?")[0]]


def test_the_front_door_never_answers_from_an_older_index(front_door):
    front, state, application, index, _ = front_door
    index.version = 2  # the index changed: what was kept was made from the old one
    assert _ask(front, state, "/search?q=books")[2] == b"made afresh"
    assert application.asked == ["/search"]


# What a flood of addresses can make the server keep ------------------------------------------


def _footprint_of(fill) -> int:
    """Bytes still allocated after fill() has run (its own garbage collected)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fill()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_kept_pages_stay_within_their_bytes_however_long_their_addresses():
    limit = 1024 * 1024
    memory = Remembered(limit=limit)
    page = Finished(b"x" * 1000, None, 'W/"x"', (), (), ())

    def flood() -> None:
        # 60 KB of padding in each address, as an attacker sends: 30 MB of addresses in all.
        for n in range(500):
            key = ("state", "/api/search", f"n={n}&pad=".encode() + b"p" * 60_000, date.today())
            memory.put(key, page)

    assert _footprint_of(flood) < 1.5 * limit
    assert memory.get(("state", "/api/search", b"n=499&pad=" + b"p" * 60_000, date.today()))


def test_addresses_that_differ_only_in_unknown_parameters_are_one_page(client):
    memory = state_of(client).remembered
    first = client.get("/api/search?q=books&per_page=1")
    for n in range(20):
        padded = client.get(f"/api/search?per_page=1&q=books&n={n}&pad={'x' * 2000}")
        assert padded.content == first.content
    same = ["/api/search?q=books&per_page=1&page=1", "/api/search?q=+books+&per_page=01"]
    assert all(client.get(path).content == first.content for path in same)
    assert len(memory) == 1


def test_a_page_that_reports_a_problem_with_its_address_says_what_was_asked(client):
    # Unknown values are echoed back ("Unknown kind of group ignored: ..."): such pages are not kept
    # under the address they share with every other unknown value.
    for value in ("nonsense", "rubbish"):
        page = client.get(f"/search?q=books&kind={value}")
        assert page.status_code == 200
        assert f"Unknown kind of group ignored: {value}" in text_of(page.text)


def test_the_search_page_and_its_results_part_are_kept_apart(client):
    """static/search.js asks for the results region at the page's address plus part=results:
    each is kept and revalidated as its own page, and neither is ever sent for the other."""
    page_path, part_path = "/search?q=books", "/search?q=books&part=results"
    for _ in range(2):  # made afresh, then kept
        page, part = client.get(page_path), client.get(part_path)
        assert page.text.startswith("<!doctype html>")
        assert not part.text.startswith("<!doctype html>") and part.text in page.text
        assert page.headers["etag"] != part.headers["etag"]
    for path, response, other in ((page_path, page, part), (part_path, part, page)):
        same = client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert same.status_code == 304 and same.headers["etag"] == response.headers["etag"]
        crossed = client.get(path, headers={"If-None-Match": other.headers["etag"]})
        assert crossed.status_code == 200 and crossed.content == response.content


def test_a_kept_page_that_found_nothing_shows_a_helpline_added_since(client, seeded):
    """The helplines of a search that found nothing come from the database, not the index:
    the page is still kept under the index's state, which every change to the catalogue
    moves on (the relay writes it to the index)."""
    path = "/search?q=zzzqqqxxx"
    before = client.get(path)
    assert client.get(path).headers["etag"] == before.headers["etag"]  # kept
    assert "Irish Families Line" not in before.text
    factories.store(
        seeded,
        slug="irish-families-line",
        name="Irish Families Line",
        focus=["families"],
        country="IE",
        areas_served=["IE"],
        phones=[{"number": "+353 1 555 0100", "kind": "helpline"}],
    )
    state_of(client).search_sync.wake()  # as after an approval, or the relay's next round
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert "Irish Families Line" in after.text and 'href="tel:+35315550100"' in after.text


def test_result_links_name_the_search_they_came_from_as_it_is_kept(client):
    # Kept under the search's normalised parameters, the page's links carry that same
    # search, whatever else the address held.
    for path in ("/search?q=books", "/search?q=+books+&page=1&n=2", "/search?q=books&pad=xx"):
        html = client.get(path).text
        assert 'href="/organisations/' in html
        assert all(
            link.endswith("?from=q%3Dbooks") for link in re.findall(r'<h3><a href="([^"]+)"', html)
        )
