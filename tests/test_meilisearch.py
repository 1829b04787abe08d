"""The Meilisearch backend, checked on the exact requests it sends and on the documented
responses and errors it must handle. HTTP is intercepted; no search engine is imitated.
The shared contract suite runs against a real server when MEILI_URL is set."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers
from sqlmodel import Session

from directory import catalogue
from directory.search import SearchQuery, backends, sync
from directory.search.embedded import EmbeddedSearch
from directory.search.errors import SearchUnavailable
from directory.search.indexing import reindex
from directory.search.meili import SETTINGS, MeilisearchSearch, meili_document
from directory.search.sync import apply_pending
from tests import factories, meili_answers
from tests.fake_meilisearch import FakeMeilisearch

URL = "http://meili.test:7700"


@pytest.fixture
def meili():
    """Meilisearch at URL, of a supported version, given a key that may not manage keys;
    each test adds the answers it needs."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{URL}/version", json=meili_answers.version("1.53.0"))
        status, body = meili_answers.KEY_MAY_NOT_READ_KEYS
        mock.get(re.compile(rf"{URL}/keys/.*"), json=body, status=status)
        yield mock


@pytest.fixture(scope="session")
def service(tmp_path_factory, gazetteer):
    """Reads queries as the site does (the gazetteer and the prison register)."""
    return backends.service(factories.site_settings(tmp_path_factory.mktemp("site"), gazetteer))


@pytest.fixture
def backend() -> MeilisearchSearch:
    return MeilisearchSearch(URL, api_key="server-side-key", index_uid="orgs", timeout=0.5)


def task(uid: int, status: str = "succeeded", error: dict | None = None, kind: str = "x") -> dict:
    return {
        "uid": uid,
        "indexUid": "orgs",
        "status": status,
        "type": kind,
        "error": error,
        "enqueuedAt": "2026-11-21T10:00:00.000000Z",
        "details": {},
    }


def enqueued(uid: int) -> dict:
    return {
        "taskUid": uid,
        "indexUid": "orgs",
        "status": "enqueued",
        "type": "x",
        "enqueuedAt": "2026-11-21T10:00:00.000000Z",
    }


def error_body(code: str, message: str = "problem", kind: str = "invalid_request") -> dict:
    return {
        "message": message,
        "code": code,
        "type": kind,
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }


STORED = {
    "id": "bent-bars-project",
    "slug": "bent-bars-project",
    "name": "Bent <Bars> Project",
    "kind": "special-interest",
    "country": "GB",
    "city": "London",
    "region": "England",
    "focus": ["lgbtq"],
    "service": ["pen-pals"],
    "url": "https://bentbarsproject.org",
    "status": "active",
    "description": "Bent Bars finds pen pals for LGBTQ+ prisoners <script>.",
    "_geo": {"lat": 51.5072, "lng": -0.1276},
    "stems_text": ["pen", "pal"],
    "sort_name": "bent bars project",
}


def answering(totals: list[int], documents: list[dict], facets: dict | None = None):
    """A multi-search route answering, in the documented shapes for the requests it gets,
    the counts in `totals` (in order, round after round) and `documents` as each page."""
    remaining = list(totals)

    def respond(request) -> tuple[int, dict, str]:
        queries = json.loads(request.body)["queries"]
        results = []
        for query in queries:
            if query.get("page") == 0:
                results.append(meili_answers.counted(query, remaining.pop(0), facets))
            else:
                window = documents[query["offset"] : query["offset"] + query["limit"]]
                results.append(meili_answers.page(query, window, len(documents)))
        return 200, {}, json.dumps({"results": results})

    return respond


