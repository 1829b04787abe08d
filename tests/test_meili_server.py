"""Whether a Meilisearch server is used: its version, its keys, and answers that are not
Meilisearch's (a proxy's page). Checked on the documented answers (tests/meili_answers.py);
the contract suite runs against a real server when MEILI_URL is set."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import requests
import responses
from click.testing import CliRunner
from sqlmodel import Session
from starlette.testclient import TestClient

from directory import catalogue
from directory.app import create_app
from directory.cli import main
from directory.search import SearchQuery
from directory.search.errors import SearchUnavailable
from directory.search.indexing import reindex
from directory.search.meili import MeilisearchSearch
from directory.search.meili_server import parsed_version
from tests import factories, meili_answers
from tests.fake_meilisearch import FakeMeilisearch

URL = "http://meili.test:7700"
ADMIN_KEY, SEARCH_KEY = "a" * 64, "s" * 64


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{URL}/health", json={"status": "available"})
        mock.get(
            f"{URL}/indexes/orgs/stats",
            json={"numberOfDocuments": 3, "isIndexing": False, "fieldDistribution": {}},
        )
        yield mock


def server(mock, version: str = "1.53.0", keys=meili_answers.KEY_MAY_NOT_READ_KEYS) -> None:
    """Meilisearch of `version`, answering GET /keys/{key} with `keys` (status, body)."""
    mock.get(f"{URL}/version", json=meili_answers.version(version))
    status, body = keys
    mock.get(re.compile(rf"{URL}/keys/.*"), json=body, status=status)


def backend(**options) -> MeilisearchSearch:
    return MeilisearchSearch(URL, ADMIN_KEY, index_uid="orgs", timeout=0.5, **options)


# The version floor ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "parsed"),
    [("1.53.0", (1, 53, 0)), ("1.36.0-rc.1", (1, 36, 0)), ("v1.9", (1, 9, 0)), ("main", None)],
)
def test_versions_are_read_as_the_server_reports_them(version, parsed):
    assert parsed_version(version) == parsed


@pytest.mark.parametrize("version", ["1.35.2", "1.9.0", "0.30.5"])
def test_a_server_below_the_floor_is_refused_with_the_reason(mock, version):
    server(mock, version)
    meili = backend()
    with pytest.raises(SearchUnavailable, match=f"Meilisearch {version} is older than 1.36.0"):
        meili.search(SearchQuery(q="books"))
    with pytest.raises(SearchUnavailable, match="older than 1.36.0"):
        meili.upsert([factories.document()])
    assert meili.health() == {
        "status": "refused",
        "error": f"Meilisearch {version} is older than 1.36.0, the oldest this directory works "
        "with; upgrade the server (searches use the embedded index meanwhile)",
        "version": version,
        "version_floor": "1.36.0",
    }
    # Nothing was sent that an old server would refuse or half apply.
    asked = {call.request.url.removeprefix(URL) for call in mock.calls}
    assert not any(path.startswith(("/multi-search", "/indexes/orgs/settings")) for path in asked)


@pytest.mark.parametrize("version", ["1.36.0", "1.53.0", "2.0.0"])
def test_a_server_at_or_above_the_floor_is_used(mock, version):
    server(mock, version)
    assert backend().health() == {
        "status": "ok",
        "documents": 3,
        "index": "orgs",
        "version": version,
    }


def test_a_refused_server_is_asked_again_a_minute_later(mock):
    now = [0.0]
    meili = backend(clock=lambda: now[0])
    mock.get(f"{URL}/version", json=meili_answers.version("1.30.0"))
    mock.get(f"{URL}/version", json=meili_answers.version("1.53.0"))  # upgraded meanwhile
    status, body = meili_answers.KEY_MAY_NOT_READ_KEYS
    mock.get(re.compile(rf"{URL}/keys/.*"), json=body, status=status)
    assert meili.health()["status"] == "refused"
    now[0] = 30.0
    assert meili.health()["status"] == "refused"  # not asked again yet
    now[0] = 61.0
    assert meili.health()["status"] == "ok"


@pytest.fixture
def meili_site(seeded, settings):
    """The seeded site, configured to search with Meilisearch at URL."""
    return settings.model_copy(
        update={"search": "meilisearch", "meili_url": URL, "meili_api_key": ADMIN_KEY}
    )


def test_healthz_shows_a_server_below_the_floor_and_searches_still_answer(mock, meili_site):
    server(mock, "1.35.2")
    with TestClient(create_app(meili_site)) as client:
        health = client.get("/healthz")
        found = client.get("/api/search", params={"q": "books"})
        page = client.get("/search", params={"q": "books"})
    assert health.status_code == 200
    report = health.json()
    assert report["status"] == "degraded"
    assert report["serving"] == "embedded"
    assert report["search"]["meilisearch"]["status"] == "refused"
    assert report["search"]["meilisearch"]["version"] == "1.35.2"
    assert report["search"]["meilisearch"]["version_floor"] == "1.36.0"
    assert any("Meilisearch 1.35.2 is older than 1.36.0" in r for r in report["reasons"])
    assert found.status_code == 200 and found.json()["total"] > 0
    assert page.status_code == 200 and "Books" in page.text
    assert not any("/multi-search" in call.request.url for call in mock.calls)


# The keys --------------------------------------------------------------------------------------


def test_the_master_key_is_refused(mock):
    server(mock, keys=meili_answers.KEY_IS_THE_MASTER_KEY)
    meili = backend()
    with pytest.raises(SearchUnavailable, match="MEILI_API_KEY is Meilisearch's master key"):
        meili.search(SearchQuery(q="books"))
    report = meili.health()
    assert report["status"] == "refused"
    assert "directory meili-keys" in report["error"]
    assert "DIRECTORY_DEBUG" in report["error"]


def test_the_master_key_is_allowed_with_debug_saying_so(mock):
    server(mock, keys=meili_answers.KEY_IS_THE_MASTER_KEY)
    report = backend(master_key_allowed=True).health()
    assert report["status"] == "ok"
    assert report["warnings"] == [
        "MEILI_API_KEY is the master key (allowed because DIRECTORY_DEBUG is set)"
    ]


def test_a_search_key_that_is_the_master_key_is_refused(mock):
    mock.get(f"{URL}/version", json=meili_answers.version())
    admin_probe = meili_answers.KEY_MAY_NOT_READ_KEYS
    master_probe = meili_answers.KEY_IS_THE_MASTER_KEY
    mock.get(f"{URL}/keys/{ADMIN_KEY}", json=admin_probe[1], status=admin_probe[0])
    mock.get(f"{URL}/keys/{SEARCH_KEY}", json=master_probe[1], status=master_probe[0])
    report = backend(search_key=SEARCH_KEY).health()
    assert report["status"] == "refused"
    assert report["error"].startswith("MEILI_SEARCH_KEY is Meilisearch's master key")


@pytest.mark.parametrize(
    ("probe", "warning"),
    [
        (
            (200, meili_answers.key(["*"], ["*"])),  # the Default Admin API Key
            "MEILI_API_KEY can manage the server's keys",
        ),
        (
            (200, meili_answers.key(["keys.create", "search"], ["*"])),
            "can manage the server's keys",
        ),
        (meili_answers.NO_MASTER_KEY, "the server runs without a master key"),
    ],
)
def test_keys_that_can_do_too_much_are_used_with_a_warning(mock, probe, warning):
    server(mock, keys=probe)
    report = backend().health()
    assert report["status"] == "ok"
    assert len(report["warnings"]) == 1 and warning in report["warnings"][0]


def test_queries_go_with_the_search_key_and_writes_with_the_admin_key(mock):
    server(mock)
    mock.post(
        f"{URL}/multi-search",
        json={"results": [meili_answers.counted({"indexUid": "orgs", "page": 0}, 0)] * 4},
    )
    mock.post(
        re.compile(rf"{URL}/indexes/orgs/documents.*"),
        json={
            "taskUid": 1,
            "indexUid": "orgs",
            "status": "enqueued",
            "type": "documentAdditionOrUpdate",
            "enqueuedAt": "2026-12-01T10:00:00.000000Z",
        },
        status=202,
    )
    mock.get(
        f"{URL}/tasks/1",
        json={  # reference/api/tasks/get-task
            "uid": 1,
            "indexUid": "orgs",
            "status": "succeeded",
            "type": "documentAdditionOrUpdate",
            "error": None,
            "details": {},
            "enqueuedAt": "2026-12-01T10:00:00.000000Z",
        },
    )
    meili = backend(search_key=SEARCH_KEY)
    meili._settings_applied = True
    meili.search(SearchQuery(q="books"))
    meili.upsert([factories.document()])
    sent = {
        call.request.url.removeprefix(URL).split("?")[0]: call.request.headers["Authorization"]
        for call in mock.calls
        if call.request.method == "POST"
    }
    assert sent == {
        "/multi-search": f"Bearer {SEARCH_KEY}",
        "/indexes/orgs/documents": f"Bearer {ADMIN_KEY}",
    }


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MEILI_URL", URL)
    monkeypatch.setenv("DIRECTORY_MEILI_INDEX", "orgs")
    runner = CliRunner()
    return lambda *args, stdin="": runner.invoke(main, list(args), input=stdin)


def test_meili_keys_makes_an_admin_key_and_a_search_key(run):
    made = iter(["admin-key-value", "search-key-value"])
    bodies = []

    def create(request):  # reference/api/keys/create-api-key: 201 with the key
        body = json.loads(request.body)
        bodies.append((request.headers["Authorization"], body))
        answer = meili_answers.key(body["actions"], body["indexes"], value=next(made))
        return 201, {}, json.dumps(dict(answer, name=body["name"]))

    with responses.RequestsMock() as mock:
        mock.add_callback("POST", f"{URL}/keys", callback=create)
        result = run("meili-keys", "--master-key-stdin", stdin="the-master-key-16b\n")
    assert result.exit_code == 0, result.output
    assert "MEILI_API_KEY=admin-key-value\nMEILI_SEARCH_KEY=search-key-value\n" in result.output
    (auth, admin), (_, search) = bodies
    assert auth == "Bearer the-master-key-16b"
    assert admin["indexes"] == ["orgs", "orgs_new"]
    assert set(admin["actions"]) == {
        "version",
        "indexes.get",
        "indexes.create",
        "indexes.delete",
        "indexes.swap",
        "settings.update",
        "documents.add",
        "documents.delete",
        "tasks.get",
        "stats.get",
        "search",
    }
    assert not any(action.startswith("keys.") or action == "*" for action in admin["actions"])
    assert (search["actions"], search["indexes"]) == (["search"], ["orgs"])


def test_meili_keys_says_why_when_the_master_key_is_wrong(run):
    with responses.RequestsMock() as mock:
        mock.post(
            f"{URL}/keys",
            json=meili_answers.error("invalid_api_key", "The provided API key is invalid.", "auth"),
            status=403,
        )
        result = run("meili-keys", "--master-key-stdin", stdin="wrong\n")
    assert result.exit_code == 1
    assert "Meilisearch did not make the keys: invalid_api_key (HTTP 403)." in result.output


def test_meili_keys_says_when_the_server_cannot_be_reached(run, monkeypatch):
    monkeypatch.setenv("MEILI_URL", "http://127.0.0.1:9")
    result = run("meili-keys", "--master-key-stdin", stdin="the-master-key-16b\n")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Meilisearch did not make the keys: cannot connect to http://127.0.0.1:9."
    )


# A key limited to named indexes: the swap is seen in the index, not in its task ---------------


@pytest.mark.databases
def test_reindex_with_a_key_that_cannot_see_swap_tasks(engine):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeMeilisearch(mock, URL, swap_tasks_hidden=True)
        meili = backend()
        with Session(engine) as session:
            catalogue.upsert_many(
                session, (factories.record(slug=f"group-{n}", name=f"Group {n}") for n in range(5))
            )
            session.commit()
            assert reindex(session, meili) == 5
            catalogue.upsert(session, factories.record(slug="group-9", name="Group 9"))
            session.commit()
            assert reindex(session, meili) == 6
        assert set(fake.documents("orgs")) == {f"group-{n}" for n in (0, 1, 2, 3, 4, 9)}
        assert "orgs_new" not in fake.indexes  # not left behind


# Answers that are not Meilisearch's --------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": 502, "body": "<html><h1>502 Bad Gateway</h1></html>"}, "HTTP 502"),
        ({"status": 200, "body": "<html>captive portal</html>"}, "bad answer"),
        ({"status": 200, "json": {"message": "not a multi-search"}}, "not a multi-search"),
        ({"body": requests.exceptions.ChunkedEncodingError("cut")}, "bad answer"),
        ({"body": requests.exceptions.TooManyRedirects("loop")}, "bad answer"),
    ],
)
def test_answers_that_are_not_meilisearch_s_are_unavailable_not_errors(mock, answer, reason):
    server(mock)
    mock.post(f"{URL}/multi-search", **answer)
    with pytest.raises(SearchUnavailable, match=reason) as raised:
        backend().search(SearchQuery(q="books"))
    assert len(raised.value.reason) < 300  # a page of HTML does not go into logs and /healthz


def test_a_proxy_page_instead_of_an_answer_falls_back_over_http(mock, meili_site):
    server(mock)
    mock.post(f"{URL}/multi-search", body="<html>captive portal</html>", status=200)
    with TestClient(create_app(meili_site)) as client:
        page = client.get("/search", params={"q": "books"})
        found = client.get("/api/search", params={"q": "books"})
    assert page.status_code == 200 and "Books" in page.text
    assert found.status_code == 200 and found.json()["total"] > 0
