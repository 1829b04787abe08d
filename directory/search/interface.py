"""The one narrow search interface every backend implements and everything else talks to."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True)
class SearchQuery:
    """What a person asked for. Filters AND across fields and OR within one."""

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    near: tuple[float, float, float] | None = None  # latitude, longitude, radius in km
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Hit:
    slug: str
    name: str
    kind: str
    country: str
    city: str | None
    region: str | None
    focus: list[str]
    services: list[str]
    url: str | None
    status: str
    # HTML built from escaped text, with <mark> around matched words: safe to render as is.
    highlight: dict[str, str]
    distance_km: float | None = None


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


Document = dict[str, Any]


class IndexWriter(Protocol):
    """What applies changes to an index: a live one, or one being built."""

    def upsert(self, documents: Iterable[Document]) -> None: ...

    def delete(self, slugs: Iterable[str]) -> None: ...


class NewIndex(IndexWriter, Protocol):
    """An index built beside the live one, not yet searched. Changes can still be applied to
    it before `swap()` puts it in the live one's place; `discard()` drops whatever is left."""

    count: int  # documents it was built with

    def swap(self) -> None: ...

    def discard(self) -> None: ...


class SearchBackend(IndexWriter, Protocol):
    """A search index of published organisations."""

    name: str
    remote: bool  # across a network: applied by the relay thread, not in a request

    def search(self, query: SearchQuery) -> SearchResults: ...

    def build(self, documents: Iterable[Document]) -> NewIndex: ...

    def health(self) -> dict[str, Any]: ...
