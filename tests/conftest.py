"""Shared fixtures: a fresh data directory, database and index for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from directory import catalogue, seed
from directory.app import create_app
from directory.database import make_engine
from directory.migrate import upgrade
from directory.search import backends
from directory.search.indexing import reindex
from directory.settings import Settings

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"


@pytest.fixture(scope="session")
def seed_records():
    return seed.load(SEED_DIR)


@pytest.fixture
def settings(tmp_path: Path, gazetteer: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url="",
        search="embedded",
        meili_url="",
        gazetteer_path=gazetteer,
    )


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
        session.commit()
        reindex(session, backends.embedded(settings))
    return engine


@pytest.fixture
def client(seeded: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def empty_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def gazetteer(tmp_path_factory) -> Path:
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
