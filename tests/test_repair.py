"""A search index file deleted or damaged under the running server: every page still answers,
/healthz says what is wrong, and the index is rebuilt from the database in the background."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from directory.app import create_app
from directory.search import backends, repair
from directory.search.locks import database_lock
from tests.web import approve, degraded_health, review_url, submit_new


def deleted(path: Path) -> None:
    path.unlink()


def overwritten(path: Path) -> None:
    path.write_bytes(b"this is not a search index" * 100)


def truncated(path: Path) -> None:
    path.write_bytes(b"")


def of_the_last_format(path: Path) -> None:
    # As the release before left it: no stored postings, format 3.
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("DROP TABLE postings")
        connection.execute("PRAGMA user_version = 3")
    connection.close()


PAGES = ["/", "/search?q=books", "/api/search?q=books", "/print?q=books", "/print.txt?q=books"]


def wait_for_health(client, status: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        body = client.get("/healthz").json()
        if body["status"] == status or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


@pytest.mark.databases
@pytest.mark.parametrize("damage", [deleted, overwritten, truncated])
def test_a_lost_index_is_rebuilt_and_meanwhile_every_page_answers(
    moderator_client, seeded, settings, damage: Callable[[Path], None]
):
    client = moderator_client
    submit_new(client, name="Harbour Letters Collective")
    review = review_url(client, "Harbour Letters Collective")
    assert client.get("/api/search", params={"q": "bent bars"}).json()["total"] >= 1

    # Another process is already rebuilding it, say: this one must wait for it.
    with database_lock(seeded, repair.lock_name(backends.embedded(settings))):
        damage(settings.search_index_path)
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 503, (path, response.status_code)
            assert response.headers["retry-after"]
            assert "being rebuilt" in response.text, path
        page = client.get(review)
        assert page.status_code == 200
        assert "Harbour Letters Collective" in page.text
        assert "could not look for listings with a similar name" in page.text
        body = degraded_health(client)
        assert body["search"]["embedded"]["status"] == "rebuilding"
        assert any("search index" in reason for reason in body["reasons"]), body

    body = wait_for_health(client, "ok")
    assert body["status"] == "ok", body
    assert body["reasons"] == []
    hits = client.get("/api/search", params={"q": "bent bars"}).json()["hits"]
    assert hits[0]["slug"] == "bent-bars-project"
    assert client.get("/print", params={"q": "bent bars"}).status_code == 200


@pytest.mark.parametrize("damage", [deleted, overwritten, of_the_last_format])
def test_an_index_lost_while_the_server_was_stopped_is_rebuilt_before_it_serves(
    seeded, settings, damage: Callable[[Path], None]
):
    damage(settings.search_index_path)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        hits = client.get("/api/search", params={"q": "bent bars"}).json()["hits"]
        assert hits[0]["slug"] == "bent-bars-project"


def test_what_is_approved_while_the_index_is_lost_is_searchable_once_rebuilt(
    moderator_client, seeded, settings
):
    client = moderator_client
    submit_new(client, name="Harbour Letters Collective")
    review = review_url(client, "Harbour Letters Collective")
    with database_lock(seeded, repair.lock_name(backends.embedded(settings))):
        deleted(settings.search_index_path)
        assert approve(client, review).status_code == 303  # the decision stands
    assert wait_for_health(client, "ok")["status"] == "ok"
    hits = client.get("/api/search", params={"q": "harbour letters"}).json()["hits"]
    assert [hit["name"] for hit in hits][:1] == ["Harbour Letters Collective"]
