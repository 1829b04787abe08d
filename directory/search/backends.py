"""Build the search backends, service and relay the settings ask for."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from directory.search.embedded import EmbeddedSearch
from directory.search.meili import MeilisearchSearch
from directory.search.service import SearchService
from directory.search.sync import Relay
from directory.settings import Settings


def embedded(settings: Settings) -> EmbeddedSearch:
    return EmbeddedSearch(settings.search_index_path)


def meilisearch(settings: Settings) -> MeilisearchSearch | None:
    if settings.search != "meilisearch" or not settings.meili_url:
        return None
    return MeilisearchSearch(
        settings.meili_url,
        settings.meili_api_key,
        index_uid=settings.meili_index,
        timeout=settings.meili_timeout_seconds,
    )


def service(settings: Settings) -> SearchService:
    return SearchService(embedded(settings), meilisearch(settings))


def relay(engine: Engine, search: SearchService) -> Relay:
    return Relay(engine, search.backends)
