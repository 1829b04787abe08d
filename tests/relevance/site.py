"""A site for the relevance suite: the shipped seed listings, indexed, served by the app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session
from starlette.testclient import TestClient

from directory import catalogue, seed
from directory.app import create_app
from directory.database import make_engine
from directory.migrate import upgrade
from directory.search import backends
from directory.search.indexing import reindex
from directory.settings import PACKAGED_SEED_DIR
from tests import factories

BACKENDS = ("embedded", "meilisearch")


@contextmanager
def seeded_client(
    data_dir: Path,
    gazetteer: Path,
    backend: str = "embedded",
    meili_url: str = "",
    meili_api_key: str = "",
) -> Iterator[TestClient]:
    """A client of a fresh site in data_dir holding the seed listings, searched with `backend`.

    On Meilisearch the listings go into an index of their own, deleted afterwards, so that a
    run never reads or writes the index a configured site uses.
    """
    settings = factories.site_settings(data_dir, gazetteer)
    if backend == "meilisearch":
        settings = settings.model_copy(
            update={
                "search": "meilisearch",
                "meili_url": meili_url,
                "meili_api_key": meili_api_key,
                "meili_index": f"relevance_{uuid.uuid4().hex[:12]}",
                # An index of its own, made and deleted: a key for every index (even the
                # master key, as when developing).
                "debug": True,
            }
        )
    elif backend != "embedded":
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    engine = make_engine(settings)
    upgrade(engine)
    meili = backends.meilisearch(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            catalogue.upsert_many(session, seed.load(PACKAGED_SEED_DIR))
            session.commit()
            reindex(session, backends.embedded(settings))
            if meili is not None:
                reindex(session, meili)
        with TestClient(create_app(settings)) as client:
            yield client
    finally:
        if meili is not None:
            meili.client.delete_index(meili.index_uid)
        engine.dispose()
