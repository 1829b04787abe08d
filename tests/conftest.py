"""Shared fixtures: a fresh data directory, database and index for every test."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.testclient import TestClient

from directory import activities, catalogue, seed
from directory.app import create_app
from directory.database import make_engine
from directory.migrate import upgrade
from directory.search import backends
from directory.search.indexing import reindex
from directory.settings import PACKAGED_SEED_DIR, Settings
from tests import factories

SEED_DIR = PACKAGED_SEED_DIR


@pytest.fixture(scope="session")
def seed_records():
    return seed.load(SEED_DIR)


@pytest.fixture
def settings(tmp_path: Path, gazetteer: Path, database_url: str) -> Settings:
    return factories.site_settings(tmp_path, gazetteer, database_url)


# Database backends -----------------------------------------------------------------------
# Tests marked `databases` run on SQLite and again on PostgreSQL, production's database; the
# rest run on SQLite only, so the suite does not take twice as long.

POSTGRES_URL_VARIABLE = "DIRECTORY_TEST_POSTGRES_URL"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("databases") and (
        "database_backend" in metafunc.fixturenames
    ):
        metafunc.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """A connection to the PostgreSQL server that tests may create their databases on."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        reason = f"{POSTGRES_URL_VARIABLE} is not set, so nothing is tested on PostgreSQL"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run sets it (see README.md)")  # never skip in CI
        pytest.skip(f"{reason} (.ci/run sets it; see README.md)")
    server = create_engine(url, isolation_level="AUTOCOMMIT")  # CREATE DATABASE needs it
    yield server
    server.dispose()


@pytest.fixture
def new_database(
    request: pytest.FixtureRequest, database_backend: str
) -> Iterator[Callable[[], str]]:
    """Makes empty databases on the test's backend, as DIRECTORY_DATABASE_URL values.

    On SQLite that is "": the default file in each data directory. On PostgreSQL, a database
    with a random name, dropped after the test.
    """
    if database_backend == "sqlite":
        yield lambda: ""
        return
    # Asked for here, not as an argument: its skip must not reach the SQLite case.
    server: Engine = request.getfixturevalue("postgres_server")
    created: list[str] = []

    def create() -> str:
        name = f"directory_test_{secrets.token_hex(8)}"
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server.url.set(database=name).render_as_string(hide_password=False)

    yield create
    with server.connect() as connection:
        for name in created:
            _drop_database(connection, name)


def _drop_database(connection: Connection, name: str) -> None:
    try:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    except OperationalError:
        # A connection the test left open. FORCE ends it, but is not the first try: a role
        # without superuser may not end an autovacuum worker, which plain DROP waits out.
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(new_database: Callable[[], str]) -> str:
    return new_database()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def seeded(engine: Engine, settings: Settings, seed_records) -> Engine:
    """A database holding the real seed data, and an index built from it."""
    with Session(engine, expire_on_commit=False) as session:
        catalogue.upsert_many(session, seed_records)
        activities.upsert_many(
            session, seed_activities(seed_records), gazetteer=settings.gazetteer_path
        )
        session.commit()
        reindex(session, backends.embedded(settings))
    return engine


def seed_activities(records) -> list[tuple[str, dict]]:
    """The seed's activities as activities.upsert_many takes them."""
    return [(item.organisation, item.values) for item in seed.load_activities(SEED_DIR, records)]


@pytest.fixture
def client(seeded: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def empty_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def gazetteer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The place-name file, built once for the whole run (it takes a couple of seconds)."""
    from directory import places

    path = tmp_path_factory.mktemp("gazetteer") / "places.sqlite3"
    places.build(path)
    return path


# Moderation: accounts, and clients signed in as them ---------------------------------------

MODERATOR_PASSWORD = "a long enough password"


@pytest.fixture
def moderators(seeded: Engine) -> dict[str, str]:
    """An administrator (alice) and a moderator (bob) in the seeded database."""
    from directory import accounts

    with Session(seeded) as session:
        accounts.create_moderator(session, "alice", MODERATOR_PASSWORD, admin=True)
        accounts.create_moderator(session, "bob", MODERATOR_PASSWORD)
        session.commit()
    return {"alice": MODERATOR_PASSWORD, "bob": MODERATOR_PASSWORD}


@pytest.fixture
def moderator_client(client: TestClient, moderators) -> TestClient:
    """The public `client`, signed in as alice (an administrator)."""
    from tests.web import sign_in

    sign_in(client, "alice", moderators["alice"])
    return client


@pytest.fixture
def public_client(seeded: Engine, settings: Settings) -> Iterator[TestClient]:
    """A second browser: never signed in, with its own cookies."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def second_moderator_client(seeded: Engine, settings: Settings, moderators) -> Iterator[TestClient]:
    """Another browser, signed in as bob (a moderator), over the same database."""
    from tests.web import sign_in

    with TestClient(create_app(settings)) as client:
        sign_in(client, "bob", moderators["bob"])
        yield client
