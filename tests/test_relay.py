"""The relay and the fallback: an index that is down loses nothing and catches up; search
keeps answering from the embedded index meanwhile."""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from directory import catalogue
from directory.app import create_app
from directory.search import SearchQuery
from directory.search.embedded import EmbeddedSearch
from directory.search.errors import SearchUnavailable
from directory.search.service import SearchService
from directory.search.sync import Relay, apply_pending
from tests import factories
from tests.web import degraded_health

pytestmark = pytest.mark.databases


class Flaky:
    """A real embedded index behind a switch that makes it unreachable, as a remote one can be."""

    remote = True

    def __init__(self, inner: EmbeddedSearch, name: str = "flaky") -> None:
        self.inner, self.name, self.down, self.calls = inner, name, False, 0
        self.outbox_name = name

    def _check(self) -> None:
        self.calls += 1
        if self.down:
            raise SearchUnavailable(self.name, "cannot connect")

    def search(self, query):
        self._check()
        return self.inner.search(query)

    def upsert(self, documents):
        self._check()
        self.inner.upsert(documents)

    def delete(self, slugs):
        self._check()
        self.inner.delete(slugs)

    def build(self, documents):
        self._check()
        return self.inner.build(documents)

    def rebuild(self, documents):
        self._check()
        return self.inner.rebuild(documents)

    def health(self):
        return {"status": "down"} if self.down else self.inner.health()


def names(backend) -> list[str]:
    return [hit.name for hit in backend.search(SearchQuery(per_page=100)).hits]


def change(engine, **fields) -> None:
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(**fields))
        session.commit()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_index_that_is_down_loses_nothing_and_catches_up(engine, tmp_path):
    remote = Flaky(EmbeddedSearch(tmp_path / "remote.sqlite3"))
    clock = Clock()
    relay = Relay(engine, [remote], clock=clock)
    remote.down = True
    change(engine, slug="a", name="Alpha Letters")
    change(engine, slug="b", name="Beta Books")
    assert relay.deliver(remote) is None
    assert relay.status()["flaky"]["pending"] == 2
    assert relay.status()["flaky"]["last_error"] == "flaky: cannot connect"

    # Backing off: no attempt until the retry time, then one that fails doubles the wait.
    calls = remote.calls
    assert relay.deliver(remote) == 0 and remote.calls == calls
    clock.now += 1.0
    assert relay.deliver(remote) is None
    assert relay.status()["flaky"]["retry_in_seconds"] == 2.0

    remote.down = False
    clock.now += 2.0
    assert relay.deliver(remote) == 2
    assert names(remote.inner) == ["Alpha Letters", "Beta Books"]
    assert relay.status()["flaky"] == {"pending": 0, "last_error": None, "retry_in_seconds": 0.0}


def test_one_index_down_does_not_hold_back_another(engine, settings, tmp_path):
    local = EmbeddedSearch(settings.search_index_path)  # empty, as reindex leaves it
    remote = Flaky(EmbeddedSearch(tmp_path / "remote.sqlite3"))
    remote.down = True
    relay = Relay(engine, [local, remote])
    change(engine, slug="a", name="Alpha Letters")
    relay.wake()  # the local index is updated at once, in this thread
    assert names(local) == ["Alpha Letters"]
    relay.run_once()
    assert relay.status()["flaky"]["pending"] == 1
    assert relay.status()["embedded"]["pending"] == 0


def test_the_background_thread_applies_changes_within_seconds(engine, tmp_path):
    remote = Flaky(EmbeddedSearch(tmp_path / "remote.sqlite3"))
    relay = Relay(engine, [remote], poll_seconds=0.05)
    relay.start()
    try:
        change(engine, slug="a", name="Alpha Letters")
        relay.wake()
        deadline = time.monotonic() + 5
        while names(remote.inner) != ["Alpha Letters"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert names(remote.inner) == ["Alpha Letters"]
    finally:
        relay.stop()


def test_relaying_twice_is_harmless(engine, settings):
    index = EmbeddedSearch(settings.search_index_path)
    change(engine, slug="a", name="Alpha Letters")
    first = Relay(engine, [index])
    second = Relay(engine, [index])  # e.g. a second server process
    assert first.deliver(index) == 1
    assert second.deliver(index) == 0
    assert apply_pending(engine, index) == 0
    assert names(index) == ["Alpha Letters"]


def test_a_crash_between_commit_and_relay_is_replayed_on_start(seeded, settings):
    # Committed, but the process died before any relay ran.
    change(seeded, slug="late-group", name="Late Night Letters")
    with TestClient(create_app(settings)) as client:
        hits = client.get("/api/search", params={"q": "late night letters"}).json()["hits"]
    assert [hit["slug"] for hit in hits][:1] == ["late-group"]


def test_search_falls_back_when_the_primary_is_down(tmp_path):
    embedded = EmbeddedSearch(tmp_path / "embedded.sqlite3")
    embedded.rebuild([factories.document(slug="a", name="Alpha Letters")])
    primary = Flaky(EmbeddedSearch(tmp_path / "primary.sqlite3"), name="meilisearch")
    primary.inner.rebuild([factories.document(slug="p", name="Primary Only")])
    clock = Clock()
    service = SearchService(embedded, primary, retry_after=15, clock=clock)
    assert names(service) == ["Primary Only"]
    primary.down = True
    assert names(service) == ["Alpha Letters"]
    calls = primary.calls
    assert names(service) == ["Alpha Letters"]
    assert primary.calls == calls  # not retried on every search while it is known down
    primary.down = False
    clock.now += 16
    assert names(service) == ["Primary Only"]


@pytest.fixture
def unreachable_meilisearch(settings):
    return settings.model_copy(
        update={
            "search": "meilisearch",
            "meili_url": "http://127.0.0.1:9",
            "meili_timeout_seconds": 0.5,
        }
    )


def test_meilisearch_unreachable_still_serves_and_health_says_so(seeded, unreachable_meilisearch):
    with TestClient(create_app(unreachable_meilisearch)) as client:
        body = degraded_health(client)
        assert body["serving"] == "embedded"
        assert body["search"]["meilisearch"]["status"] == "down"
        assert body["search"]["embedded"]["status"] == "ok"
        assert body["search"]["meilisearch"]["outbox_pending"] >= 0
        response = client.get("/api/search", params={"q": "bent bars"})
        assert response.status_code == 200
        assert response.json()["hits"][0]["slug"] == "bent-bars-project"
        page = client.get("/search", params={"q": "prisoner solidarity"})
        assert page.status_code == 200
        assert "Glasgow <mark>Prisoner</mark> <mark>Solidarity</mark>" in page.text