def test_settings_are_what_the_directory_needs():
    assert SETTINGS["searchableAttributes"] == [
        "name",
        "alternate_names",
        "place_text",
        "tags_text",
        "stems_name",
        "stems_meta",
        "description",
        "stems_text",
    ]
    assert SETTINGS["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert "anarchist black cross" in SETTINGS["synonyms"]["abc"]
    assert "abc" in SETTINGS["synonyms"]["anarchist black cross"]
    assert "jail" in SETTINGS["synonyms"]["prison"]
    assert "pen pal" in SETTINGS["synonyms"]["penpal"]
    assert "queer" in SETTINGS["synonyms"]["lgbtq"]
    assert SETTINGS["rankingRules"][-1] == "sort_name:asc"


# The ranking rules the server knows (reference/api/settings/update-rankingrules: words,
# typo, proximity, attributeRank, sort, wordPosition, exactness; `attribute` before 1.36),
# and custom rules `field:asc` or `field:desc`.
BUILT_IN_RULES = {
    "words",
    "typo",
    "proximity",
    "attributeRank",
    "sort",
    "wordPosition",
    "exactness",
}


def test_the_ranking_rules_are_ones_the_server_knows():
    for rule in SETTINGS["rankingRules"]:
        assert rule in BUILT_IN_RULES or re.fullmatch(r"[a-z_]+:(asc|desc)", rule), rule


QUERIES = [
    SearchQuery(q="books"),
    SearchQuery(q="help for families glasgow"),
    SearchQuery(q="", near=(55.86, -4.25, 50)),
    SearchQuery(q="hmp barlinnie"),
    SearchQuery(q="lgbtq pen pals", filters={"country": ("GB", "US"), "kind": ("books",)}),
    SearchQuery(q="", filters={"focus": ("women",), "service": ("legal",), "status": ("active",)}),
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.q or "filters")
def test_every_field_a_request_filters_or_sorts_on_is_declared(meili, backend, query, service):
    # The server refuses a filter on an attribute not in filterableAttributes
    # (invalid_search_filter) and a sort on one not in sortableAttributes (invalid_search_sort):
    # reference/api/settings, filterable and sortable attributes.
    meili.add_callback("POST", f"{URL}/multi-search", callback=answering([1] * 200, []))
    backend.search(replace(query, understood=service.understanding.understand(query.q)))
    sent = [
        q
        for call in meili.calls
        if call.request.url.endswith("/multi-search")
        for q in json.loads(call.request.body)["queries"]
    ]
    assert sent
    filterable, sortable = (
        set(SETTINGS["filterableAttributes"]),
        set(SETTINGS["sortableAttributes"]),
    )
    for request in sent:
        expression = json.dumps(request.get("filter", ""))
        for field in re.findall(r"([A-Za-z_]+)(?:\s*(?:=|!=|IN|>=|<=|>|<)|\()", expression):
            if field not in ("AND", "OR", "NOT", "IN"):
                # _geoRadius(...) needs _geo filterable.
                declared = "_geo" if field.startswith("_geo") else field
                assert declared in filterable, (field, request["filter"])
        for rule in request.get("sort", []):
            field = rule.split("(")[0].split(":")[0]
            assert ("_geo" if field == "_geoPoint" else field) in sortable, rule
        assert request["matchingStrategy"] == "all"  # every word, as the embedded index


def test_search_maps_hits_facets_and_safe_highlights(meili, backend):
    # Round one: the whole (facets), the country facet's own count, then each bucket's
    # count; round two: the page of the one bucket that has hits. The server gives no
    # highlights (none are asked): the app marks the escaped text, description included.
    facets = {
        "kind": {"special-interest": 1},
        "country": {"GB": 1},
        "focus": {"lgbtq": 1},
        "service": {"pen-pals": 1},
    }
    meili.add_callback(
        "POST", f"{URL}/multi-search", callback=answering([1, 3, 0, 1, 0], [STORED], facets)
    )
    results = backend.search(SearchQuery(q="bent", filters={"country": ("GB",)}))
    assert results.total == 1
    hit = results.hits[0]
    assert hit.highlight["name"] == "<mark>Bent</mark> &lt;Bars&gt; Project"
    assert (
        hit.highlight["description"]
        == "<mark>Bent</mark> Bars finds pen pals for LGBTQ+ prisoners &lt;script&gt;."
    )
    assert hit.services == ["pen-pals"]
    assert results.facets["kind"] == {"special-interest": 1}
    sent = [c.request for c in meili.calls if c.request.url.endswith("/multi-search")]
    assert sent[0].headers["Authorization"] == "Bearer server-side-key"
    assert len(json.loads(sent[-1].body)["queries"]) == 1


def test_distance_comes_back_because_geo_is_retrieved(meili, backend, service):
    # Near a place the page is sorted by _geoPoint; the server adds _geoDistance only to a
    # hit whose retrieved fields hold _geo.
    meili.add_callback("POST", f"{URL}/multi-search", callback=answering([1] * 50, [STORED]))
    query = SearchQuery(q="", near=(51.5072, -0.1, 50))
    results = backend.search(replace(query, understood=service.understanding.understand("")))
    assert results.hits and results.hits[0].distance_km == pytest.approx(1.9, abs=0.1)


def test_stop_words_alone_are_searched_as_typed_on_both_backends(meili, backend, service):
    # The embedded index finds "the" as a word (The Croft, Break the Chains). With stop words
    # set, the server would drop every word of "the " and answer a placeholder search, every
    # document (reference/api/settings/update-stopwords); so the index has none, and the app
    # leaves them out of other queries itself.
    assert SETTINGS["stopWords"] == []
    meili.add_callback("POST", f"{URL}/multi-search", callback=answering([1] * 50, [STORED]))
    query = SearchQuery(q="the ")
    backend.search(replace(query, understood=service.understanding.understand(query.q)))
    sent = json.loads(meili.calls[-1].request.body)["queries"]
    assert {request["q"] for request in sent} == {"the "}
    words = service.understanding.understand("help for the families of glasgow").words
    assert "for" not in words and "the" not in words and "of" not in words


def test_a_prefix_is_marked_as_the_whole_word_on_both_backends(meili, backend, service, tmp_path):
    stored = dict(STORED, name="Prison Mindfulness Institute", description="Meditation by post.")
    meili.add_callback("POST", f"{URL}/multi-search", callback=answering([1] * 50, [stored]))
    query = SearchQuery(q="mindf")
    understood = service.understanding.understand(query.q)
    marked = backend.search(replace(query, understood=understood)).hits[0].highlight["name"]
    embedded = EmbeddedSearch(tmp_path / "index.sqlite3")
    embedded.rebuild([factories.document(slug="pmi", name="Prison Mindfulness Institute")])
    alike = embedded.search(replace(query, understood=understood)).hits[0].highlight["name"]
    assert marked == alike == "Prison <mark>Mindfulness</mark> Institute"


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, error_body("index_not_found", "Index `orgs` not found."), "index_not_found"),
        (
            403,
            error_body("invalid_api_key", "The provided API key is invalid.", "auth"),
            "invalid_api_key",
        ),
        (
            503,
            error_body("too_many_search_requests", "Too many search requests.", "system"),
            "too_many_search_requests",
        ),
        (500, error_body("internal", kind="internal"), "internal"),
        (400, error_body("invalid_search_filter"), "invalid_search_filter"),
    ],
)
def test_documented_errors_become_search_unavailable(meili, backend, status, body, reason):
    meili.post(f"{URL}/multi-search", json=body, status=status)
    with pytest.raises(SearchUnavailable, match=reason):
        backend.search(SearchQuery(q="books"))


