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
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url="", search="embedded", meili_url="")


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
