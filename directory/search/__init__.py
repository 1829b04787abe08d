"""Search: one narrow interface (SearchQuery -> SearchResults) and the backends behind it."""

from directory.search.interface import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    Hit,
    SearchBackend,
    SearchQuery,
    SearchResults,
)

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "Hit",
    "SearchBackend",
    "SearchQuery",
    "SearchResults",
]