def test_timeout_becomes_search_unavailable(meili, backend):
    meili.post(f"{URL}/multi-search", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(SearchUnavailable, match="timed out"):
        backend.search(SearchQuery(q="books"))


def test_closed_port_becomes_search_unavailable():
    backend = MeilisearchSearch("http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(SearchUnavailable, match="cannot connect"):
        backend.search(SearchQuery(q="books"))
    assert backend.health()["status"] == "down"


def _accept_tasks(meili, statuses: dict[int, dict]) -> None:
    for uid, body in statuses.items():
        meili.get(f"{URL}/tasks/{uid}", json=body)


def _live_index_exists(meili) -> None:
    """Meilisearch answers that the live index, orgs, is there."""
    meili.get(
        f"{URL}/indexes/orgs",
        json={
            "uid": "orgs",
            "primaryKey": "id",
            "createdAt": "2026-11-21T10:00:00.000000Z",
            "updatedAt": "2026-11-21T10:00:00.000000Z",
        },
    )


def test_settings_go_before_documents(meili, backend):
    _live_index_exists(meili)
    meili.patch(
        f"{URL}/indexes/orgs/settings",
        json=enqueued(1),
        status=202,
        match=[matchers.json_params_matcher(SETTINGS)],
    )
    meili.post(re.compile(rf"{URL}/indexes/orgs/documents.*"), json=enqueued(2), status=202)
    _accept_tasks(meili, {1: task(1), 2: task(2)})
    document = factories.document(
        slug="leeds-abc", name="Leeds ABC", latitude=53.8, longitude=-1.55
    )
    backend.upsert([document])
    methods = [(c.request.method, c.request.url.split("?")[0]) for c in meili.calls]
    settings_at = methods.index(("PATCH", f"{URL}/indexes/orgs/settings"))
    documents_at = methods.index(("POST", f"{URL}/indexes/orgs/documents"))
    assert settings_at < documents_at
    sent = json.loads(meili.calls[documents_at].request.body)
    assert sent == [meili_document(document)]
    assert sent[0]["id"] == "leeds-abc"
    assert sent[0]["_geo"] == {"lat": 53.8, "lng": -1.55}
    assert "primaryKey=id" in meili.calls[documents_at].request.url


def test_a_failed_task_is_an_error_not_a_success(meili, backend):
    backend._settings_applied = True
    meili.post(re.compile(rf"{URL}/indexes/orgs/documents.*"), json=enqueued(7), status=202)
    failure = error_body("invalid_document_geo_field", "The `_geo` field is invalid.")
    _accept_tasks(meili, {7: task(7, status="failed", error=failure)})
    with pytest.raises(SearchUnavailable, match="task 7 failed: invalid_document_geo_field"):
        backend.upsert([factories.document()])


def test_missing_index_is_created_with_settings(meili, backend):
    meili.get(f"{URL}/indexes/orgs", json=error_body("index_not_found"), status=404)
    meili.post(
        f"{URL}/indexes",
        json=enqueued(1),
        status=202,
        match=[matchers.json_params_matcher({"uid": "orgs", "primaryKey": "id"})],
    )
    meili.patch(f"{URL}/indexes/orgs/settings", json=enqueued(2), status=202)
    meili.post(
        f"{URL}/indexes/orgs/documents/delete",
        json=enqueued(3),
        status=202,
        match=[matchers.json_params_matcher({"filter": 'id IN ["gone-group"]'})],
    )
    _accept_tasks(meili, {1: task(1), 2: task(2), 3: task(3)})
    backend.delete(["gone-group"])
    asked = [(c.request.method, c.request.url.removeprefix(URL)) for c in meili.calls]
    asked = [call for call in asked if not call[1].startswith(("/version", "/keys/"))]
    assert asked[:2] == [("GET", "/indexes/orgs"), ("POST", "/indexes")]


def test_rebuild_fills_a_new_index_and_swaps_it_in(meili, backend):
    meili.delete(f"{URL}/indexes/orgs_new", json=enqueued(1), status=202)
    meili.post(f"{URL}/indexes", json=enqueued(2), status=202)
    meili.patch(
        f"{URL}/indexes/orgs_new/settings",
        json=enqueued(3),
        status=202,
        match=[matchers.json_params_matcher(SETTINGS)],
    )
    meili.post(re.compile(rf"{URL}/indexes/orgs_new/documents.*"), json=enqueued(4), status=202)
    meili.get(f"{URL}/indexes/orgs_new", json={"uid": "orgs_new", "primaryKey": "id"})
    _live_index_exists(meili)
    meili.patch(f"{URL}/indexes/orgs/settings", json=enqueued(5), status=202)
    meili.post(
        f"{URL}/swap-indexes",
        json=enqueued(6),
        status=202,
        match=[matchers.json_params_matcher([{"indexes": ["orgs", "orgs_new"]}])],
    )
    _accept_tasks(
        meili,
        {
            1: task(1, status="failed", error=error_body("index_not_found")),  # nothing to drop
            2: task(2),
            3: task(3),
            4: task(4),
            5: task(5),
            6: task(6),
        },
    )
    count = backend.rebuild([factories.document(), factories.document()])
    assert count == 2
    order = [
        (c.request.method, c.request.url.split("?")[0].removeprefix(URL))
        for c in meili.calls
        if "/tasks/" not in c.request.url
    ]
    assert order.index(("PATCH", "/indexes/orgs_new/settings")) < order.index(
        ("POST", "/indexes/orgs_new/documents")
    )
    assert order.index(("POST", "/swap-indexes")) > order.index(
        ("POST", "/indexes/orgs_new/documents")
    )
    assert order[-1] == ("DELETE", "/indexes/orgs_new")  # the old documents go


def test_health(meili, backend):
    meili.get(f"{URL}/health", json={"status": "available"})
    meili.get(
        f"{URL}/indexes/orgs/stats",
        json={"numberOfDocuments": 66, "isIndexing": False, "fieldDistribution": {}},
    )
    assert backend.health() == {
        "status": "ok",
        "documents": 66,
        "index": "orgs",
        "version": "1.53.0",
    }


# Rebuilding while relays write: against a fake that keeps Meilisearch's documented state --


@pytest.fixture
def fake_meili(meili):
    return FakeMeilisearch(meili, URL)


@pytest.mark.databases
def test_changes_relayed_while_a_rebuild_fills_the_new_index_survive_the_swap(
    engine, fake_meili, backend
):
    with Session(engine) as session:
        catalogue.upsert_many(
            session,
            (factories.record(slug=f"listing-{n:02d}", name=f"Listing {n}") for n in range(30)),
        )
        session.commit()
        reindex(session, backend)
    renamed: dict[str, str] = {}

    def approve_and_relay(_: int) -> None:
        # While the rebuild reads the catalogue (in slug order) and fills orgs_new, a moderator
        # renames a listing it has read, and the web worker's relay delivers it to orgs.
        slug = f"listing-{len(renamed):02d}"
        with Session(engine) as session:
            catalogue.upsert(session, factories.record(slug=slug, name=f"Renamed {slug}"))
            session.commit()
        assert apply_pending(engine, backend) == 1
        renamed[slug] = f"Renamed {slug}"

    before = len(fake_meili.requests)
    with Session(engine) as session:
        assert reindex(session, backend, progress=approve_and_relay) == 30
    live = fake_meili.documents("orgs")
    lost = [slug for slug, name in renamed.items() if live[slug]["name"] != name]
    assert (len(lost), len(renamed)) == (0, 30)
    assert apply_pending(engine, backend) == 0  # delivered, to the index that is live
    # On the wire: the changes went into orgs_new after it was filled, then the swap.
    writes = [request for request in fake_meili.requests[before:] if request[0] != "GET"]
    swap_at = [path for _, path, _ in writes].index("/swap-indexes")
    method, path, replayed = writes[swap_at - 1]
    assert (method, path) == ("POST", "/indexes/orgs_new/documents")
    assert {document["id"]: document["name"] for document in replayed} == renamed
    assert writes[swap_at][2] == [{"indexes": ["orgs", "orgs_new"]}]
    assert [(method, path) for method, path, _ in writes[swap_at + 1 :]] == [
        ("DELETE", "/indexes/orgs_new")
    ]


@pytest.mark.databases
def test_the_lock_writers_of_an_index_hold_is_held_across_processes(engine, backend):
    # Every web worker's relay and `reindex` take it; here another process asks for it.
    script = (
        "import sys\n"
        "from sqlalchemy import create_engine\n"
        "from directory.search import sync\n"
        "from directory.search.meili import MeilisearchSearch\n"
        "engine = create_engine(sys.argv[1])\n"
        "with sync.exclusive(engine, MeilisearchSearch(sys.argv[2]), wait=False) as held:\n"
        "    print(held)\n"
        "engine.dispose()\n"
    )
    url = engine.url.render_as_string(hide_password=False)

    def held_elsewhere() -> bool:
        answer = subprocess.run(
            [sys.executable, "-c", script, url, URL],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
        )
        return answer.stdout.strip() == "False"

    with sync.exclusive(engine, backend):
        assert held_elsewhere()
    assert not held_elsewhere()
