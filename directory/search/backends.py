"""Choose the search backends the settings ask for."""

from __future__ import annotations

from directory.search.embedded import EmbeddedSearch
from directory.search.interface import SearchBackend
from directory.settings import Settings


def embedded(settings: Settings) -> SearchBackend:
    return EmbeddedSearch(settings.search_index_path)
