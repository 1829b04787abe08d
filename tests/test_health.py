"""/healthz tells the truth about what works: a database that answers but cannot be written
is "degraded", not "ok"."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text
from starlette.testclient import TestClient

from directory import app as application
from directory.app import create_app
from directory.database import make_engine
from tests.web import degraded_health


def _read_only_sqlite(settings):
    # As a read-only file or data directory does: SQLite answers reads and refuses writes
    # ("attempt to write a readonly database"). A root-owned test cannot chmod that into being.
    engine = make_engine(settings)
    event.listen(
        engine, "connect", lambda connection, _: connection.execute("PRAGMA query_only = ON")
    )
    return engine


@pytest.fixture
def read_only_database(seeded, settings, database_backend, monkeypatch):
    if database_backend == "sqlite":
        monkeypatch.setattr(application, "make_engine", _read_only_sqlite)
        return
    server = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    name = server.url.database
    with server.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    server.dispose()


@pytest.mark.databases
def test_a_database_that_cannot_be_written_makes_health_degraded(read_only_database, settings):
    with TestClient(create_app(settings)) as client:
        body = degraded_health(client)
        assert body["database"]["status"] == "read-only"
        assert any("database cannot be written" in reason for reason in body["reasons"]), body
        # What only reads still works.
        assert client.get("/api/search", params={"q": "bent bars"}).status_code == 200


@pytest.mark.databases
def test_health_is_ok_when_everything_is(client):
    body = client.get("/healthz").json()
    assert (body["status"], body["reasons"], body["database"]) == ("ok", [], {"status": "ok"})
    assert body["search"]["embedded"]["status"] == "ok"
