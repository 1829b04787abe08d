"""Build the search backends, service and relay the settings ask for."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from directory import prisons
from directory.caches import Caches
from directory.places import Gazetteer
from directory.search import identity
from directory.search.embedded import EmbeddedSearch
from directory.search.meili import MeilisearchSearch
from directory.search.repair import Repair
from directory.search.service import SearchService
from directory.search.sync import Relay
from directory.search.understanding import Understanding
from directory.settings import Settings


def embedded(settings: Settings, caches: Caches | None = None) -> EmbeddedSearch:
    # Never made empty when missing: its documents come from the database (reindex, repair).
    path = settings.search_index_path
    name = identity.outbox_name(path)
    return EmbeddedSearch(path, create=False, outbox_name=name, caches=caches)


def meilisearch(settings: Settings) -> MeilisearchSearch | None:
    if settings.search != "meilisearch" or not settings.meili_url:
        return None
    return MeilisearchSearch(
        settings.meili_url,
        settings.meili_api_key,
        index_uid=settings.meili_index,
        timeout=settings.meili_timeout_seconds,
        search_key=settings.meili_search_key,
        master_key_allowed=settings.debug,
    )


def service(
    settings: Settings, engine: Engine | None = None, caches: Caches | None = None
) -> SearchService:
    """With the database's engine, an embedded index found unreadable is rebuilt from it.
    What it keeps to answer faster goes in `caches` (the process's: caches.py)."""
    caches = Caches(settings.cache_bytes) if caches is None else caches
    index = embedded(settings, caches)
    repair = Repair(engine, index) if engine is not None else None
    reader = understanding(settings, caches)
    return SearchService(
        index,
        meilisearch(settings),
        repair=repair,
        understanding=reader,
        warm_terms=settings.warm_terms,
    )


def understanding(settings: Settings, caches: Caches | None = None) -> Understanding:
    """Reads places out of queries with the gazetteer (and prisons with the register)."""
    gazetteer = settings.gazetteer_path
    assert gazetteer is not None  # Settings fills it in from the data directory
    return Understanding(
        Gazetteer(gazetteer),
        prisons=lambda: prisons.load(gazetteer),
        caches=Caches() if caches is None else caches,
    )


def relay(engine: Engine, search: SearchService) -> Relay:
    relay = Relay(engine, search.backends)
    if search.repair is not None:
        # What was approved while the index could not be written reaches it at once.
        search.repair.then = relay.retry
    return relay
